// Workflow files: reading, checking and reporting on workflows/*.yaml.
// Entry points for `wasl workflow validate`, `wasl check`, the workflows API
// and the engine's loader. All functions are thread-safe and never throw.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "hub/workflow/language/definition.hpp"
#include "hub/workflow/language/file_problem.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::workflow {

struct WorkflowParse {
  // Present when there are no problems.
  std::optional<WorkflowDefinition> definition;
  // Every problem found, ordered by line; empty = valid.
  std::vector<FileProblem> problems;

  bool ok() const { return problems.empty(); }
  // The problems as "file:line: message" lines joined by '\n'.
  std::string describe() const;
};

// Parses and validates `text` (the YAML of one workflow); `file_name` is used
// in messages. On success the definition's checksum is the SHA-256 (hex) of
// `text` exactly as given.
WorkflowParse parse_workflow(std::string_view text, const std::string& file_name);

// parse_workflow as a Result: the definition, or kInvalidArgument (not
// retryable) whose message is describe() — every problem, one per line.
sdk::Result<WorkflowDefinition> load_workflow(std::string_view text, const std::string& file_name);

// Reads `path` and parses it; an unreadable file is one problem at line 0
// naming the path and the reason.
WorkflowParse validate_workflow_file(const std::string& path);

// `wasl workflow validate FILE…`: for each file, "FILE: ok (name vN, K steps)"
// on `out`, or its problems as "file:line: message" lines on `err`. Returns 0
// when every file is valid, 1 otherwise (also when `files` is empty, with a
// usage sentence on `err`).
int validate_files(const std::vector<std::string>& files, std::ostream& out, std::ostream& err);

}  // namespace wasl::workflow
