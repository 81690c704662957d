#include "plugins/nphies/fhir_time.hpp"

#include "wasl/sdk/timestamp.hpp"

namespace wasl::plugins::nphies {

std::string ksa_date(std::int64_t unix_ms) {
  return sdk::format_iso8601_date(unix_ms, kRiyadhOffsetMinutes);
}

std::string ksa_instant(std::int64_t unix_ms) {
  return sdk::format_iso8601(unix_ms, kRiyadhOffsetMinutes);
}

}  // namespace wasl::plugins::nphies
