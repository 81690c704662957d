// FHIR settings for the plugin's tests as the hub hands them over: checked
// against schema.json, its defaults filled in. Test-only.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugins/fhir/settings.hpp"
#include "wasl/sdk/testing/fake_host.hpp"
#include "wasl/sdk/testing/schema_settings.hpp"

namespace wasl::plugins::fhir::testing {

inline const std::string kSchemaPath = WASL_SOURCE_DIR "/plugins/fhir/schema.json";

// `settings` completed with schema.json's defaults; throws when they break it.
inline nlohmann::json with_schema(const nlohmann::json& settings) {
  return sdk::testing::settings_from_schema(kSchemaPath, settings);
}

// Every way `settings` break schema.json (see sdk::testing::schema_violations).
inline std::vector<std::string> schema_violations(const nlohmann::json& settings) {
  const nlohmann::json schema = sdk::testing::read_schema(kSchemaPath);
  return sdk::testing::schema_violations(schema, sdk::with_schema_defaults(schema, settings));
}

// The parsed settings of `settings` (which name no secret the store must hold).
inline FhirSettings test_settings(const nlohmann::json& settings) {
  sdk::testing::FakeHost host;
  auto parsed = parse_settings(with_schema(settings), host);
  if (!parsed.ok()) throw std::invalid_argument(parsed.error().message);
  return std::move(parsed).value();
}

}  // namespace wasl::plugins::fhir::testing
