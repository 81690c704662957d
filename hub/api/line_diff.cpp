#include "hub/api/line_diff.hpp"

#include <algorithm>
#include <cstdint>
#include <unordered_map>

namespace wasl::api {

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

std::size_t line_count(std::string_view text) { return split_lines(text).size(); }

std::vector<DiffLine> diff_lines(std::string_view from, std::string_view to) {
  const std::vector<std::string_view> a = split_lines(from);
  const std::vector<std::string_view> b = split_lines(to);
  std::vector<DiffLine> out;
  auto keep = [&](std::size_t i, std::size_t j) {
    out.push_back(
        {DiffLine::Op::kKeep, std::string(a[i]), static_cast<int>(i + 1), static_cast<int>(j + 1)});
  };
  auto remove = [&](std::size_t i) {
    out.push_back({DiffLine::Op::kRemove, std::string(a[i]), static_cast<int>(i + 1), 0});
  };
  auto add = [&](std::size_t j) {
    out.push_back({DiffLine::Op::kAdd, std::string(b[j]), 0, static_cast<int>(j + 1)});
  };

  // The common head and tail need no table.
  std::size_t head = 0;
  while (head < a.size() && head < b.size() && a[head] == b[head]) ++head;
  std::size_t tail = 0;
  while (tail < a.size() - head && tail < b.size() - head &&
         a[a.size() - 1 - tail] == b[b.size() - 1 - tail]) {
    ++tail;
  }
  for (std::size_t i = 0; i < head; ++i) keep(i, i);

  // The middle, capped at kMaxDiffLines a side: beyond that everything is
  // removed and added, so memory never exceeds the table's bound.
  const std::size_t a_end = a.size() - tail;
  const std::size_t b_end = b.size() - tail;
  const std::size_t n = std::min(a_end - head, kMaxDiffLines);
  const std::size_t m = std::min(b_end - head, kMaxDiffLines);

  // Lines as small integers, so the table compares numbers.
  std::unordered_map<std::string_view, std::uint32_t> ids;
  auto id_of = [&ids](std::string_view line) {
    return ids.try_emplace(line, static_cast<std::uint32_t>(ids.size())).first->second;
  };
  std::vector<std::uint32_t> x(n), y(m);
  for (std::size_t i = 0; i < n; ++i) x[i] = id_of(a[head + i]);
  for (std::size_t j = 0; j < m; ++j) y[j] = id_of(b[head + j]);

  // lcs[i][j]: the longest common subsequence of x[i..] and y[j..].
  const std::size_t width = m + 1;
  std::vector<std::uint16_t> lcs((n + 1) * width, 0);
  for (std::size_t i = n; i-- > 0;) {
    for (std::size_t j = m; j-- > 0;) {
      lcs[i * width + j] = x[i] == y[j]
                               ? static_cast<std::uint16_t>(lcs[(i + 1) * width + j + 1] + 1)
                               : std::max(lcs[(i + 1) * width + j], lcs[i * width + j + 1]);
    }
  }
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[i] == y[j]) {
      keep(head + i, head + j);
      ++i;
      ++j;
    } else if (j == m || (i < n && lcs[(i + 1) * width + j] >= lcs[i * width + j + 1])) {
      remove(head + i);
      ++i;
    } else {
      add(head + j);
      ++j;
    }
  }
  for (std::size_t k = head + n; k < a_end; ++k) remove(k);
  for (std::size_t k = head + m; k < b_end; ++k) add(k);
  for (std::size_t k = 0; k < tail; ++k) keep(a_end + k, b_end + k);
  return out;
}

}  // namespace wasl::api
