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
#include <utility>

#include <utf8.h>

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
  std::optional<std::regex> pattern;
  std::string pattern_source;
  std::optional<json> minimum;
  std::optional<json> maximum;
  std::optional<std::uint64_t> min_length;
  std::optional<std::uint64_t> max_length;
  std::unique_ptr<Node> items;
  bool additional_allowed = true;
  std::unique_ptr<Node> additional_schema;  // set when additionalProperties is a schema
  std::optional<json> default_value;
  bool secret = false;
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

bool matches_type(unsigned types, const json& value) {
  if (types == 0) return true;
  switch (value.type()) {
    case json::value_t::object:
      return (types & kObjectBit) != 0;
    case json::value_t::array:
      return (types & kArrayBit) != 0;
    case json::value_t::string:
      return (types & kStringBit) != 0;
    case json::value_t::boolean:
      return (types & kBooleanBit) != 0;
    case json::value_t::null:
      return (types & kNullBit) != 0;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      if ((types & kNumberBit) != 0) return true;
      return (types & kIntegerBit) != 0 && is_integral(value);
    default:
      return false;
  }
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

class Validator {
 public:
  explicit Validator(std::vector<SchemaViolation>& out) : out_(out) {}

  void check(const Node& node, const json& value, const std::string& path, bool secret) {
    secret = secret || node.secret;
    if (!matches_type(node.types, value)) {
      add(path, "expected " + expectation(node) + ", got " + describe_value(value, secret));
      return;
    }
    if (node.enum_values && !contains(*node.enum_values, value)) {
      std::string message = "expected one of ";
      bool first = true;
      for (const auto& allowed : *node.enum_values) {
        if (!first) message += ", ";
        message += allowed.dump();
        first = false;
      }
      add(path, message);
      return;
    }
    if (value.is_number()) check_number(node, value, path, secret);
    if (value.is_string()) check_string(node, value.get_ref<const std::string&>(), path, secret);
    if (value.is_object()) check_object(node, value, path, secret);
    if (value.is_array() && node.items) {
      for (std::size_t i = 0; i < value.size(); ++i) {
        check(*node.items, value[i], path + "/" + std::to_string(i), secret);
      }
    }
  }

 private:
  static bool contains(const json& candidates, const json& value) {
    for (const auto& candidate : candidates) {
      if (candidate == value) return true;
      if (candidate.is_number() && value.is_number() &&
          as_long_double(candidate) == as_long_double(value)) {
        return true;
      }
    }
    return false;
  }

  void check_number(const Node& node, const json& value, const std::string& path, bool secret) {
    long double v = as_long_double(value);
    bool too_low = node.minimum && v < as_long_double(*node.minimum);
    bool too_high = node.maximum && v > as_long_double(*node.maximum);
    if (!too_low && !too_high) return;
    std::string noun = node.types == kIntegerBit ? "an integer" : "a number";
    std::string message = "expected " + noun + bounds_phrase(node.minimum, node.maximum);
    if (!secret) message += ", got " + value.dump();
    add(path, message);
  }

  void check_string(const Node& node, const std::string& value, const std::string& path,
                    bool secret) {
    std::uint64_t length = utf8_length(value);
    bool too_short = node.min_length && length < *node.min_length;
    bool too_long = node.max_length && length > *node.max_length;
    if (too_short || too_long) {
      std::string message = "expected a string" + length_phrase(node.min_length, node.max_length);
      if (!secret) message += ", got " + std::to_string(length);
      add(path, message);
    }
    if (node.pattern) {
      try {
        if (!std::regex_search(value, *node.pattern)) {
          add(path, "does not match the pattern " + node.pattern_source);
        }
      } catch (const std::regex_error&) {
        add(path, "could not be checked against the pattern " + node.pattern_source +
                      " (the expression is too complex for this value)");
      }
    }
  }

  void check_object(const Node& node, const json& value, const std::string& path, bool secret) {
    for (const auto& name : node.required) {
      if (!value.contains(name)) {
        add(path + "/" + json_pointer_token(name), "required property is missing");
      }
    }
    for (const auto& [name, member] : value.items()) {
      std::string member_path = path + "/" + json_pointer_token(name);
      auto declared = node.properties.find(name);
      if (declared != node.properties.end()) {
        check(*declared->second, member, member_path, secret);
      } else if (node.additional_schema) {
        check(*node.additional_schema, member, member_path, secret);
      } else if (!node.additional_allowed) {
        std::string message = "unknown property (not allowed by additionalProperties: false)";
        if (auto suggestion = closest_missing(node, value, name)) {
          message += "; did you mean \"" + *suggestion + "\"?";
        }
        add(member_path, message);
      }
    }
  }

  // A declared but absent property whose name is a likely misspelling of `name`.
  static std::optional<std::string> closest_missing(const Node& node, const json& value,
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

  void add(const std::string& path, std::string message) {
    out_.push_back(SchemaViolation{path, std::move(message)});
  }

  std::vector<SchemaViolation>& out_;
};

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
      node.pattern.emplace(node.pattern_source, std::regex::ECMAScript);
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
    std::vector<SchemaViolation> violations;
    Validator(violations).check(*node, *node->default_value, "", false);
    if (!violations.empty()) {
      const auto& first = violations.front();
      return schema_error(where, "the default does not satisfy its own schema (" +
                                     (first.path.empty() ? "" : first.path + ": ") + first.message +
                                     ")");
    }
  }
  return node;
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
  return SettingsSchema(schema, std::shared_ptr<const Node>(std::move(root)));
}

std::vector<SchemaViolation> SettingsSchema::validate(const json& value) const {
  std::vector<SchemaViolation> violations;
  Validator(violations).check(*root_, value, "", false);
  return violations;
}

json SettingsSchema::with_defaults(const json& value) const {
  if (value.is_null() && root_->default_value) return fill_defaults(*root_, *root_->default_value);
  return fill_defaults(*root_, value);
}

const json& SettingsSchema::document() const { return document_; }

}  // namespace wasl::plugin_host
