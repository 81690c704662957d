#include "hub/workflow/language/value_template.hpp"

#include <gtest/gtest.h>

namespace wasl::workflow {
namespace {

using nlohmann::json;

const json kTemplateData = {
    {"trigger", {{"appointment_id", "a-1"}, {"n", 3}, {"ok", true}, {"none", nullptr}}},
    {"steps",
     {{"coverage", {{"status", "succeeded"}, {"output", {{"id", "cov-1"}, {"payer_id", "P7"}}}}}}},
    {"consultation", {{"id", "c-9"}}}};

json render_ok(const json& value) {
  EvaluationContext ctx{kTemplateData, [](std::string_view n) -> std::optional<std::string> {
                          if (n == "REGION") return "riyadh";
                          return std::nullopt;
                        }};
  auto r = render_value(value, ctx);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : json();
}

TEST(ValueTemplate, SingleReferenceKeepsItsType) {
  EXPECT_EQ(render_ok("${trigger.n}"), 3);
  EXPECT_EQ(render_ok("${trigger.ok}"), true);
  EXPECT_TRUE(render_ok("${trigger.none}").is_null());
  EXPECT_EQ(render_ok("${steps.coverage.output}"), json({{"id", "cov-1"}, {"payer_id", "P7"}}));
  EXPECT_EQ(render_ok("${ trigger.n }"), 3);
}

TEST(ValueTemplate, MixedTextInterpolatesAsStrings) {
  EXPECT_EQ(render_ok("consultation-${consultation.id}"), "consultation-c-9");
  EXPECT_EQ(render_ok("${trigger.n}${trigger.n}"), "33");
  EXPECT_EQ(render_ok("n=${trigger.n} ok=${trigger.ok} none=${trigger.none}"),
            "n=3 ok=true none=null");
  EXPECT_EQ(render_ok("cov ${steps.coverage.output}"), R"(cov {"id":"cov-1","payer_id":"P7"})");
  EXPECT_EQ(render_ok("region ${env:REGION}"), "region riyadh");
}

TEST(ValueTemplate, EscapesAndLiteralDollars) {
  EXPECT_EQ(render_ok("$${trigger.n}"), "${trigger.n}");
  EXPECT_EQ(render_ok("cost $5"), "cost $5");
  EXPECT_EQ(render_ok("$"), "$");
}

TEST(ValueTemplate, RendersNestedValues) {
  json in = {{"id", "${trigger.appointment_id}"},
             {"limit", 2},
             {"list", {"${trigger.n}", "x-${trigger.n}", false}},
             {"nested", {{"payer", "${steps.coverage.output.payer_id}"}}}};
  json out = render_ok(in);
  EXPECT_EQ(out, json({{"id", "a-1"},
                       {"limit", 2},
                       {"list", {3, "x-3", false}},
                       {"nested", {{"payer", "P7"}}}}));
}

TEST(ValueTemplate, MissingReferenceNamesTheMember) {
  EvaluationContext ctx{kTemplateData, nullptr};
  auto r = render_value(json{{"a", {{"b", "x ${steps.coverage.output.plan}"}}}}, ctx);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            "with.a.b: ${steps.coverage.output.plan}: 'plan' not found in steps.coverage.output");
  auto env = render_value(json("${env:REGION}"), ctx);
  ASSERT_FALSE(env.ok());
  EXPECT_EQ(env.error().message, "with: ${env:REGION}: the variable is not set");
}

TEST(ValueTemplate, ParseErrorsCarryColumns) {
  auto unclosed = parse_string_template("abc ${trigger.x");
  ASSERT_FALSE(unclosed.ok());
  EXPECT_EQ(unclosed.error().message, "column 5: '${' is not closed by '}'");
  auto empty = parse_string_template("ab${}");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().message, "column 3: empty reference '${}'");
  auto bad = parse_string_template("x ${steps.a.outpt}");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            "column 13: 'outpt' is not a field of a step; expected output or status");
}

TEST(ValueTemplate, CollectsReferencesWithMemberPaths) {
  std::vector<ReferenceSite> sites;
  std::vector<TemplateProblem> problems;
  collect_references(json{{"a", "${trigger.x} and ${steps.s.output.y}"},
                          {"b", {1, "${consultation.id}"}},
                          {"c", "${nope"}},
                     "with", sites, problems);
  ASSERT_EQ(sites.size(), 3u);
  EXPECT_EQ(sites[0].member_path, "with.a");
  EXPECT_EQ(sites[1].reference.text(), "steps.s.output.y");
  EXPECT_EQ(sites[2].member_path, "with.b.1");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].member_path, "with.c");
}

}  // namespace
}  // namespace wasl::workflow
