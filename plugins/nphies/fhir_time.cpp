#include "plugins/nphies/fhir_time.hpp"

#include "wasl/sdk/timestamp.hpp"

namespace wasl::plugins::nphies {

std::string ksa_date(std::int64_t unix_ms) {
  return sdk::format_iso8601_date(unix_ms, kRiyadhOffsetMinutes);
}

std::string ksa_instant(std::int64_t unix_ms) {
  return sdk::format_iso8601(unix_ms, kRiyadhOffsetMinutes);
}

std::optional<std::int64_t> parse_ksa_time(std::string_view text) {
  if (auto ms = sdk::parse_iso8601(text)) return ms;
  sdk::Iso8601Forms local;
  local.date_only = true;
  local.without_offset = true;
  auto ms = sdk::parse_iso8601(text, local);
  if (!ms) return std::nullopt;
  return *ms - std::int64_t{kRiyadhOffsetMinutes} * 60000;
}

}  // namespace wasl::plugins::nphies
