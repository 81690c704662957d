// Suggestion: "did you mean …?" for a misspelt key or choice.
#pragma once

#include <string>
#include <vector>

namespace wasl::config {

// The candidate nearest to `word` by edit distance (a transposition counts
// one), when it is close enough to be a likely typo: at most a third of the
// candidate's length, and at least one edit allowed. Empty otherwise.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace wasl::config
