#include "hub/plugin_host/settings_schema.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <optional>
#include <regex>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <utf8.h>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/constraints/concrete_constraints.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_visitor.hpp>

#include "hub/text/suggestion.hpp"
#include "wasl/sdk/schema_defaults.hpp"

namespace wasl::plugin_host {

using nlohmann::json;

// valijson's compiled form of the schema document: the only one.
struct SettingsSchema::Compiled {
  valijson::Schema schema;
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

namespace vc = valijson::constraints;
using valijson::Subschema;
using Adapter = valijson::adapters::NlohmannJsonAdapter;
using RegexCache = std::unordered_map<std::string, std::regex>;

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
    "minLength, maxLength, minItems, maxItems, default, description, title, examples, $schema, "
    "$id, x-secret, x-executable";

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

// The schema document's "key" at `schema`, or nullptr.
const json* keyword(const json& schema, const char* key) {
  if (!schema.is_object()) return nullptr;
  auto it = schema.find(key);
  return it == schema.end() ? nullptr : &*it;
}

// ---- Wording: what the document declares at one schema location ----

// The TypeBit mask of a (checked) "type" keyword; 0 when there is none.
unsigned declared_types(const json& schema) {
  const json* type = keyword(schema, "type");
  if (type == nullptr) return 0;
  unsigned mask = 0;
  auto add = [&](const json& name) {
    for (const auto& t : kTypeNames) {
      if (name.is_string() && name.get_ref<const std::string&>() == t.name) mask |= t.bit;
    }
  };
  if (type->is_array()) {
    for (const auto& name : *type) add(name);
  } else {
    add(*type);
  }
  return mask;
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
    case json::value_t::object: return "an object";
    case json::value_t::array: return "an array";
    case json::value_t::string: return "a string";
    case json::value_t::null: return "null";
    case json::value_t::boolean: return secret ? "a boolean" : value.dump();
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      if (secret) return is_integral(value) ? "an integer" : "a number";
      return value.dump();
    default: return "an unsupported value";
  }
}

std::string bounds_phrase(const json& schema) {
  const json* low = keyword(schema, "minimum");
  const json* high = keyword(schema, "maximum");
  if (low && high) return " between " + low->dump() + " and " + high->dump();
  if (low) return " of at least " + low->dump();
  if (high) return " of at most " + high->dump();
  return "";
}

std::string length_phrase(const json& schema) {
  const json* low = keyword(schema, "minLength");
  const json* high = keyword(schema, "maxLength");
  auto count = [](const json* n) {
    return std::to_string(static_cast<std::uint64_t>(as_long_double(*n)));
  };
  if (low && high) {
    if (count(low) == count(high)) return " of exactly " + count(low) + " characters";
    return " of " + count(low) + " to " + count(high) + " characters";
  }
  if (low) return " of at least " + count(low) + " characters";
  if (high) return " of at most " + count(high) + " characters";
  return "";
}

std::string items_phrase(const json& schema) {
  const json* low = keyword(schema, "minItems");
  const json* high = keyword(schema, "maxItems");
  auto count = [](const json* n) {
    return std::to_string(static_cast<std::uint64_t>(as_long_double(*n)));
  };
  if (low && high) return " of " + count(low) + " to " + count(high) + " items";
  if (low) return " of at least " + count(low) + " items";
  if (high) return " of at most " + count(high) + " items";
  return "";
}

// What the schema expects of a value, for a type mismatch message.
std::string expectation(const json& schema) {
  const unsigned types = declared_types(schema);
  std::string out = types_phrase(types);
  if ((types & ~(kIntegerBit | kNumberBit)) == 0) {
    out += bounds_phrase(schema);
  } else if (types == kStringBit) {
    out += length_phrase(schema);
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

// A declared but absent property whose name is a likely misspelling of `name`.
std::optional<std::string> closest_missing(const json& schema, const json& value,
                                           const std::string& name) {
  const json* properties = keyword(schema, "properties");
  if (properties == nullptr || !properties->is_object()) return std::nullopt;
  std::optional<std::string> best;
  std::size_t best_distance = 3;  // suggest only within two edits
  for (const auto& [declared, unused] : properties->items()) {
    if (value.contains(declared)) continue;
    std::size_t d = text::edit_distance(name, declared);
    if (d < best_distance) {
      best_distance = d;
      best = declared;
    }
  }
  return best;
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

// ---- Validation: valijson judges each constraint ----

// The kind of check a failed constraint is, in the order its problems are
// reported at one value: a type mismatch alone, else an enum mismatch alone,
// else the bounds, the length, the number of items and the pattern.
enum class Problem { kType, kEnum, kBounds, kLength, kItems, kPattern, kOther };

Problem problem_of(const vc::Constraint& constraint) {
  if (dynamic_cast<const vc::TypeConstraint*>(&constraint)) return Problem::kType;
  if (dynamic_cast<const vc::EnumConstraint*>(&constraint)) return Problem::kEnum;
  if (dynamic_cast<const vc::MinimumConstraint*>(&constraint) ||
      dynamic_cast<const vc::MaximumConstraint*>(&constraint)) {
    return Problem::kBounds;
  }
  if (dynamic_cast<const vc::MinLengthConstraint*>(&constraint) ||
      dynamic_cast<const vc::MaxLengthConstraint*>(&constraint)) {
    return Problem::kLength;
  }
  if (dynamic_cast<const vc::MinItemsConstraint*>(&constraint) ||
      dynamic_cast<const vc::MaxItemsConstraint*>(&constraint)) {
    return Problem::kItems;
  }
  if (dynamic_cast<const vc::PatternConstraint*>(&constraint)) return Problem::kPattern;
  return Problem::kOther;
}

// One schema location and the value checked against it: valijson's compiled
// subschema (the verdicts) and the document there (the wording, x-secret).
struct Walk {
  const Subschema& compiled;
  const json& schema;
  const json& judged;  // the value with whole numbers as integers
  const json& shown;   // the value as given, for messages
  std::string path;
  bool secret;
};

class Checker {
 public:
  explicit Checker(std::vector<SchemaViolation>& out) : out_(out) {}

  // Appends every violation of the value at `at` and below, in the order
  // validate() promises.
  void check(const Walk& at) {
    const bool secret = at.secret || (keyword(at.schema, "x-secret") != nullptr &&
                                      keyword(at.schema, "x-secret")->is_boolean() &&
                                      keyword(at.schema, "x-secret")->get<bool>());
    std::vector<Problem> problems;
    bool missing_required = false;
    const vc::PropertiesConstraint* properties = nullptr;
    const vc::SingularItemsConstraint* items = nullptr;
    Subschema::ApplyFunction judge = [&](const vc::Constraint& constraint) {
      if (auto p = dynamic_cast<const vc::PropertiesConstraint*>(&constraint)) {
        properties = p;
      } else if (auto i = dynamic_cast<const vc::SingularItemsConstraint*>(&constraint)) {
        items = i;
      } else if (!satisfies(constraint, at.judged)) {
        if (dynamic_cast<const vc::RequiredConstraint*>(&constraint)) {
          missing_required = true;
        } else if (std::find(problems.begin(), problems.end(), problem_of(constraint)) ==
                   problems.end()) {
          problems.push_back(problem_of(constraint));
        }
      }
      return true;
    };
    at.compiled.apply(judge);

    report(at, secret, problems);
    if (missing_required) report_missing(at);
    if (properties != nullptr && at.judged.is_object()) members(at, secret, *properties);
    if (items != nullptr && items->getItemsSubschema() != nullptr && at.judged.is_array()) {
      elements(at, secret, *items->getItemsSubschema());
    }
  }

 private:
  // valijson's verdict on one constraint of the schema, alone.
  bool satisfies(const vc::Constraint& constraint, const json& value) {
    Adapter target(value);
    valijson::ValidationVisitor<Adapter> visitor(target, {"<root>"}, /*strictTypes=*/true, nullptr,
                                                 regexes_);
    return constraint.accept(visitor);
  }

  void report(const Walk& at, bool secret, std::vector<Problem> problems) {
    if (problems.empty()) return;
    std::sort(problems.begin(), problems.end());
    if (problems.front() == Problem::kType || problems.front() == Problem::kEnum) {
      problems.resize(1);
    }
    const json& v = at.shown;
    for (Problem problem : problems) {
      std::string message;
      switch (problem) {
        case Problem::kType:
          message = "expected " + expectation(at.schema) + ", got " + describe_value(v, secret);
          break;
        case Problem::kEnum: {
          message = "expected one of ";
          bool first = true;
          for (const auto& allowed : *keyword(at.schema, "enum")) {
            if (!first) message += ", ";
            message += allowed.dump();
            first = false;
          }
          break;
        }
        case Problem::kBounds:
          message = std::string("expected ") +
                    (declared_types(at.schema) == kIntegerBit ? "an integer" : "a number") +
                    bounds_phrase(at.schema);
          if (!secret) message += ", got " + v.dump();
          break;
        case Problem::kLength:
          message = "expected a string" + length_phrase(at.schema);
          if (!secret && v.is_string()) {
            message += ", got " + std::to_string(utf8_length(v.get_ref<const std::string&>()));
          }
          break;
        case Problem::kItems:
          // The count is no secret even when the items are.
          message = "expected a list" + items_phrase(at.schema);
          if (v.is_array()) message += ", got " + std::to_string(v.size());
          break;
        case Problem::kPattern:
          message =
              "does not match the pattern " + keyword(at.schema, "pattern")->get<std::string>();
          break;
        case Problem::kOther: message = "does not satisfy the schema"; break;
      }
      out_.push_back({at.path, std::move(message)});
    }
  }

  // The required properties the value lacks, in the order `required` lists
  // them.
  void report_missing(const Walk& at) {
    const json* required = keyword(at.schema, "required");
    if (required == nullptr || !at.judged.is_object()) return;
    for (const auto& name : *required) {
      const auto& text = name.get_ref<const std::string&>();
      if (!at.judged.contains(text)) {
        out_.push_back({at.path + "/" + json_pointer_token(text), "required property is missing"});
      }
    }
  }

  // Each member by name: checked against its property's schema, else the
  // additionalProperties schema, else refused as unknown.
  void members(const Walk& at, bool secret, const vc::PropertiesConstraint& properties) {
    static const json kEmptySchema = json::object();
    const json* declared = keyword(at.schema, "properties");
    const json* additional = keyword(at.schema, "additionalProperties");
    for (const auto& item : at.judged.items()) {
      const std::string& name = item.key();
      const json& judged = item.value();
      const Subschema* compiled = nullptr;
      properties.applyToProperties([&](const auto& property, const Subschema* subschema) {
        // valijson's strings have their own allocator: compared as views.
        if (name == std::string_view(property.data(), property.size())) compiled = subschema;
        return compiled == nullptr;
      });
      const json* schema = &kEmptySchema;
      if (compiled != nullptr) {
        schema = &(*declared)[name];
      } else {
        compiled = properties.getAdditionalPropertiesSubschema();
        if (compiled == nullptr) {
          std::string message = "unknown property (not allowed by additionalProperties: false)";
          if (auto suggestion = closest_missing(at.schema, at.shown, name)) {
            message += "; did you mean \"" + *suggestion + "\"?";
          }
          out_.push_back({at.path + "/" + json_pointer_token(name), std::move(message)});
          continue;
        }
        if (additional != nullptr && additional->is_object()) schema = additional;
      }
      check(Walk{*compiled, *schema, judged, at.shown[name],
                 at.path + "/" + json_pointer_token(name), secret});
    }
  }

  void elements(const Walk& at, bool secret, const Subschema& compiled) {
    const json& schema = *keyword(at.schema, "items");
    for (std::size_t i = 0; i < at.judged.size(); ++i) {
      check(Walk{compiled, schema, at.judged[i], at.shown[i], at.path + "/" + std::to_string(i),
                 secret});
    }
  }

  std::vector<SchemaViolation>& out_;
  RegexCache regexes_;
};

// Every violation of `value` against `compiled` (compiled from `schema`).
std::vector<SchemaViolation> find_violations(const Subschema& compiled, const json& schema,
                                             const json& value) {
  const json judged = whole_numbers_as_integers(value);
  std::vector<SchemaViolation> out;
  try {
    Checker(out).check(Walk{compiled, schema, judged, value, "", false});
  } catch (const std::exception&) {
    return {SchemaViolation{"",
                            "could not be checked against a pattern of the schema (the "
                            "expression is too complex for this value)"}};
  }
  return out;
}

// ---- The subset check of the document ----

sdk::Error schema_error(const std::string& where, const std::string& problem) {
  std::string location = where.empty() ? "the schema root" : "schema location " + where;
  return sdk::Error(sdk::ErrorCode::kInvalidArgument, location + ": " + problem);
}

sdk::Status check_length(const json& value, const std::string& where, const std::string& name) {
  if (!value.is_number() || !is_integral(value) || as_long_double(value) < 0) {
    return schema_error(where, name + " must be a non-negative integer");
  }
  return sdk::ok_status();
}

sdk::Status check_types(const json& value, const std::string& where) {
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
  if (!value.is_array()) {
    auto type = one(value);
    if (!type.ok()) return std::move(type).error();
    return sdk::ok_status();
  }
  if (value.empty()) return schema_error(where, "type must not be an empty array");
  unsigned mask = 0;
  for (const auto& name : value) {
    WASL_ASSIGN_OR_RETURN(unsigned bit, one(name));
    if ((mask & bit) != 0) return schema_error(where, "type lists " + name.dump() + " twice");
    mask |= bit;
  }
  return sdk::ok_status();
}

sdk::Status check_subset(const json& schema, const std::string& where);

sdk::Status check_keyword(const std::string& name, const json& value, const std::string& where) {
  if (name == "type") {
    WASL_RETURN_IF_ERROR(check_types(value, where));
  } else if (name == "properties") {
    if (!value.is_object()) return schema_error(where, "properties must be an object");
    for (const auto& [property, child] : value.items()) {
      WASL_RETURN_IF_ERROR(
          check_subset(child, where + "/properties/" + json_pointer_token(property)));
    }
  } else if (name == "required") {
    if (!value.is_array()) return schema_error(where, "required must be an array of names");
    std::vector<std::string> seen;
    for (const auto& property : value) {
      if (!property.is_string()) return schema_error(where, "required must be an array of names");
      const auto& text = property.get_ref<const std::string&>();
      if (std::find(seen.begin(), seen.end(), text) != seen.end()) {
        return schema_error(where, "required lists " + property.dump() + " twice");
      }
      seen.push_back(text);
    }
  } else if (name == "additionalProperties") {
    if (value.is_object()) {
      WASL_RETURN_IF_ERROR(check_subset(value, where + "/additionalProperties"));
    } else if (!value.is_boolean()) {
      return schema_error(where, "additionalProperties must be true, false or a schema");
    }
  } else if (name == "items") {
    if (!value.is_object()) {
      return schema_error(where, "items must be one schema (the array form is not supported)");
    }
    WASL_RETURN_IF_ERROR(check_subset(value, where + "/items"));
  } else if (name == "enum") {
    if (!value.is_array() || value.empty()) {
      return schema_error(where, "enum must be a non-empty array");
    }
  } else if (name == "pattern") {
    if (!value.is_string()) return schema_error(where, "pattern must be a string");
    try {
      std::regex compiled(value.get<std::string>(), std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return schema_error(where, "pattern " + value.dump() +
                                     " is not a valid ECMAScript regular expression (" + e.what() +
                                     ")");
    }
  } else if (name == "minimum" || name == "maximum") {
    if (!value.is_number()) return schema_error(where, name + " must be a number");
  } else if (name == "minLength" || name == "maxLength" || name == "minItems" ||
             name == "maxItems") {
    WASL_RETURN_IF_ERROR(check_length(value, where, name));
  } else if (name == "default") {
    // Checked against its schema once the document is compiled.
  } else if (name == "description" || name == "title" || name == "$schema" || name == "$id") {
    if (!value.is_string()) return schema_error(where, name + " must be a string");
  } else if (name == "examples") {
    if (!value.is_array()) return schema_error(where, "examples must be an array");
  } else if (name == "x-secret") {
    if (!value.is_boolean()) return schema_error(where, "x-secret must be true or false");
  } else if (name == "x-executable") {
    if (!value.is_boolean()) return schema_error(where, "x-executable must be true or false");
  } else {
    return schema_error(where, "unknown keyword \"" + name + "\"; the supported keywords are " +
                                   std::string(kSupportedKeywords));
  }
  return sdk::ok_status();
}

// Refuses a document outside the supported subset (settings_schema.hpp),
// naming the schema location.
sdk::Status check_subset(const json& schema, const std::string& where) {
  if (!schema.is_object()) {
    return schema_error(where, std::string("a schema must be a JSON object, not ") +
                                   (schema.is_boolean() ? "a boolean" : schema.type_name()));
  }
  for (const auto& [name, value] : schema.items()) {
    WASL_RETURN_IF_ERROR(check_keyword(name, value, where));
  }
  const json* low = keyword(schema, "minimum");
  const json* high = keyword(schema, "maximum");
  if (low && high && as_long_double(*low) > as_long_double(*high)) {
    return schema_error(where, "minimum is greater than maximum");
  }
  low = keyword(schema, "minLength");
  high = keyword(schema, "maxLength");
  if (low && high && as_long_double(*low) > as_long_double(*high)) {
    return schema_error(where, "minLength is greater than maxLength");
  }
  low = keyword(schema, "minItems");
  high = keyword(schema, "maxItems");
  if (low && high && as_long_double(*low) > as_long_double(*high)) {
    return schema_error(where, "minItems is greater than maxItems");
  }
  return sdk::ok_status();
}

// Refuses a default that breaks the schema it sits in, at every location of
// the compiled document.
sdk::Status check_defaults(const Subschema& compiled, const json& schema,
                           const std::string& where) {
  if (const json* fallback = keyword(schema, "default")) {
    std::vector<SchemaViolation> violations = find_violations(compiled, schema, *fallback);
    if (!violations.empty()) {
      const auto& first = violations.front();
      return schema_error(where, "the default does not satisfy its own schema (" +
                                     (first.path.empty() ? "" : first.path + ": ") + first.message +
                                     ")");
    }
  }
  sdk::Status status;
  Subschema::ApplyFunction descend = [&](const vc::Constraint& constraint) {
    if (auto properties = dynamic_cast<const vc::PropertiesConstraint*>(&constraint)) {
      properties->applyToProperties([&](const auto& name, const Subschema* child) {
        const std::string key(name.data(), name.size());  // valijson's own allocator
        status = check_defaults(*child, schema["properties"][key],
                                where + "/properties/" + json_pointer_token(key));
        return status.ok();
      });
      const json* additional = keyword(schema, "additionalProperties");
      if (status.ok() && additional != nullptr && additional->is_object()) {
        status = check_defaults(*properties->getAdditionalPropertiesSubschema(), *additional,
                                where + "/additionalProperties");
      }
    } else if (auto items = dynamic_cast<const vc::SingularItemsConstraint*>(&constraint)) {
      status = check_defaults(*items->getItemsSubschema(), schema["items"], where + "/items");
    }
    return status.ok();
  };
  compiled.applyStrict(descend);
  return status;
}

}  // namespace

SettingsSchema::SettingsSchema(json document, std::shared_ptr<const Compiled> compiled)
    : document_(std::move(document)), compiled_(std::move(compiled)) {}

sdk::Result<SettingsSchema> SettingsSchema::parse(const json& schema) {
  WASL_RETURN_IF_ERROR(check_subset(schema, ""));
  auto compiled = std::make_shared<Compiled>();
  try {
    valijson::SchemaParser parser;
    Adapter document(schema);
    parser.populateSchema(document, compiled->schema);
  } catch (const std::exception& e) {
    return schema_error("", std::string("the schema cannot be compiled (") + e.what() + ")");
  }
  WASL_RETURN_IF_ERROR(check_defaults(compiled->schema, schema, ""));
  return SettingsSchema(schema, std::move(compiled));
}

std::vector<SchemaViolation> SettingsSchema::validate(const json& value) const {
  return find_violations(compiled_->schema, document_, value);
}

json SettingsSchema::with_defaults(const json& value) const {
  return sdk::with_schema_defaults(document_, value);
}

const json& SettingsSchema::document() const { return document_; }

namespace {

void collect_executables(const json& schema, const json& value, const std::string& path,
                         std::vector<std::pair<std::string, std::string>>& out) {
  const json* marked = keyword(schema, "x-executable");
  if (marked != nullptr && marked->is_boolean() && marked->get<bool>() && value.is_string()) {
    out.emplace_back(path, value.get<std::string>());
  }
  if (const json* properties = keyword(schema, "properties");
      properties != nullptr && properties->is_object() && value.is_object()) {
    for (const auto& [key, child] : properties->items()) {
      auto it = value.find(key);
      if (it != value.end()) {
        collect_executables(child, *it, path + "/" + json_pointer_token(key), out);
      }
    }
  }
  if (const json* items = keyword(schema, "items"); items != nullptr && value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      collect_executables(*items, value[i], path + "/" + std::to_string(i), out);
    }
  }
}

}  // namespace

std::vector<std::pair<std::string, std::string>> SettingsSchema::executables(
    const nlohmann::json& value) const {
  std::vector<std::pair<std::string, std::string>> out;
  collect_executables(document_, value, "", out);
  return out;
}

}  // namespace wasl::plugin_host
