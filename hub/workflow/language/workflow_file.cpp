#include "hub/workflow/language/workflow_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "hub/crypto/digest.hpp"
#include "hub/workflow/language/parser.hpp"
#include "hub/workflow/language/validator.hpp"

namespace wasl::workflow {

std::string WorkflowParse::describe() const {
  std::string out;
  for (const auto& p : problems) {
    if (!out.empty()) out += '\n';
    out += p.to_string();
  }
  return out;
}

WorkflowParse parse_workflow(std::string_view text, const std::string& file_name) {
  WorkflowParse result;
  bool parsed = false;
  WorkflowDefinition definition = parse_document(text, file_name, result.problems, parsed);
  if (parsed) validate_definition(definition, result.problems);
  std::stable_sort(result.problems.begin(), result.problems.end(),
                   [](const FileProblem& a, const FileProblem& b) { return a.line < b.line; });
  // Identical messages can arise when one mistake is seen from two checks.
  result.problems.erase(std::unique(result.problems.begin(), result.problems.end(),
                                    [](const FileProblem& a, const FileProblem& b) {
                                      return a.line == b.line && a.message == b.message;
                                    }),
                        result.problems.end());
  if (result.problems.empty()) {
    definition.checksum = crypto::sha256_hex(text);
    result.definition = std::move(definition);
  }
  return result;
}

sdk::Result<WorkflowDefinition> load_workflow(std::string_view text, const std::string& file_name) {
  WorkflowParse parsed = parse_workflow(text, file_name);
  if (!parsed.ok()) {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument, parsed.describe(), false);
  }
  return std::move(*parsed.definition);
}

WorkflowParse validate_workflow_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    WorkflowParse result;
    result.problems.push_back(
        {path, 0, std::string("cannot read the workflow file: ") + std::strerror(errno)});
    return result;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    WorkflowParse result;
    result.problems.push_back({path, 0, "cannot read the workflow file: read error"});
    return result;
  }
  return parse_workflow(text.str(), path);
}

int validate_files(const std::vector<std::string>& files, std::ostream& out, std::ostream& err) {
  if (files.empty()) {
    err << "wasl workflow validate: name at least one workflow file, e.g. "
           "wasl workflow validate workflows/consultation.yaml\n";
    return 1;
  }
  int status = 0;
  for (const auto& file : files) {
    WorkflowParse parsed = validate_workflow_file(file);
    if (parsed.ok()) {
      const auto& d = *parsed.definition;
      out << file << ": ok (" << d.name << " v" << d.version << ", " << d.steps.size()
          << (d.steps.size() == 1 ? " step" : " steps");
      if (!d.compensations.empty()) {
        out << ", " << d.compensations.size()
            << (d.compensations.size() == 1 ? " compensation" : " compensations");
      }
      out << ")\n";
    } else {
      for (const auto& p : parsed.problems) err << p.to_string() << '\n';
      status = 1;
    }
  }
  return status;
}

}  // namespace wasl::workflow
