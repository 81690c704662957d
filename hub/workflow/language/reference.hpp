// Reference: a path into the data a workflow run has gathered, written in a
// workflow file as ${trigger.a.b}, ${steps.<id>.output.x}, ${steps.<id>.status},
// ${consultation.z} or ${env:NAME}.
//
// Resolution contract (used by value templates and conditions alike):
// - the data is one JSON object {"trigger": …, "steps": {"<id>": {"output": …,
//   "status": …}}, "consultation": …} built by the engine for the run;
// - a path segment names an object member; a segment of digits indexes an array;
// - a path that does not exist (absent member, index out of range, a member of
//   a non-object) is an error, never a silent null: kInvalidArgument, not
//   retryable, naming the reference and the first missing segment but no value
//   (values may be PHI). Conditions test optional data with exists(…);
// - an explicit JSON null in the data resolves to null;
// - env:NAME is looked up through the EnvLookup the caller injects; an unset
//   variable is an error. The evaluator never reads the process environment.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "wasl/sdk/result.hpp"

namespace wasl::workflow {

enum class ReferenceRoot { kTrigger, kSteps, kConsultation, kEnv };

struct Reference {
  ReferenceRoot root = ReferenceRoot::kTrigger;
  // Segments after the root: for kSteps {id, "output"|"status", …}; for kEnv
  // the single variable name.
  std::vector<std::string> path;

  // Canonical text without ${ }: "steps.room.output.provider_room_id", "env:NAME".
  std::string text() const;
  // For kSteps: the step id; empty otherwise.
  std::string step_id() const;
};

// Looks up an environment-like variable by name; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;

// What references resolve against. `data` is borrowed for the call.
struct EvaluationContext {
  const nlohmann::json& data;
  EnvLookup env;  // may be empty: every env reference is then an error
};

// Parses the inside of ${…} (no braces, no surrounding spaces). Errors are
// "column N: …" naming the offending segment; N is its 1-based column within
// `body` plus `column_offset` (pass where `body` starts in a longer text, 0-based).
sdk::Result<Reference> parse_reference(std::string_view body, std::size_t column_offset = 0);

// The value at the reference. See the contract above.
sdk::Result<nlohmann::json> resolve(const Reference& reference, const EvaluationContext& context);

// Whether the reference resolves to a value other than null (never an error;
// an unset env variable is simply absent).
bool exists(const Reference& reference, const EvaluationContext& context);

}  // namespace wasl::workflow
