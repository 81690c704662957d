#include "plugins/chime/attendee_role.hpp"

#include <gtest/gtest.h>

namespace wasl::plugins::chime {
namespace {

TEST(AttendeeRoleTest, ObserversReceiveOnly) {
  auto caps = capabilities_for_role("observer");
  ASSERT_TRUE(caps.ok());
  EXPECT_EQ(caps->to_json(),
            nlohmann::json({{"Audio", "Receive"}, {"Video", "Receive"}, {"Content", "Receive"}}));
  EXPECT_EQ(role_from_capabilities(*caps), "observer");
}

TEST(AttendeeRoleTest, ClinicianSharesContentPatientsDoNot) {
  auto clinician = capabilities_for_role("clinician");
  auto patient = capabilities_for_role("patient");
  ASSERT_TRUE(clinician.ok() && patient.ok());
  EXPECT_EQ(clinician->content, "SendReceive");
  EXPECT_EQ(patient->audio, "SendReceive");
  EXPECT_EQ(patient->video, "SendReceive");
  EXPECT_EQ(patient->content, "Receive");  // Content Receive needs Video Receive: kept
  EXPECT_EQ(role_from_capabilities(*clinician), "clinician");
}

TEST(AttendeeRoleTest, RefusesAnUnknownRole) {
  auto caps = capabilities_for_role("admin");
  ASSERT_FALSE(caps.ok());
  EXPECT_EQ(caps.error().code, sdk::ErrorCode::kInvalidArgument);
}

TEST(AttendeeRoleTest, ExternalUserIdKeepsAFittingIdentityAndHashesOthers) {
  EXPECT_EQ(external_user_id_for("participant-42"), "participant-42");
  std::string hashed = external_user_id_for("x");  // too short for the model
  EXPECT_EQ(hashed.rfind("wasl-", 0), 0u);
  EXPECT_EQ(hashed.size(), 45u);
  EXPECT_EQ(hashed, external_user_id_for("x"));
  EXPECT_NE(external_user_id_for("aws:reserved"), "aws:reserved");
  EXPECT_NE(external_user_id_for("مريض-١"), "مريض-١");  // outside the model's characters
}

}  // namespace
}  // namespace wasl::plugins::chime
