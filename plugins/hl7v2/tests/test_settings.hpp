// HL7 v2 settings for the plugin's tests as the hub hands them over: checked
// against schema.json, its defaults filled in. Test-only.
#pragma once

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "plugins/hl7v2/settings.hpp"
#include "wasl/sdk/testing/schema_settings.hpp"

namespace wasl::plugins::hl7v2::testing {

inline const std::string kSchemaPath = WASL_SOURCE_DIR "/plugins/hl7v2/schema.json";

// `settings` completed with schema.json's defaults; throws when they break it.
inline nlohmann::json with_schema(const nlohmann::json& settings = nlohmann::json::object()) {
  return sdk::testing::settings_from_schema(kSchemaPath, settings);
}

// The parsed settings of `settings`.
inline Hl7v2Settings test_settings(const nlohmann::json& settings = nlohmann::json::object()) {
  auto parsed = parse_settings(with_schema(settings));
  if (!parsed.ok()) throw std::invalid_argument(parsed.error().message);
  return std::move(parsed).value();
}

}  // namespace wasl::plugins::hl7v2::testing
