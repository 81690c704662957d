// Loads and validates the hub config. All problems are collected, not just
// the first, each as `file:line: message` naming the expected form.
#pragma once

#include <string>
#include <vector>

#include "hub/config/config.hpp"

namespace wasl::config {

struct Problem {
  std::string file;
  int line = 0;  // 1-based; 0 when unknown
  std::string message;

  std::string to_string() const;  // "file:line: message"
};

struct LoadResult {
  Config config;
  std::vector<Problem> problems;  // empty = valid
  bool ok() const { return problems.empty(); }
};

// Reads `path`, substitutes ${env:NAME} and ${file:PATH} (PATH relative to
// the config file's directory), validates every section. A secret's value
// never appears in a problem message.
LoadResult load_file(const std::string& path);

// Same, from text already in memory; `name` is used as the file in messages.
LoadResult load_text(const std::string& text, const std::string& name,
                     const std::string& base_dir = ".");

}  // namespace wasl::config
