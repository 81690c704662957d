// Validator: the checks across a parsed workflow (parser.hpp) that need the
// whole file and the capability catalogue (capabilities.hpp):
// - duplicate step ids (steps and compensations share one namespace);
// - calls: an unknown role, a method the SDK does not define, an unknown hub
//   action, a method a workflow may not call; `with` members the input does not
//   have (with a suggestion), idempotency_key (the engine sets it), literal
//   values of the wrong JSON type, required hub action inputs;
// - wait_for and event triggers: unknown event types; a correlation with no
//   reference;
// - references in with, correlation and when: malformed ones, steps that do
//   not exist, are compensations, come later or are the step itself, and
//   output members the called method does not return;
// - compensations: a missing target, a cycle through then/compensate, and
//   references to steps that have not run when the first step that can lead
//   to the compensation fails.
// Every problem is appended with its 1-based line. Pure; thread-safe.
#pragma once

#include <vector>

#include "hub/workflow/language/definition.hpp"
#include "hub/workflow/language/file_problem.hpp"

namespace wasl::workflow {

void validate_definition(const WorkflowDefinition& definition, std::vector<FileProblem>& problems);

}  // namespace wasl::workflow
