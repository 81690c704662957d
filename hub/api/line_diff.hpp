// LineDiff: the line-by-line difference of two texts, as a unified listing
// (every line of both, each kept, removed or added), from a longest common
// subsequence of lines. Bounded: the common head and tail are matched
// first, and the rest is compared in a table of at most
// kMaxDiffLines × kMaxDiffLines 16-bit cells (8 MiB), so callers refuse
// texts of more lines (line_count) before asking. Pure; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace wasl::api {

inline constexpr std::size_t kMaxDiffLines = 2000;

struct DiffLine {
  enum class Op { kKeep, kRemove, kAdd };
  Op op = Op::kKeep;
  std::string text;   // the line without its '\n'
  int from_line = 0;  // 1-based line in `from`; 0 for an added line
  int to_line = 0;    // 1-based line in `to`; 0 for a removed line
};

// Lines of `text` split at '\n' (a final '\n' ends the last line, it does
// not start another).
std::vector<std::string_view> split_lines(std::string_view text);

// The number of lines split_lines() finds.
std::size_t line_count(std::string_view text);

// Every line of `from` and `to` in order: kept lines once, removals before
// additions where a block changed. Precondition: both have at most
// kMaxDiffLines lines (a larger input is compared as if the excess were
// all removed and added, never with more memory).
std::vector<DiffLine> diff_lines(std::string_view from, std::string_view to);

}  // namespace wasl::api
