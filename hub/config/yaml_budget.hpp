#pragma once

// Bounds on what a YAML document expands to once its aliases are followed.
//
// yaml-cpp keeps an alias as a second reference to the anchored node, so
// loading a "billion laughs" document is cheap, but every walk over the tree
// (validation, conversion to JSON, copying) visits each alias's whole subtree
// again: ten levels of ten aliases are 10^10 visits. check_yaml_budget() reads
// the document once as a stream of events, counting the nodes the tree holds
// after expansion and its depth, and stops at the first bound crossed, before
// anything builds or walks the tree. An alias to a node still open (a cycle)
// is refused too.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace wasl::config {

struct YamlBudget {
  std::size_t max_nodes = 100'000;  // scalars, mappings and sequences after expansion
  int max_depth = 64;               // nesting of mappings and sequences after expansion
};

struct YamlBudgetProblem {
  int line = 0;  // 1-based line where the bound was crossed; 0 if unknown
  std::string message;
};

// Returns the first bound the document crosses, or nullopt when it fits.
// Syntax errors are not reported here (nullopt): the caller's own load reports
// them with its usual wording. Thread-safe; reads only `text`.
std::optional<YamlBudgetProblem> check_yaml_budget(std::string_view text,
                                                   const YamlBudget& budget = {});

}  // namespace wasl::config
