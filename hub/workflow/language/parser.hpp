// Parser: reads a workflow file's YAML into a WorkflowDefinition, checking its
// structure (keys, kinds, scalar forms, durations, conditions, retry ranges).
// Cross-step checks (references, capabilities, compensations) are the
// validator's (validator.hpp); workflow_file.hpp runs both.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "hub/workflow/language/definition.hpp"
#include "hub/workflow/language/file_problem.hpp"

namespace wasl::workflow {

// Parses `text`, reporting problems with `file` and 1-based lines into
// `problems`. Always returns a definition holding what could be read, so the
// validator can still report on it; it is usable only when no problem was
// added. `parsed_document` is set false when the YAML itself is unreadable or
// not a mapping (then validation has nothing to check). Never throws.
WorkflowDefinition parse_document(std::string_view text, const std::string& file,
                                  std::vector<FileProblem>& problems, bool& parsed_document);

}  // namespace wasl::workflow
