#include "plugins/sandbox/settings.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace wasl::plugins::sandbox {
namespace {

using nlohmann::json;
using sdk::ErrorCode;

TEST(SandboxSettingsTest, DefaultsMatchTheSchema) {
  auto s = parse_settings({{"state_file", "var/sandbox.db"}});
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->state_file, "var/sandbox.db");
  EXPECT_FALSE(s->fail_first_attempt);
  EXPECT_TRUE(s->eligibility_approved);
  EXPECT_EQ(s->claim_outcome, ClaimOutcome::kApproved);
}

TEST(SandboxSettingsTest, EveryChoiceIsRead) {
  auto s = parse_settings({{"state_file", "/tmp/s.db"},
                           {"fail_first_attempt", true},
                           {"eligibility", "denied"},
                           {"claim_outcome", "queued"}});
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(s->fail_first_attempt);
  EXPECT_FALSE(s->eligibility_approved);
  EXPECT_EQ(s->claim_outcome, ClaimOutcome::kQueued);
  auto rejected = parse_settings({{"state_file", "/tmp/s.db"}, {"claim_outcome", "rejected"}});
  ASSERT_TRUE(rejected.ok());
  EXPECT_EQ(rejected->claim_outcome, ClaimOutcome::kRejected);
}

TEST(SandboxSettingsTest, BadSettingsAreRefusedNamingTheSetting) {
  const std::vector<std::pair<json, std::string>> cases = {
      {json::object(), "state_file is required"},
      {{{"state_file", ""}}, "state_file is required"},
      {{{"state_file", 7}}, "state_file is required"},
      {{{"state_file", "s.db"}, {"coverage", false}}, "unknown setting coverage"},
      {{{"state_file", "s.db"}, {"fail_first_attempt", 1}},
       "fail_first_attempt must be true or false"},
      {{{"state_file", "s.db"}, {"eligibility", "maybe"}},
       "eligibility must be one of approved, denied"},
      {{{"state_file", "s.db"}, {"claim_outcome", "paid"}},
       "claim_outcome must be one of approved, rejected, queued"},
      {{{"state_file", "s.db"}, {"claims", "approved"}}, "unknown setting claims"},
      {json::array(), "must be an object"},
  };
  for (const auto& [settings, expected] : cases) {
    auto s = parse_settings(settings);
    ASSERT_FALSE(s.ok()) << settings.dump();
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
    EXPECT_FALSE(s.error().retryable);
    EXPECT_NE(s.error().message.find(expected), std::string::npos) << s.error().message;
    EXPECT_EQ(s.error().message.rfind("sandbox settings: ", 0), 0u) << s.error().message;
  }
}

TEST(SandboxSettingsTest, ABadValueIsNotQuoted) {
  auto s = parse_settings({{"state_file", "s.db"}, {"eligibility", "secret-looking-value"}});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().message.find("secret-looking-value"), std::string::npos);
}

}  // namespace
}  // namespace wasl::plugins::sandbox
