#include "hub/workflow/language/expression.hpp"

#include <gtest/gtest.h>

namespace wasl::workflow {
namespace {

using nlohmann::json;

const json kExpressionData = {
    {"trigger",
     {{"type", "emergency"}, {"n", 3}, {"f", 2.5}, {"tags", {"a", "b"}}, {"none", nullptr}}},
    {"steps",
     {{"eligibility",
       {{"status", "succeeded"}, {"output", {{"approved", false}, {"errors", json::array()}}}}},
      {"coverage", {{"status", "failed"}}}}},
    {"consultation", {{"id", "c-9"}, {"meta", {{"k", 1}}}}}};

json eval(const std::string& text) {
  auto expr = parse_expression(text);
  EXPECT_TRUE(expr.ok()) << text << ": " << (expr.ok() ? "" : expr.error().message);
  if (!expr.ok()) return json("parse error");
  EvaluationContext ctx{kExpressionData, [](std::string_view n) -> std::optional<std::string> {
                          if (n == "MODE") return "strict";
                          return std::nullopt;
                        }};
  auto v = evaluate(*expr, ctx);
  EXPECT_TRUE(v.ok()) << text << ": " << (v.ok() ? "" : v.error().message);
  return v.ok() ? *v : json("eval error");
}

std::string parse_error(const std::string& text) {
  auto expr = parse_expression(text);
  EXPECT_FALSE(expr.ok()) << text;
  return expr.ok() ? "" : expr.error().message;
}

std::string eval_error(const std::string& text) {
  auto expr = parse_expression(text);
  EXPECT_TRUE(expr.ok()) << text;
  if (!expr.ok()) return "";
  EvaluationContext ctx{kExpressionData, nullptr};
  auto v = evaluate_condition(*expr, ctx);
  EXPECT_FALSE(v.ok()) << text;
  return v.ok() ? "" : v.error().message;
}

TEST(Expression, Literals) {
  EXPECT_EQ(eval("\"x\""), "x");
  EXPECT_EQ(eval("'single'"), "single");
  EXPECT_EQ(eval("\"a\\\"b\""), "a\"b");
  EXPECT_EQ(eval("-4.5"), -4.5);
  EXPECT_EQ(eval("1e3"), 1000.0);
  EXPECT_EQ(eval("true"), true);
  EXPECT_TRUE(eval("null").is_null());
  EXPECT_EQ(eval("[1, \"a\", [true]]"), json({1, "a", {true}}));
  EXPECT_EQ(eval("[]"), json::array());
}

TEST(Expression, Comparisons) {
  EXPECT_EQ(eval("trigger.type == \"emergency\""), true);
  EXPECT_EQ(eval("${trigger.type} != 'emergency'"), false);
  EXPECT_EQ(eval("trigger.n == 3.0"), true);
  EXPECT_EQ(eval("trigger.n < trigger.f"), false);
  EXPECT_EQ(eval("trigger.n > 2.5"), true);
  EXPECT_EQ(eval("trigger.n <= 3"), true);
  EXPECT_EQ(eval("trigger.n >= 4"), false);
  EXPECT_EQ(eval("\"abc\" < \"abd\""), true);
  EXPECT_EQ(eval("trigger.none == null"), true);
  EXPECT_EQ(eval("trigger.n == \"3\""), false);  // different types are unequal
  EXPECT_EQ(eval("consultation.meta == consultation.meta"), true);
  EXPECT_EQ(eval("steps.eligibility.output.approved == false"), true);
  EXPECT_EQ(eval("steps.coverage.status == \"failed\""), true);
}

TEST(Expression, In) {
  EXPECT_EQ(eval("trigger.type in [\"standard\", \"emergency\"]"), true);
  EXPECT_EQ(eval("\"c\" in trigger.tags"), false);
  EXPECT_EQ(eval("\"c\" not in trigger.tags"), true);
  EXPECT_EQ(eval("\"merg\" in trigger.type"), true);
  EXPECT_EQ(eval("\"k\" in consultation.meta"), true);
  EXPECT_EQ(eval("3 in [1, 3.0]"), true);
}

TEST(Expression, PrecedenceOrAndNot) {
  // and binds tighter than or: true or (false and false)
  EXPECT_EQ(eval("true or false and false"), true);
  EXPECT_EQ(eval("(true or false) and false"), false);
  // not binds tighter than and, looser than comparison
  EXPECT_EQ(eval("not trigger.n == 4 and true"), true);
  EXPECT_EQ(eval("not true or true"), true);
  EXPECT_EQ(eval("not (true or true)"), false);
  EXPECT_EQ(eval("not not true"), true);
}

TEST(Expression, ExistsNeverFails) {
  EXPECT_EQ(eval("exists(steps.eligibility.output)"), true);
  EXPECT_EQ(eval("exists(steps.coverage.output.id)"), false);
  EXPECT_EQ(eval("exists(${trigger.none})"), false);
  EXPECT_EQ(eval("exists(${env:MODE})"), true);
  EXPECT_EQ(eval("exists(${env:OTHER})"), false);
  // Short-circuit: the missing reference on the right is never evaluated.
  EXPECT_EQ(eval("exists(steps.coverage.output.id) and steps.coverage.output.id == \"x\""), false);
  EXPECT_EQ(eval("true or steps.coverage.output.id == 1"), true);
}

TEST(Expression, ParseErrorsGiveTheColumn) {
  EXPECT_EQ(parse_error(""), "column 1: the condition is empty");
  EXPECT_EQ(parse_error("trigger.a = 1"), "column 11: unexpected '='; write == to compare");
  EXPECT_EQ(parse_error("a == 1"),
            "column 1: unknown name 'a'; a reference starts with trigger., "
            "steps. or consultation., and a string is written in quotes");
  EXPECT_EQ(parse_error("trigger.a == booked"),
            "column 14: unknown name 'booked'; a reference starts with trigger., steps. or "
            "consultation., and a string is written in quotes");
  EXPECT_EQ(parse_error("(true or false"),
            "column 15: expected ')' to close the '(' at column 1, found the end of the condition");
  EXPECT_EQ(parse_error("trigger.a == 1 == 2"),
            "column 16: comparisons do not chain; use parentheses and and/or");
  EXPECT_EQ(parse_error("true && false"), "column 6: unexpected '&&'; write and");
  EXPECT_EQ(parse_error("\"open"), "column 1: string is not closed");
  EXPECT_EQ(parse_error("[1, 2"),
            "column 6: expected ',' or ']' in the list opened at column 1, "
            "found the end of the condition");
  EXPECT_EQ(parse_error("exists(1)"), "column 8: exists takes a reference, found number 1");
  EXPECT_EQ(parse_error("true true"),
            "column 6: expected and, or or the end of the condition, found 'true'");
  EXPECT_EQ(parse_error("trigger.a == and"), "column 14: expected a value before 'and'");
  EXPECT_EQ(parse_error("steps.x.outpt"),
            "column 9: 'outpt' is not a field of a step; expected output or status");
  EXPECT_EQ(parse_error("1 == ${steps.x}"),
            "column 8: a step reference names the step and a field, as in steps.<id>.output or "
            "steps.<id>.status");
  EXPECT_EQ(parse_error("1 # 2"), "column 3: unexpected character '#'");
}

TEST(Expression, NestingIsBounded) {
  EXPECT_EQ(eval(std::string(60, '(') + "true" + std::string(60, ')')), true);
  const std::string deep = std::string(100000, '(') + "true" + std::string(100000, ')');
  EXPECT_EQ(parse_error(deep), "column 65: the condition nests deeper than 64 levels");
  EXPECT_EQ(parse_error(std::string(70, '[') + std::string(70, ']')),
            "column 65: the condition nests deeper than 64 levels");
  EXPECT_EQ(parse_error(std::string(70, '[')).substr(0, 10), "column 65:");
}

TEST(Expression, EvaluationErrorsAreTyped) {
  EXPECT_EQ(eval_error("trigger.n < \"4\""),
            "column 11: < compares two numbers or two strings; got a number and a string");
  EXPECT_EQ(eval_error("trigger.n and true"), "column 11: and needs true or false, got a number");
  EXPECT_EQ(eval_error("not trigger.type"), "column 1: not needs true or false, got a string");
  EXPECT_EQ(eval_error("1 in 2"),
            "column 3: in needs a list, a string in a string or a key in an "
            "object on its right; got a number in a number");
  EXPECT_EQ(eval_error("trigger.type"),
            "column 1: the condition gives a string, not true or false");
  EXPECT_EQ(eval_error("steps.coverage.output.id == 1"),
            "column 1: ${steps.coverage.output.id}: step 'coverage' has no output (it has not "
            "run, was skipped or failed)");
}

TEST(Expression, ListsReferencesInOrder) {
  auto expr = parse_expression("exists(steps.a.output) and trigger.x in [${consultation.id}]");
  ASSERT_TRUE(expr.ok());
  auto refs = expr->references();
  ASSERT_EQ(refs.size(), 3u);
  EXPECT_EQ(refs[0].reference.text(), "steps.a.output");
  EXPECT_TRUE(refs[0].in_exists);
  EXPECT_EQ(refs[1].reference.text(), "trigger.x");
  EXPECT_EQ(refs[1].column, 28u);
  EXPECT_FALSE(refs[1].in_exists);
  EXPECT_EQ(refs[2].reference.text(), "consultation.id");
  EXPECT_EQ(expr->text(), "exists(steps.a.output) and trigger.x in [${consultation.id}]");
}

}  // namespace
}  // namespace wasl::workflow
