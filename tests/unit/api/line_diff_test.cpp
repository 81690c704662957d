// LineDiff: a unified listing from a longest common subsequence of lines,
// bounded by kMaxDiffLines.
#include "hub/api/line_diff.hpp"

#include <gtest/gtest.h>

namespace wasl::api {
namespace {

// "<op><text>" per line, op one of ' ', '-', '+'.
std::vector<std::string> listing(std::string_view from, std::string_view to) {
  std::vector<std::string> out;
  for (const DiffLine& d : diff_lines(from, to)) {
    const char op = d.op == DiffLine::Op::kKeep ? ' ' : d.op == DiffLine::Op::kRemove ? '-' : '+';
    out.push_back(op + d.text);
  }
  return out;
}

TEST(LineDiffTest, SplitsAtNewlinesAndAFinalNewlineEndsTheLastLine) {
  EXPECT_EQ(split_lines("a\nb\n"), (std::vector<std::string_view>{"a", "b"}));
  EXPECT_EQ(split_lines("a\n\nb"), (std::vector<std::string_view>{"a", "", "b"}));
  EXPECT_TRUE(split_lines("").empty());
  EXPECT_EQ(line_count("x\ny"), 2u);
}

TEST(LineDiffTest, IdenticalTextsAreAllKept) {
  EXPECT_EQ(listing("a\nb\nc\n", "a\nb\nc\n"), (std::vector<std::string>{" a", " b", " c"}));
  EXPECT_TRUE(listing("", "").empty());
}

TEST(LineDiffTest, AChangedLineIsRemovedThenAdded) {
  EXPECT_EQ(listing("a\nb\nc\n", "a\nB\nc\n"), (std::vector<std::string>{" a", "-b", "+B", " c"}));
}

TEST(LineDiffTest, InsertionsAndDeletionsAnywhere) {
  EXPECT_EQ(listing("b\nc\n", "a\nb\nc\nd\n"), (std::vector<std::string>{"+a", " b", " c", "+d"}));
  EXPECT_EQ(listing("a\nb\nc\nd\n", "b\nd\n"), (std::vector<std::string>{"-a", " b", "-c", " d"}));
  EXPECT_EQ(listing("", "x\n"), (std::vector<std::string>{"+x"}));
  EXPECT_EQ(listing("x\n", ""), (std::vector<std::string>{"-x"}));
}

TEST(LineDiffTest, KeepsTheLongestCommonSubsequence) {
  // a b c a b b a -> c b a b a c: an LCS has 4 lines.
  const auto lines = diff_lines("a\nb\nc\na\nb\nb\na\n", "c\nb\na\nb\na\nc\n");
  int kept = 0;
  for (const auto& d : lines) kept += d.op == DiffLine::Op::kKeep;
  EXPECT_EQ(kept, 4);
}

TEST(LineDiffTest, NumbersLinesOnEachSide) {
  const auto lines = diff_lines("a\nb\n", "a\nx\nb\n");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].from_line, 1);
  EXPECT_EQ(lines[0].to_line, 1);
  EXPECT_EQ(lines[1].op, DiffLine::Op::kAdd);
  EXPECT_EQ(lines[1].from_line, 0);
  EXPECT_EQ(lines[1].to_line, 2);
  EXPECT_EQ(lines[2].from_line, 2);
  EXPECT_EQ(lines[2].to_line, 3);
}

TEST(LineDiffTest, BeyondTheLineCapEverythingLeftIsRemovedAndAddedInBoundedMemory) {
  std::string from;
  std::string to;
  for (std::size_t i = 0; i < kMaxDiffLines + 10; ++i) {
    from += "f" + std::to_string(i) + "\n";
    to += "t" + std::to_string(i) + "\n";
  }
  const auto lines = diff_lines(from, to);
  EXPECT_EQ(lines.size(), 2 * (kMaxDiffLines + 10));
  for (const auto& d : lines) EXPECT_NE(d.op, DiffLine::Op::kKeep);
}

}  // namespace
}  // namespace wasl::api
