// ValueTemplate: a JSON value from a workflow file (a step's `with`, a
// wait_for `correlation`) whose strings may hold ${…} references.
//
// Rendering rules:
// - a string that is exactly one reference ("${steps.room.output}") becomes
//   the referenced JSON value with its own type (object, number, …);
// - any other string interpolates: each reference is replaced by its value,
//   strings as they are, other values as compact JSON text (null → "null");
// - "$${" writes a literal "${"; a "$" not followed by "{" is literal;
// - objects and arrays are rendered member by member; other values stay.
// A missing path is an error (see reference.hpp); rendering stops at the
// first error, whose message names the member path ("with.room_id: …").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/workflow/language/reference.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::workflow {

// One parsed string: literal pieces and references in order.
struct StringTemplate {
  struct Part {
    bool is_reference = false;
    std::string literal;     // when !is_reference
    Reference reference;     // when is_reference
    std::size_t column = 0;  // 1-based column of "${" or of the literal
  };
  std::vector<Part> parts;

  // Whether the whole string is one reference (typed rendering).
  bool single_reference() const { return parts.size() == 1 && parts[0].is_reference; }
  bool has_references() const;
};

// Parses one string. Errors carry the 1-based column: an unterminated "${",
// an empty reference, or the reference's own error.
sdk::Result<StringTemplate> parse_string_template(std::string_view text);

sdk::Result<nlohmann::json> render(const StringTemplate& tmpl, const EvaluationContext& context);

// Renders every string in `value`. `name` prefixes member paths in errors.
sdk::Result<nlohmann::json> render_value(const nlohmann::json& value,
                                         const EvaluationContext& context,
                                         const std::string& name = "with");

// A reference found in a value, with the member path where it was written
// ("with.participant.identity"), for validation.
struct ReferenceSite {
  std::string member_path;
  Reference reference;
};
// A string in a value that does not parse as a template.
struct TemplateProblem {
  std::string member_path;
  std::string message;
};

// Every reference in `value`, and every string that fails to parse.
void collect_references(const nlohmann::json& value, const std::string& name,
                        std::vector<ReferenceSite>& sites, std::vector<TemplateProblem>& problems);

}  // namespace wasl::workflow
