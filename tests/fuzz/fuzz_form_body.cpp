// application/x-www-form-urlencoded bodies (Twilio status callbacks).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "plugins/twilio/form_encoding.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  auto fields = wasl::plugins::twilio::parse_form(body);
  if (fields.ok()) {
    // What is parsed encodes and parses back to the same fields.
    auto again = wasl::plugins::twilio::parse_form(wasl::plugins::twilio::encode_form(*fields));
    if (!again.ok() || *again != *fields) __builtin_trap();
  }
  return 0;
}
