// Substitution: expands `${env:NAME}` and `${file:PATH}` inside one config
// scalar. `$${` is a literal `${`; any other `${…}` is left as written.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace wasl::config {

struct Substitution {
  std::string value;                 // the text with every reference expanded
  std::vector<std::string> sources;  // each reference as written, e.g. "${env:WASL_DATABASE_URL}"
  std::vector<std::string> secrets;  // the values the references expanded to (never print these)
  // Why a reference could not be expanded, naming the variable or the path but
  // never a value; `value` is meaningless when this is not empty.
  std::vector<std::string> errors;

  bool substituted() const { return !sources.empty(); }
  bool ok() const { return errors.empty(); }
  // " (value from ${env:NAME})" for messages about a substituted value; empty otherwise.
  std::string origin() const;
};

// Expands the references in `text`. A relative ${file:PATH} is read from
// `base_dir` (the config file's directory); one trailing newline of the file
// is dropped. Files larger than 1 MiB are refused. Thread-compatible: reads
// the process environment.
Substitution substitute(std::string_view text, const std::string& base_dir);

}  // namespace wasl::config
