// FileProblem: one thing wrong with a workflow file, reported as `file:line: message`.
#pragma once

#include <string>

namespace wasl::workflow {

struct FileProblem {
  std::string file;
  int line = 0;  // 1-based; 0 when unknown
  std::string message;

  // "file:line: message" ("file: message" when the line is unknown).
  std::string to_string() const {
    return line > 0 ? file + ":" + std::to_string(line) + ": " + message : file + ": " + message;
  }
};

}  // namespace wasl::workflow
