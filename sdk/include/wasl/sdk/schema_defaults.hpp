// schema_defaults.hpp: the defaults a plugin's schema.json declares, filled
// into settings. The hub completes every instance's settings this way before
// it validates them and hands them to the plugin (Host::settings()), so a
// plugin reads its settings without restating a default; the SDK's test
// support (wasl/sdk/testing/schema_settings.hpp) does the same for unit tests.
// Pure and thread-safe.
#pragma once

#include <utility>

#include <nlohmann/json.hpp>

namespace wasl::sdk {

namespace schema_defaults_detail {

inline nlohmann::json fill(const nlohmann::json& schema, nlohmann::json value) {
  if (!schema.is_object()) return value;
  const auto properties = schema.find("properties");
  const bool has_properties = properties != schema.end() && properties->is_object();
  if (value.is_object()) {
    if (has_properties) {
      for (const auto& [name, child] : properties->items()) {
        auto it = value.find(name);
        if (it != value.end()) {
          *it = fill(child, std::move(*it));
        } else if (child.is_object() && child.contains("default")) {
          value[name] = fill(child, child["default"]);
        }
      }
    }
    const auto additional = schema.find("additionalProperties");
    if (additional != schema.end() && additional->is_object()) {
      for (auto it = value.begin(); it != value.end(); ++it) {
        if (!has_properties || !properties->contains(it.key())) {
          *it = fill(*additional, std::move(*it));
        }
      }
    }
  } else if (value.is_array()) {
    const auto items = schema.find("items");
    if (items != schema.end() && items->is_object()) {
      for (auto& element : value) element = fill(*items, std::move(element));
    }
  }
  return value;
}

}  // namespace schema_defaults_detail

// A copy of `value` in which every absent object property whose schema (in
// the JSON Schema document `schema`: properties, additionalProperties, items)
// declares a "default" holds that default, recursively: a filled default is
// itself completed, array elements are completed through "items", and members
// not named under "properties" through an "additionalProperties" schema.
// Present values are never changed. A null `value` counts as absent when the
// root itself declares a default.
inline nlohmann::json with_schema_defaults(const nlohmann::json& schema,
                                           const nlohmann::json& value) {
  if (value.is_null() && schema.is_object() && schema.contains("default")) {
    return schema_defaults_detail::fill(schema, schema["default"]);
  }
  return schema_defaults_detail::fill(schema, value);
}

}  // namespace wasl::sdk
