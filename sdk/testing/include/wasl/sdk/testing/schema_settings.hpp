// schema_settings.hpp: settings for a plugin's unit tests as the hub hands
// them to an instance: completed with the defaults of the plugin's
// schema.json (wasl/sdk/schema_defaults.hpp, as the hub does) and checked
// against it with valijson, the validator the hub uses. Pass the result to
// FakeHost, so a plugin under test reads exactly what it reads in the hub and
// never needs to restate a default or a check its schema already makes.
// Needs valijson's headers (libvalijson-dev). Test support: never ship it in
// a plugin.
#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "wasl/sdk/schema_defaults.hpp"

namespace wasl::sdk::testing {

// The JSON document at `path`. Throws std::runtime_error when it cannot be
// read or parsed.
inline nlohmann::json read_schema(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read the schema " + path);
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str());
}

// Every way `settings` (already completed with defaults) breaks `schema`, as
// "/json/pointer: valijson's description" (valijson also adds a line for each
// object a violation sits in); empty when they are valid.
// Integers must be written as JSON integers (the hub also takes 2.0 for 2).
inline std::vector<std::string> schema_violations(const nlohmann::json& schema,
                                                  const nlohmann::json& settings) {
  valijson::Schema compiled;
  valijson::SchemaParser parser;
  valijson::adapters::NlohmannJsonAdapter document(schema);
  parser.populateSchema(document, compiled);
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter target(settings);
  validator.validate(compiled, target, &results);
  std::vector<std::string> out;
  for (const auto& error : results) {
    std::string path;
    for (const auto& step : error.context) {
      if (step == "<root>") continue;
      path += "/" + (step.size() >= 2 ? step.substr(1, step.size() - 2) : step);
    }
    out.push_back(path + ": " + error.description);
  }
  return out;
}

// `settings` completed with the defaults of the schema.json at `schema_path`.
// Throws std::invalid_argument listing every violation when they break it:
// a test that means to pass valid settings fails loudly.
inline nlohmann::json settings_from_schema(const std::string& schema_path,
                                           const nlohmann::json& settings) {
  const nlohmann::json schema = read_schema(schema_path);
  nlohmann::json filled = with_schema_defaults(schema, settings);
  const std::vector<std::string> violations = schema_violations(schema, filled);
  if (!violations.empty()) {
    std::string message = "the settings break " + schema_path + ":";
    for (const auto& v : violations) message += "\n  " + v;
    throw std::invalid_argument(message);
  }
  return filled;
}

}  // namespace wasl::sdk::testing
