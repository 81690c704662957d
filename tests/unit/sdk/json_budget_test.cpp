#include "wasl/sdk/json_budget.hpp"

#include <gtest/gtest.h>

#include <string>

namespace wasl::sdk {
namespace {

std::string nested_arrays(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(JsonBudget, DepthCountsArraysAndObjectsButNotStrings) {
  EXPECT_EQ(json_nesting_depth("1"), 0);
  EXPECT_EQ(json_nesting_depth("{}"), 1);
  EXPECT_EQ(json_nesting_depth(R"({"a":[{"b":[1]}]})"), 4);
  EXPECT_EQ(json_nesting_depth(R"({"a":"[[[[\"[[["})"), 1);
}

TEST(JsonBudget, ParsesWhatFits) {
  auto parsed = parse_json_within(R"({"resourceType":"Patient","id":"p1"})");
  ASSERT_TRUE(parsed.is_object());
  EXPECT_EQ(parsed["id"], "p1");
  EXPECT_TRUE(parse_json_within(nested_arrays(32)).is_array());
}

TEST(JsonBudget, RefusesTooDeepBeforeParsing) {
  // 400 KB of "[[[…]]]": nlohmann parses it, then a copy or dump() of the
  // value overflows the stack.
  const std::string deep = nested_arrays(200000);
  EXPECT_TRUE(parse_json_within(deep).is_discarded());
  EXPECT_TRUE(parse_json_within(nested_arrays(33)).is_discarded());
  auto refused = parse_json_bounded(deep, "the answer");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(refused.error().message, "the answer nests 200000 levels deep, more than 32");
}

TEST(JsonBudget, RefusesTooLargeAndNotJson) {
  const std::string big = "\"" + std::string(2000, 'x') + "\"";
  EXPECT_TRUE(parse_json_within(big, {.max_bytes = 1000, .max_depth = 4}).is_discarded());
  EXPECT_EQ(json_budget_problem(big, {.max_bytes = 1000, .max_depth = 4}),
            "is 2002 bytes, more than 1000");
  EXPECT_TRUE(parse_json_within("{not json").is_discarded());
  auto bad = parse_json_bounded("{not json", "the body");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "the body is not JSON");
}

}  // namespace
}  // namespace wasl::sdk
