// The Range header of recording downloads, against sizes from the input.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "hub/api/byte_range.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::uint64_t length = 0;
  if (size >= sizeof length) {
    std::memcpy(&length, data, sizeof length);
    data += sizeof length;
    size -= sizeof length;
  }
  std::string_view header(reinterpret_cast<const char*>(data), size);
  for (std::uint64_t n : {length, length % 4096, std::uint64_t{0}, std::uint64_t{1}}) {
    auto range = wasl::api::parse_byte_range(header, n);
    if (range && (range->first > range->last || range->last >= n)) __builtin_trap();
  }
  return 0;
}
