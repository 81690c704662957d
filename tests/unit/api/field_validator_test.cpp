#include "hub/api/field_validator.hpp"

#include <gtest/gtest.h>

#include "hub/api/consultation_request.hpp"
#include "hub/workflow/language/workflow_file.hpp"

namespace wasl::api {
namespace {

TEST(FieldValidatorTest, CollectsEveryProblemWithItsPath) {
  nlohmann::json body = {{"name", ""}, {"n", 3}, {"when", "soon"}, {"extra", 1}};
  FieldValidator v;
  EXPECT_FALSE(v.text(body, "name", "patient", 10, true));
  EXPECT_FALSE(v.text(body, "n", "", 10, true));
  EXPECT_FALSE(v.text(body, "missing", "", 10, true));
  EXPECT_FALSE(v.timestamp(body, "when", "", true));
  v.reject_unknown(body, {"name", "n", "when"}, "");
  ASSERT_EQ(v.errors().size(), 5u);
  EXPECT_EQ(v.errors()[0].field, "patient.name");
  EXPECT_EQ(v.errors()[0].code, "empty");
  EXPECT_EQ(v.errors()[1].code, "wrong_type");
  EXPECT_EQ(v.errors()[2].code, "required");
  EXPECT_EQ(v.errors()[3].code, "invalid_format");
  EXPECT_EQ(v.errors()[4].field, "extra");
  EXPECT_EQ(v.errors()[4].code, "unknown_field");
}

TEST(FieldValidatorTest, CountsCharactersNotBytes) {
  FieldValidator v;
  nlohmann::json body = {{"name", "فاطمة"}};
  EXPECT_TRUE(v.text(body, "name", "", 5, true));
  EXPECT_FALSE(v.text(body, "name", "", 4, true));
  EXPECT_EQ(v.errors().back().code, "too_long");
  EXPECT_EQ(v.errors().back().message, "must be at most 4 characters");
}

TEST(ConsultationRequestTest, WorkflowsDeclareTheTriggerMembersTheyRead) {
  auto standard = workflow::validate_workflow_file(std::string(WASL_SOURCE_DIR) +
                                                   "/workflows/consultation.yaml");
  ASSERT_TRUE(standard.ok()) << standard.describe();
  EXPECT_EQ(trigger_members_read(*standard.definition), std::vector<std::string>{"appointment_id"});
  auto emergency =
      workflow::validate_workflow_file(std::string(WASL_SOURCE_DIR) + "/workflows/emergency.yaml");
  ASSERT_TRUE(emergency.ok()) << emergency.describe();
  EXPECT_EQ(trigger_members_read(*emergency.definition),
            (std::vector<std::string>{"patient_id", "practitioner_id"}));
  EXPECT_EQ(request_field_for_trigger("patient_id"), "patient.id");
  EXPECT_EQ(request_field_for_trigger("unknown"), "");
}

TEST(ConsultationRequestTest, TriggerCarriesIdsNotTheInlineSummary) {
  FieldValidator v;
  nlohmann::json body = {{"type", "follow_up"},
                         {"appointment_id", "A1"},
                         {"scheduled_at", "2026-03-01T09:30:00+03:00"},
                         {"patient", {{"id", "P1"}, {"name", "سارة"}, {"phone", "0501234567"}}},
                         {"notes", "follow-up"}};
  ConsultationRequest r = parse_consultation_request(body, 0, 0, v);
  ASSERT_TRUE(v.ok());
  nlohmann::json t = trigger_of(r);
  EXPECT_EQ(t["appointment_id"], "A1");
  EXPECT_EQ(t["patient_id"], "P1");
  EXPECT_EQ(t["scheduled_at"], "2026-03-01T06:30:00.000Z");
  EXPECT_EQ(t["type"], "follow_up");
  EXPECT_EQ(t.dump().find("سارة"), std::string::npos);
  EXPECT_EQ(t.dump().find("0501234567"), std::string::npos);
}

}  // namespace
}  // namespace wasl::api
