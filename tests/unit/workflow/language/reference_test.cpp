#include "hub/workflow/language/reference.hpp"

#include <gtest/gtest.h>

namespace wasl::workflow {
namespace {

using nlohmann::json;

const json kData = {
    {"trigger", {{"appointment_id", "a-1"}, {"n", 3}}},
    {"steps",
     {{"room",
       {{"status", "succeeded"},
        {"output", {{"provider_room_id", "RM1"}, {"tags", {"x", "y"}}, {"gone", nullptr}}}}},
      {"skipped", {{"status", "skipped"}}}}},
    {"consultation", {{"id", "c-9"}}}};

Reference ref(const std::string& body) {
  auto r = parse_reference(body);
  EXPECT_TRUE(r.ok()) << body << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : Reference{};
}

TEST(Reference, ParsesRootsAndPaths) {
  Reference r = ref("steps.room.output.provider_room_id");
  EXPECT_EQ(r.root, ReferenceRoot::kSteps);
  EXPECT_EQ(r.step_id(), "room");
  EXPECT_EQ(r.text(), "steps.room.output.provider_room_id");
  EXPECT_EQ(ref("trigger").root, ReferenceRoot::kTrigger);
  EXPECT_EQ(ref("consultation.id").root, ReferenceRoot::kConsultation);
  Reference env = ref("env:WASL_REGION");
  EXPECT_EQ(env.root, ReferenceRoot::kEnv);
  EXPECT_EQ(env.text(), "env:WASL_REGION");
  EXPECT_EQ(ref("steps.room.output.tags.1").path.back(), "1");
}

TEST(Reference, ErrorsNameTheColumn) {
  auto expect_error = [](const std::string& body, const std::string& message) {
    auto r = parse_reference(body);
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error().message, message);
  };
  expect_error("stepz.a.output",
               "column 1: unknown reference root 'stepz'; expected trigger, "
               "steps, consultation or env:");
  expect_error("steps.a",
               "column 1: a step reference names the step and a field, as in "
               "steps.<id>.output or steps.<id>.status");
  expect_error("steps.a.result",
               "column 9: 'result' is not a field of a step; expected output "
               "or status");
  expect_error("steps.a.status.x", "column 16: steps.<id>.status is a string and has no fields");
  expect_error("trigger..x", "column 9: empty segment in reference 'trigger..x'");
  expect_error("trigger.a b", "column 10: unexpected ' ' in reference 'trigger.a b'");
  expect_error("env:", "column 5: env: needs a variable name, as in ${env:NAME}");
  expect_error("env:1X", "column 5: '1X' is not a variable name (letters, digits and _)");
  auto shifted = parse_reference("stepz", 10);
  ASSERT_FALSE(shifted.ok());
  EXPECT_EQ(shifted.error().message.substr(0, 11), "column 11: ");
}

TEST(Reference, ResolvesTypedValues) {
  EvaluationContext ctx{kData, nullptr};
  EXPECT_EQ(*resolve(ref("trigger.n"), ctx), 3);
  EXPECT_EQ(*resolve(ref("steps.room.output.tags"), ctx), json({"x", "y"}));
  EXPECT_EQ(*resolve(ref("steps.room.output.tags.1"), ctx), "y");
  EXPECT_EQ(*resolve(ref("steps.room.status"), ctx), "succeeded");
  EXPECT_TRUE(resolve(ref("steps.room.output.gone"), ctx)->is_null());
  EXPECT_EQ(*resolve(ref("consultation"), ctx), json({{"id", "c-9"}}));
}

TEST(Reference, MissingPathIsAnErrorNamingTheSegment) {
  EvaluationContext ctx{kData, nullptr};
  auto missing = resolve(ref("steps.room.output.nope"), ctx);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_FALSE(missing.error().retryable);
  EXPECT_EQ(missing.error().message,
            "${steps.room.output.nope}: 'nope' not found in steps.room.output");
  auto skipped = resolve(ref("steps.skipped.output.x"), ctx);
  ASSERT_FALSE(skipped.ok());
  EXPECT_EQ(skipped.error().message,
            "${steps.skipped.output.x}: step 'skipped' has no output "
            "(it has not run, was skipped or failed)");
  auto unknown = resolve(ref("steps.later.output"), ctx);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().message,
            "${steps.later.output}: step 'later' has no result (it has "
            "not run, was skipped or failed)");
  EXPECT_FALSE(resolve(ref("steps.room.output.tags.2"), ctx).ok());
  EXPECT_FALSE(resolve(ref("trigger.n.x"), ctx).ok());
}

TEST(Reference, EnvGoesThroughTheInjectedLookupOnly) {
  EvaluationContext none{kData, nullptr};
  auto unset = resolve(ref("env:PATH"), none);
  ASSERT_FALSE(unset.ok());  // PATH is set in the process, but no lookup was given
  EXPECT_EQ(unset.error().message, "${env:PATH}: the variable is not set");
  EvaluationContext ctx{kData, [](std::string_view name) -> std::optional<std::string> {
                          if (name == "REGION") return "me-central-1";
                          return std::nullopt;
                        }};
  EXPECT_EQ(*resolve(ref("env:REGION"), ctx), "me-central-1");
  EXPECT_FALSE(resolve(ref("env:OTHER"), ctx).ok());
  EXPECT_TRUE(exists(ref("env:REGION"), ctx));
  EXPECT_FALSE(exists(ref("env:OTHER"), ctx));
}

TEST(Reference, ExistsIsFalseForMissingAndNull) {
  EvaluationContext ctx{kData, nullptr};
  EXPECT_TRUE(exists(ref("steps.room.output.provider_room_id"), ctx));
  EXPECT_FALSE(exists(ref("steps.room.output.gone"), ctx));
  EXPECT_FALSE(exists(ref("steps.room.output.nope"), ctx));
  EXPECT_FALSE(exists(ref("steps.skipped.output"), ctx));
  EXPECT_TRUE(exists(ref("steps.skipped.status"), ctx));
}

}  // namespace
}  // namespace wasl::workflow
