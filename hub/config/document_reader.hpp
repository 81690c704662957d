// DocumentReader: walks a parsed YAML document against the schema (schema.hpp),
// expanding ${env:…}/${file:…} in every scalar and collecting every problem as
// `file:line: path: message`. Single-threaded; one reader per load.
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "hub/config/loader.hpp"
#include "hub/config/schema.hpp"

namespace wasl::config {

// A scalar's text after substitution.
struct Scalar {
  std::string value;
  std::string origin;   // " (value from ${env:NAME})" when substituted, else empty
  bool quoted = false;  // written quoted or tagged !!str in YAML
  bool secret() const { return !origin.empty(); }
};

// One key of a mapping, in document order.
struct MappingEntry {
  std::string key;
  int line = 0;  // 1-based line of the key
  YAML::Node value;
  int value_line = 0;  // 1-based line of a scalar value; the key's line for anything else
};

class DocumentReader {
 public:
  DocumentReader(std::string file, std::string base_dir);

  // Reads `node` (a mapping, or null for an empty one) against `fields`:
  // each key is read by its field; unknown and duplicate keys and missing
  // required fields are problems. `line` is where the mapping was introduced.
  void read_mapping(const YAML::Node& node, const Fields& fields, const std::string& path,
                    int line);

  // The keys of a mapping node with their lines; a problem (and an empty list)
  // when `node` is not a mapping. Duplicate and non-scalar keys are problems
  // and skipped. A null node is an empty mapping.
  std::vector<MappingEntry> mapping_entries(const YAML::Node& node, const std::string& path,
                                            int line, const std::string& form);

  // The scalar's text after substitution, or nothing after recording a
  // problem: "PATH: expected FORM" when it is not a scalar, or the reason a
  // reference could not be expanded.
  std::optional<Scalar> scalar(const YAML::Node& node, const std::string& path, int line,
                               const std::string& form);

  // Converts any YAML value to JSON: plain scalars become null, booleans,
  // integers or floats when they read as such; quoted ones and substituted
  // ones stay strings. Substituted values are appended to `secrets`.
  nlohmann::json to_json(const YAML::Node& node, const std::string& path, int line,
                         std::vector<std::string>& secrets);

  // Records "PATH: message" at `line`.
  void problem(int line, const std::string& path, const std::string& message);
  // "PATH: expected FORM" plus the value's origin when it was substituted.
  void expected(int line, const std::string& path, const std::string& form,
                const std::string& origin = {});

  // The 1-based line of a node, or `fallback` when the node has none.
  static int line_of(const YAML::Node& node, int fallback);

  // Where each path read so far was written; 0 when absent from the document.
  int line_of_path(const std::string& path) const;
  bool present(const std::string& path) const { return lines_.count(path) > 0; }
  // Whether a problem was already recorded at `path`.
  bool failed(const std::string& path) const { return failed_.count(path) > 0; }
  // How a scalar read at `path` is named in a message: "\"VALUE\"" as
  // written, or "the value of ${env:NAME}" when it was substituted.
  std::string shown(const std::string& path, const std::string& value) const;

  const std::string& file() const { return file_; }
  const std::string& base_dir() const { return base_dir_; }
  std::vector<Problem>& problems() { return problems_; }
  // Every value that came from a substitution, for redaction.
  const std::vector<std::string>& secret_values() const { return secret_values_; }

 private:
  std::string file_;
  std::string base_dir_;
  std::vector<Problem> problems_;
  std::map<std::string, int> lines_;
  std::set<std::string> failed_;
  std::map<std::string, std::string> sources_;  // path -> "${env:NAME}" for substituted scalars
  std::vector<std::string> secret_values_;
};

}  // namespace wasl::config
