// NPHIES response bundles (ClaimResponse, CoverageEligibilityResponse, poll
// answers) as the NPHIES plugin reads them.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "plugins/nphies/response_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto bundle = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (bundle.is_discarded()) return 0;
  try {
    (void)wasl::plugins::nphies::message_event(bundle);
    (void)wasl::plugins::nphies::read_response(bundle);
    (void)wasl::plugins::nphies::read_poll_response(bundle);
  } catch (const nlohmann::json::exception&) {
    __builtin_trap();  // the reader must turn a malformed bundle into an error value
  }
  return 0;
}
