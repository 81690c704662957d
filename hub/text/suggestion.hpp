// Suggestion: "did you mean …?" for a misspelt key, choice or name, shared by
// the configuration, workflow and plugin settings validators.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace wasl::text {

// The edit distance between `a` and `b`, case-insensitive (ASCII), a
// transposition of two neighbours counting one edit (optimal string
// alignment). Costs O(|a|·|b|) time and O(|b|) memory.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to `word` by edit_distance(), when it is close enough
// to be a likely typo: at most a third of the candidate's length, and at
// least one edit allowed. Empty otherwise, and for a word over 64 bytes.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

// "; did you mean <closest_match>?" to append to a message, or empty when
// nothing is close.
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace wasl::text
