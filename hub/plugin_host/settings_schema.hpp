// SettingsSchema: the subset of JSON Schema a plugin's schema.json may use to
// describe its instance settings. The hub validates every instance's settings
// against it before the plugin sees them, and fills declared defaults.
// The document is compiled once, by valijson, which judges every constraint;
// this class keeps the subset check, the wording of each violation by the
// kind of constraint that failed (secrets masked) and, through the SDK
// (wasl/sdk/schema_defaults.hpp), the filling of defaults.
//
// Supported keywords (anything else is refused by parse(), so a vendor learns
// the subset at build time rather than finding a keyword silently ignored):
//   type                  "object" | "array" | "string" | "integer" | "number" |
//                         "boolean" | "null", or an array of these
//   properties            object: property name -> schema
//   required              array of property names that must be present
//   additionalProperties  false (unknown properties are violations), true (the
//                         default), or a schema every other property must match
//   items                 one schema every array element must match
//   enum                  non-empty array; the value must equal one of them
//   pattern               ECMAScript regular expression (std::regex); searched,
//                         not anchored: write ^…$ to match the whole string
//   minimum, maximum      inclusive bounds for numbers and integers
//   minLength, maxLength  inclusive bounds on a string's length in Unicode
//                         code points (UTF-8 decoded)
//   default               the value with_defaults() fills; it must itself
//                         satisfy the schema it sits in
//   description, title, examples, $schema, $id   documentation, not checked
//   x-secret              true marks a value (and everything inside it) as a
//                         secret: violation messages never show its value
//   x-executable          true marks a string as the path of a program the
//                         instance may run (Host::run_process); the host
//                         allows exactly these values, which must be absolute
//
// "integer" accepts any JSON number with no fractional part (2 and 2.0).
// Keywords that do not apply to a value's type are ignored for that value, as in
// JSON Schema; a type mismatch is reported alone, without the other checks.
//
// Thread safety: a SettingsSchema is immutable after parse(); copies share the
// compiled form, and any number of threads may call its const methods at once.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "wasl/sdk/result.hpp"

namespace wasl::plugin_host {

struct SchemaViolation {
  // JSON pointer (RFC 6901) to the offending value, e.g. "/region" or
  // "/rooms/0/name"; "" for the root. A missing required property is reported
  // at the path it would have had.
  std::string path;
  // One sentence, e.g. "expected an integer between 2 and 50, got 99". Strings,
  // objects and arrays are described, never quoted; values under x-secret are
  // never shown at all.
  std::string message;
};

class SettingsSchema {
 public:
  // Compiles `schema`. Fails with kInvalidArgument naming the schema location
  // (as a JSON pointer into the schema document) and the problem: an unknown
  // keyword, a keyword of the wrong type, a pattern std::regex cannot compile,
  // or a default that breaks its own schema.
  static sdk::Result<SettingsSchema> parse(const nlohmann::json& schema);

  // Every violation of `value` (not only the first), in a stable order: per
  // object, missing required properties first, then present properties by
  // name; empty when `value` is valid.
  std::vector<SchemaViolation> validate(const nlohmann::json& value) const;

  // A copy of `value` in which every absent object property whose schema
  // declares a default holds that default, recursively (a filled default is
  // itself completed, and array elements are completed through `items`).
  // Present values are never changed. A null `value` counts as absent when the
  // root itself declares a default. Call validate() on the result.
  nlohmann::json with_defaults(const nlohmann::json& value) const;

  // The (JSON pointer, value) of every string in `value` whose schema says
  // x-executable: the programs the instance may run. Call on the settings
  // with their defaults filled.
  std::vector<std::pair<std::string, std::string>> executables(const nlohmann::json& value) const;

  // The schema document as given to parse().
  const nlohmann::json& document() const;

  struct Compiled;  // valijson's form; defined in settings_schema.cpp

 private:
  SettingsSchema(nlohmann::json document, std::shared_ptr<const Compiled> compiled);

  nlohmann::json document_;
  // Immutable and shared between copies of this schema.
  std::shared_ptr<const Compiled> compiled_;
};

// The JSON pointer token for an object key: "~" -> "~0", "/" -> "~1".
std::string json_pointer_token(const std::string& key);

}  // namespace wasl::plugin_host
