#include "plugins/hl7v2/settings.hpp"

namespace wasl::plugins::hl7v2 {

namespace {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;

Error invalid_setting(std::string message) {
  return Error(ErrorCode::kInvalidArgument, "HL7 v2 settings: " + std::move(message), false);
}

}  // namespace

sdk::Result<Hl7v2Settings> parse_settings(const json& settings) {
  Hl7v2Settings out;
  out.receiving_application = settings.at("receiving_application").get<std::string>();
  out.receiving_facility = settings.at("receiving_facility").get<std::string>();
  out.default_charset = settings.at("default_charset").get<std::string>();
  for (const auto& [key, system] : settings.at("identifier_systems").items()) {
    const auto caret = key.find('^');
    if (caret == std::string::npos || key.find('^', caret + 1) != std::string::npos ||
        key.size() == 1) {
      return invalid_setting(
          "identifier_systems key \"" + key +
          "\" must be \"<assigning authority>^<identifier type>\" with one '^' and "
          "at least one side, e.g. \"^NI\" or \"HOSP^MR\"");
    }
    out.identifier_systems.emplace(key, system.get<std::string>());
  }
  out.patient_id_from = settings.at("patient_id_from").get<std::string>();
  out.default_duration_minutes = settings.at("default_duration").get<int>();
  const std::string offset = settings.at("time_zone_offset").get<std::string>();
  if (offset.size() != 5 || (offset[0] != '+' && offset[0] != '-')) {
    return invalid_setting("time_zone_offset must be +HHMM or -HHMM");
  }
  for (std::size_t i = 1; i < offset.size(); ++i) {
    if (offset[i] < '0' || offset[i] > '9') {
      return invalid_setting("time_zone_offset must be +HHMM or -HHMM");
    }
  }
  const int hours = (offset[1] - '0') * 10 + (offset[2] - '0');
  const int minutes = (offset[3] - '0') * 10 + (offset[4] - '0');
  if (hours > 14 || minutes > 59 || hours * 60 + minutes > 14 * 60) {
    return invalid_setting("time_zone_offset must lie between -1400 and +1400");
  }
  out.time_zone_offset_minutes = (offset[0] == '-' ? -1 : 1) * (hours * 60 + minutes);
  const json& outbound = settings.at("outbound");
  out.outbound.host = outbound.at("host").get<std::string>();
  out.outbound.port = outbound.at("port").get<int>();
  out.outbound.timeout = std::chrono::milliseconds(outbound.at("timeout_ms").get<std::int64_t>());
  out.outbound.charset = outbound.at("charset").get<std::string>();
  return out;
}

}  // namespace wasl::plugins::hl7v2
