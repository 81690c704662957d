#include "hub/plugin_host/settings_schema.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <map>
#include <optional>
#include <regex>
#include <string_view>
#include <tuple>
#include <utility>

#include <utf8.h>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "hub/text/suggestion.hpp"

namespace wasl::plugin_host {

using nlohmann::json;

namespace {

enum TypeBit : unsigned {
  kObjectBit = 1u << 0,
  kArrayBit = 1u << 1,
  kStringBit = 1u << 2,
  kIntegerBit = 1u << 3,
  kNumberBit = 1u << 4,
  kBooleanBit = 1u << 5,
  kNullBit = 1u << 6,
};

struct TypeName {
  std::string_view name;
  TypeBit bit;
  std::string_view phrase;  // with its article, as used in messages
};

constexpr std::array<TypeName, 7> kTypeNames{{
    {"object", kObjectBit, "an object"},
    {"array", kArrayBit, "an array"},
    {"string", kStringBit, "a string"},
    {"integer", kIntegerBit, "an integer"},
    {"number", kNumberBit, "a number"},
    {"boolean", kBooleanBit, "a boolean"},
    {"null", kNullBit, "null"},
}};

constexpr std::string_view kSupportedKeywords =
    "type, properties, required, additionalProperties, items, enum, pattern, minimum, maximum, "
    "minLength, maxLength, default, description, title, examples, $schema, $id, x-secret";

}  // namespace

struct SettingsSchema::Node {
  unsigned types = 0;  // TypeBit mask; 0 accepts every type
  std::map<std::string, std::unique_ptr<Node>> properties;
  std::vector<std::string> required;
  std::optional<json> enum_values;  // a non-empty array
  std::string pattern_source;       // empty when none
  std::optional<json> minimum;
  std::optional<json> maximum;
  std::optional<std::uint64_t> min_length;
  std::optional<std::uint64_t> max_length;
  std::unique_ptr<Node> items;
  bool additional_allowed = true;
  std::unique_ptr<Node> additional_schema;  // set when additionalProperties is a schema
  std::optional<json> default_value;
  bool secret = false;
  // The root's valijson form, which decides validity (validate()).
  std::shared_ptr<valijson::Schema> checker;
};

std::string json_pointer_token(const std::string& key) {
  std::string out;
  out.reserve(key.size());
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

namespace {

using Node = SettingsSchema::Node;

long double as_long_double(const json& number) {
  if (number.is_number_unsigned()) return static_cast<long double>(number.get<std::uint64_t>());
  if (number.is_number_integer()) return static_cast<long double>(number.get<std::int64_t>());
  return static_cast<long double>(number.get<double>());
}

bool is_integral(const json& value) {
  if (value.is_number_integer()) return true;
  if (!value.is_number_float()) return false;
  double d = value.get<double>();
  return std::isfinite(d) && std::floor(d) == d;
}

std::string types_phrase(unsigned types) {
  std::vector<std::string_view> phrases;
  for (const auto& t : kTypeNames) {
    if ((types & t.bit) != 0) phrases.push_back(t.phrase);
  }
  std::string out;
  for (std::size_t i = 0; i < phrases.size(); ++i) {
    if (i > 0) out += (i + 1 == phrases.size()) ? " or " : ", ";
    out += phrases[i];
  }
  return out;
}

// How a value is named in a message: scalars literally unless secret; strings,
// objects and arrays only by kind, so neither secrets nor PHI nor long text leak.
std::string describe_value(const json& value, bool secret) {
  switch (value.type()) {
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::string:
      return "a string";
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return secret ? "a boolean" : value.dump();
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      if (secret) return is_integral(value) ? "an integer" : "a number";
      return value.dump();
    default:
      return "an unsupported value";
  }
}

std::string bounds_phrase(const std::optional<json>& low, const std::optional<json>& high) {
  if (low && high) return " between " + low->dump() + " and " + high->dump();
  if (low) return " of at least " + low->dump();
  if (high) return " of at most " + high->dump();
  return "";
}

std::string length_phrase(const std::optional<std::uint64_t>& low,
                          const std::optional<std::uint64_t>& high) {
  if (low && high) {
    if (*low == *high) return " of exactly " + std::to_string(*low) + " characters";
    return " of " + std::to_string(*low) + " to " + std::to_string(*high) + " characters";
  }
  if (low) return " of at least " + std::to_string(*low) + " characters";
  if (high) return " of at most " + std::to_string(*high) + " characters";
  return "";
}

// What the node expects of a value, for a type mismatch message.
std::string expectation(const Node& node) {
  std::string out = types_phrase(node.types);
  bool only_numeric = (node.types & ~(kIntegerBit | kNumberBit)) == 0;
  if (only_numeric) {
    out += bounds_phrase(node.minimum, node.maximum);
  } else if (node.types == kStringBit) {
    out += length_phrase(node.min_length, node.max_length);
  }
  return out;
}

// Unicode code points of `text`; an invalid byte counts as one (it would
// be one U+FFFD).
std::uint64_t utf8_length(const std::string& text) {
  if (utf8::is_valid(text.begin(), text.end())) {
    return static_cast<std::uint64_t>(utf8::distance(text.begin(), text.end()));
  }
  std::string replaced;
  utf8::replace_invalid(text.begin(), text.end(), std::back_inserter(replaced));
  return static_cast<std::uint64_t>(utf8::distance(replaced.begin(), replaced.end()));
}

// valijson checks "integer" strictly; JSON Schema counts 2.0 as an integer.
// A copy of `value` with every whole float as an integer.
json whole_numbers_as_integers(const json& value) {
  if (value.is_number_float() && is_integral(value)) {
    double d = value.get<double>();
    if (d >= -9.2e18 && d <= 9.2e18) return json(static_cast<std::int64_t>(d));
    return value;
  }
  if (value.is_object()) {
    json out = json::object();
    for (const auto& [name, member] : value.items()) out[name] = whole_numbers_as_integers(member);
    return out;
  }
  if (value.is_array()) {
    json out = json::array();
    for (const auto& element : value) out.push_back(whole_numbers_as_integers(element));
    return out;
  }
  return value;
}

// A declared but absent property whose name is a likely misspelling of `name`.
std::optional<std::string> closest_missing(const Node& node, const json& value,
                                           const std::string& name) {
  std::optional<std::string> best;
  std::size_t best_distance = 3;  // suggest only within two edits
  for (const auto& [declared, unused] : node.properties) {
    if (value.contains(declared)) continue;
    std::size_t d = text::edit_distance(name, declared);
    if (d < best_distance) {
      best_distance = d;
      best = declared;
    }
  }
  return best;
}

// The text between the first "'" after `after` and the last "'" of `text`.
std::string quoted_name(const std::string& text, std::string_view after) {
  std::size_t start = text.find('\'', text.find(after));
  std::size_t end = text.rfind('\'');
  if (start == std::string::npos || end == std::string::npos || end <= start) return {};
  return text.substr(start + 1, end - start - 1);
}

// One violation with the position it takes in the order validate() promises:
// per object, missing required properties first (in `required` order), then
// present members by name, array elements by index; a value's own problems
// before those of its members.
struct Ranked {
  using Step = std::tuple<int, std::uint64_t, std::string>;
  std::vector<Step> key;
  SchemaViolation violation;
};

// What valijson reports at one value, in the order of the old checks: a type
// mismatch alone, else an enum mismatch alone, else the bounds, the length
// and the pattern.
enum class Problem { kType, kEnum, kNumber, kLength, kPattern, kOther };

// Runs valijson's verdict on `value` against `checker` (compiled from the
// document `root` was compiled from) and words each problem as before: the
// schema node and the value at the problem's path give the expectation;
// values under x-secret are never shown.
std::vector<SchemaViolation> find_violations(const valijson::Schema& checker, const Node& root,
                                             const json& value) {
  const json normalized = whole_numbers_as_integers(value);
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter target(normalized);
  try {
    validator.validate(checker, target, &results);
  } catch (const std::exception&) {
    return {SchemaViolation{"",
                            "could not be checked against a pattern of the schema (the "
                            "expression is too complex for this value)"}};
  }
  // Per value path: its own problems, and its required/unknown members.
  struct AtValue {
    const Node* node = nullptr;
    const json* value = nullptr;
    bool secret = false;
    std::vector<Ranked::Step> key;
    std::string path;
    std::vector<Problem> problems;
  };
  std::map<std::string, AtValue> at;
  std::vector<Ranked> ranked;
  for (const auto& error : results) {
    const std::string& what = error.description;
    if (what.rfind("Failed to validate", 0) == 0) continue;  // a summary of deeper errors
    AtValue place;
    place.node = &root;
    place.value = &value;
    place.secret = root.secret;
    for (const auto& segment : error.context) {
      if (segment == "<root>") continue;
      std::string name = segment.size() >= 2 ? segment.substr(1, segment.size() - 2) : segment;
      place.path += "/" + json_pointer_token(name);
      if (place.value != nullptr && place.value->is_array()) {
        std::uint64_t index = std::stoull(name);
        place.key.emplace_back(1, index, "");
        place.value = index < place.value->size() ? &(*place.value)[index] : nullptr;
        place.node = place.node != nullptr ? place.node->items.get() : nullptr;
      } else {
        place.key.emplace_back(1, 0, name);
        const json* member = nullptr;
        if (place.value != nullptr && place.value->is_object() && place.value->contains(name)) {
          member = &(*place.value)[name];
        }
        place.value = member;
        if (place.node != nullptr) {
          auto declared = place.node->properties.find(name);
          place.node = declared != place.node->properties.end()
                           ? declared->second.get()
                           : place.node->additional_schema.get();
        }
      }
      if (place.node != nullptr) place.secret = place.secret || place.node->secret;
    }
    if (what.rfind("Missing required property", 0) == 0) {
      std::string name = quoted_name(what, "property");
      std::uint64_t position = 0;
      if (place.node != nullptr) {
        auto it = std::find(place.node->required.begin(), place.node->required.end(), name);
        position = static_cast<std::uint64_t>(it - place.node->required.begin());
      }
      auto key = place.key;
      key.emplace_back(0, position, name);
      ranked.push_back(
          {key, {place.path + "/" + json_pointer_token(name), "required property is missing"}});
      continue;
    }
    if (what.rfind("Object contains a property that could not be validated", 0) == 0) {
      std::string name = quoted_name(what, "constraints:");
      std::string message = "unknown property (not allowed by additionalProperties: false)";
      if (place.node != nullptr && place.value != nullptr) {
        if (auto suggestion = closest_missing(*place.node, *place.value, name)) {
          message += "; did you mean \"" + *suggestion + "\"?";
        }
      }
      auto key = place.key;
      key.emplace_back(1, 0, name);
      ranked.push_back({key, {place.path + "/" + json_pointer_token(name), message}});
      continue;
    }
    Problem problem = Problem::kOther;
    if (what.rfind("Value type not permitted", 0) == 0) {
      problem = Problem::kType;
    } else if (what.rfind("Failed to match against any enum values", 0) == 0) {
      problem = Problem::kEnum;
    } else if (what.rfind("Expected number", 0) == 0) {
      problem = Problem::kNumber;
    } else if (what.rfind("String should be", 0) == 0) {
      problem = Problem::kLength;
    } else if (what.rfind("Failed to match regex", 0) == 0) {
      problem = Problem::kPattern;
    }
    auto [it, fresh] = at.try_emplace(place.path, place);
    if (std::find(it->second.problems.begin(), it->second.problems.end(), problem) ==
        it->second.problems.end()) {
      it->second.problems.push_back(problem);
    }
    if (problem == Problem::kOther) {
      // A check this wording does not know: valijson's own sentence.
      ranked.push_back({place.key, {place.path, what}});
    }
  }
  for (auto& [path, place] : at) {
    auto& problems = place.problems;
    std::sort(problems.begin(), problems.end());
    if (problems.front() == Problem::kType || problems.front() == Problem::kEnum) {
      problems.resize(1);
    }
    int order = 0;
    for (Problem problem : problems) {
      if (place.node == nullptr || place.value == nullptr || problem == Problem::kOther) continue;
      const Node& node = *place.node;
      const json& v = *place.value;
      std::string message;
      switch (problem) {
        case Problem::kType:
          message = "expected " + expectation(node) + ", got " + describe_value(v, place.secret);
          break;
        case Problem::kEnum: {
          message = "expected one of ";
          bool first = true;
          for (const auto& allowed : *node.enum_values) {
            if (!first) message += ", ";
            message += allowed.dump();
            first = false;
          }
          break;
        }
        case Problem::kNumber:
          message = std::string("expected ") +
                    (node.types == kIntegerBit ? "an integer" : "a number") +
                    bounds_phrase(node.minimum, node.maximum);
          if (!place.secret) message += ", got " + v.dump();
          break;
        case Problem::kLength:
          message = "expected a string" + length_phrase(node.min_length, node.max_length);
          if (!place.secret && v.is_string()) {
            message += ", got " + std::to_string(utf8_length(v.get_ref<const std::string&>()));
          }
          break;
        case Problem::kPattern:
          message = "does not match the pattern " + node.pattern_source;
          break;
        case Problem::kOther:
          break;
      }
      auto key = place.key;
      key.emplace_back(-1, static_cast<std::uint64_t>(order++), "");
      ranked.push_back({key, {place.path, message}});
    }
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const Ranked& a, const Ranked& b) { return a.key < b.key; });
  std::vector<SchemaViolation> out;
  out.reserve(ranked.size());
  for (auto& r : ranked) out.push_back(std::move(r.violation));
  return out;
}

// valijson's compiled form of `schema`; kInvalidArgument when valijson
// refuses it.
sdk::Result<std::shared_ptr<valijson::Schema>> compile_checker(const json& schema,
                                                               const std::string& where);

sdk::Error schema_error(const std::string& where, const std::string& problem) {
  std::string location = where.empty() ? "the schema root" : "schema location " + where;
  return sdk::Error(sdk::ErrorCode::kInvalidArgument, location + ": " + problem);
}

sdk::Result<std::uint64_t> parse_length(const json& value, const std::string& where,
                                        const std::string& keyword) {
  if (!value.is_number() || !is_integral(value) || as_long_double(value) < 0) {
    return schema_error(where, keyword + " must be a non-negative integer");
  }
  return static_cast<std::uint64_t>(as_long_double(value));
}

sdk::Result<unsigned> parse_types(const json& value, const std::string& where) {
  auto one = [&](const json& name) -> sdk::Result<unsigned> {
    if (name.is_string()) {
      for (const auto& t : kTypeNames) {
        if (name.get_ref<const std::string&>() == t.name) return static_cast<unsigned>(t.bit);
      }
    }
    return schema_error(
        where,
        "type must be one of object, array, string, integer, number, "
        "boolean, null (or an array of them), not " +
            (name.is_string() ? name.dump() : std::string("a ") + name.type_name()));
  };
  if (!value.is_array()) return one(value);
  if (value.empty()) return schema_error(where, "type must not be an empty array");
  unsigned mask = 0;
  for (const auto& name : value) {
    WASL_ASSIGN_OR_RETURN(unsigned bit, one(name));
    if ((mask & bit) != 0) return schema_error(where, "type lists " + name.dump() + " twice");
    mask |= bit;
  }
  return mask;
}

sdk::Result<std::unique_ptr<Node>> compile(const json& schema, const std::string& where);

sdk::Status apply_keyword(Node& node, const std::string& keyword, const json& value,
                          const std::string& where) {
  if (keyword == "type") {
    WASL_ASSIGN_OR_RETURN(node.types, parse_types(value, where));
  } else if (keyword == "properties") {
    if (!value.is_object()) return schema_error(where, "properties must be an object");
    for (const auto& [name, child] : value.items()) {
      WASL_ASSIGN_OR_RETURN(node.properties[name],
                            compile(child, where + "/properties/" + json_pointer_token(name)));
    }
  } else if (keyword == "required") {
    if (!value.is_array()) return schema_error(where, "required must be an array of names");
    for (const auto& name : value) {
      if (!name.is_string()) return schema_error(where, "required must be an array of names");
      const auto& text = name.get_ref<const std::string&>();
      if (std::find(node.required.begin(), node.required.end(), text) != node.required.end()) {
        return schema_error(where, "required lists " + name.dump() + " twice");
      }
      node.required.push_back(text);
    }
  } else if (keyword == "additionalProperties") {
    if (value.is_boolean()) {
      node.additional_allowed = value.get<bool>();
    } else if (value.is_object()) {
      WASL_ASSIGN_OR_RETURN(node.additional_schema,
                            compile(value, where + "/additionalProperties"));
    } else {
      return schema_error(where, "additionalProperties must be true, false or a schema");
    }
  } else if (keyword == "items") {
    if (!value.is_object()) {
      return schema_error(where, "items must be one schema (the array form is not supported)");
    }
    WASL_ASSIGN_OR_RETURN(node.items, compile(value, where + "/items"));
  } else if (keyword == "enum") {
    if (!value.is_array() || value.empty()) {
      return schema_error(where, "enum must be a non-empty array");
    }
    node.enum_values = value;
  } else if (keyword == "pattern") {
    if (!value.is_string()) return schema_error(where, "pattern must be a string");
    node.pattern_source = value.get<std::string>();
    try {
      std::regex compiled(node.pattern_source, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return schema_error(where, "pattern " + value.dump() +
                                     " is not a valid ECMAScript regular expression (" + e.what() +
                                     ")");
    }
  } else if (keyword == "minimum" || keyword == "maximum") {
    if (!value.is_number()) return schema_error(where, keyword + " must be a number");
    (keyword == "minimum" ? node.minimum : node.maximum) = value;
  } else if (keyword == "minLength") {
    WASL_ASSIGN_OR_RETURN(node.min_length, parse_length(value, where, keyword));
  } else if (keyword == "maxLength") {
    WASL_ASSIGN_OR_RETURN(node.max_length, parse_length(value, where, keyword));
  } else if (keyword == "default") {
    node.default_value = value;
  } else if (keyword == "description" || keyword == "title" || keyword == "$schema" ||
             keyword == "$id") {
    if (!value.is_string()) return schema_error(where, keyword + " must be a string");
  } else if (keyword == "examples") {
    if (!value.is_array()) return schema_error(where, "examples must be an array");
  } else if (keyword == "x-secret") {
    if (!value.is_boolean()) return schema_error(where, "x-secret must be true or false");
    node.secret = value.get<bool>();
  } else {
    return schema_error(where, "unknown keyword \"" + keyword + "\"; the supported keywords are " +
                                   std::string(kSupportedKeywords));
  }
  return sdk::ok_status();
}

sdk::Result<std::unique_ptr<Node>> compile(const json& schema, const std::string& where) {
  if (!schema.is_object()) {
    return schema_error(where, std::string("a schema must be a JSON object, not ") +
                                   (schema.is_boolean() ? "a boolean" : schema.type_name()));
  }
  auto node = std::make_unique<Node>();
  for (const auto& [keyword, value] : schema.items()) {
    WASL_RETURN_IF_ERROR(apply_keyword(*node, keyword, value, where));
  }
  if (node->minimum && node->maximum &&
      as_long_double(*node->minimum) > as_long_double(*node->maximum)) {
    return schema_error(where, "minimum is greater than maximum");
  }
  if (node->min_length && node->max_length && *node->min_length > *node->max_length) {
    return schema_error(where, "minLength is greater than maxLength");
  }
  if (node->default_value) {
    WASL_ASSIGN_OR_RETURN(auto checker, compile_checker(schema, where));
    std::vector<SchemaViolation> violations =
        find_violations(*checker, *node, *node->default_value);
    if (!violations.empty()) {
      const auto& first = violations.front();
      return schema_error(where, "the default does not satisfy its own schema (" +
                                     (first.path.empty() ? "" : first.path + ": ") + first.message +
                                     ")");
    }
  }
  return node;
}

sdk::Result<std::shared_ptr<valijson::Schema>> compile_checker(const json& schema,
                                                               const std::string& where) {
  auto checker = std::make_shared<valijson::Schema>();
  try {
    valijson::SchemaParser parser;
    valijson::adapters::NlohmannJsonAdapter document(schema);
    parser.populateSchema(document, *checker);
  } catch (const std::exception& e) {
    return schema_error(where, std::string("the schema cannot be compiled (") + e.what() + ")");
  }
  return checker;
}

json fill_defaults(const Node& node, json value) {
  if (value.is_object()) {
    for (const auto& [name, child] : node.properties) {
      auto it = value.find(name);
      if (it == value.end()) {
        if (child->default_value) value[name] = fill_defaults(*child, *child->default_value);
      } else {
        *it = fill_defaults(*child, std::move(*it));
      }
    }
    if (node.additional_schema) {
      for (auto it = value.begin(); it != value.end(); ++it) {
        if (node.properties.count(it.key()) == 0) {
          *it = fill_defaults(*node.additional_schema, std::move(*it));
        }
      }
    }
  } else if (value.is_array() && node.items) {
    for (auto& element : value) element = fill_defaults(*node.items, std::move(element));
  }
  return value;
}

}  // namespace

SettingsSchema::SettingsSchema(json document, std::shared_ptr<const Node> root)
    : document_(std::move(document)), root_(std::move(root)) {}

sdk::Result<SettingsSchema> SettingsSchema::parse(const json& schema) {
  WASL_ASSIGN_OR_RETURN(std::unique_ptr<Node> root, compile(schema, ""));
  WASL_ASSIGN_OR_RETURN(root->checker, compile_checker(schema, ""));
  return SettingsSchema(schema, std::shared_ptr<const Node>(std::move(root)));
}

std::vector<SchemaViolation> SettingsSchema::validate(const json& value) const {
  return find_violations(*root_->checker, *root_, value);
}

json SettingsSchema::with_defaults(const json& value) const {
  if (value.is_null() && root_->default_value) return fill_defaults(*root_, *root_->default_value);
  return fill_defaults(*root_, value);
}

const json& SettingsSchema::document() const { return document_; }

}  // namespace wasl::plugin_host
