// hub.alert (hub/consultations/consultation_alerts.cpp): the alert names the
// run's consultation on the run's video instance, in the hub's own words,
// once per step attempt's key.
#include "hub/consultations/consultation_alerts.hpp"

#include <gtest/gtest.h>

namespace wasl::consultations {
namespace {

class ConsultationAlertsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.facilities["f1"].bindings["video"] = "video.now";
    ASSERT_TRUE(add_alert_action(actions_, config_, health_).ok());
  }

  workflow::HubActionContext context(const std::string& key = "run-1/alert/1") {
    workflow::HubActionContext ctx;
    ctx.run_id = "run-1";
    ctx.facility_id = "f1";
    ctx.consultation_id = "c1";
    ctx.step_id = "clinician_alert";
    ctx.idempotency_key = key;
    ctx.bindings = {{"video", "video.kept"}};
    return ctx;
  }

  std::vector<plugin_host::InstanceAlert> alerts() const {
    return health_.alerts([](const plugin_host::InstanceAlert&) { return true; }, 0, 100);
  }

  config::Config config_;
  plugin_host::InstanceHealth health_{[] { return std::int64_t{1000}; }};
  workflow::HubActions actions_;
};

TEST_F(ConsultationAlertsTest, RaisesOnTheRunsVideoInstanceOncePerKey) {
  const auto* alert = actions_.find("hub.alert");
  ASSERT_NE(alert, nullptr);
  EXPECT_EQ(alert->mode, workflow::HubActionMode::kStandalone);
  auto out = alert->action(context(), {{"kind", "clinician_no_show"}});
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(*out, (nlohmann::json{{"kind", "consultation.clinician_no_show"},
                                  {"instance", "video.kept"}}));
  ASSERT_TRUE(alert->action(context(), {{"kind", "clinician_no_show"}}).ok());
  auto raised = alerts();
  ASSERT_EQ(raised.size(), 1u);
  EXPECT_EQ(raised[0].instance, "video.kept");
  EXPECT_EQ(raised[0].kind, "consultation.clinician_no_show");
  EXPECT_EQ(raised[0].message, "consultation c1: clinician_no_show");

  // Without a kept binding, the facility's current video instance.
  auto ctx = context("run-2/alert/1");
  ctx.bindings.clear();
  ASSERT_TRUE(alert->action(ctx, {{"kind", "clinician_no_show"}}).ok());
  EXPECT_EQ(alerts().front().instance, "video.now");
}

TEST_F(ConsultationAlertsTest, AKindIsACodeAndTheRunNeedsAConsultationAndAVideoInstance) {
  const auto* alert = actions_.find("hub.alert");
  for (const nlohmann::json& input :
       {nlohmann::json::object(), nlohmann::json{{"kind", "The patient Fatima"}},
        nlohmann::json{{"kind", 7}}, nlohmann::json{{"kind", ""}}}) {
    auto out = alert->action(context(), input);
    ASSERT_FALSE(out.ok()) << input.dump();
    EXPECT_EQ(out.error().code, sdk::ErrorCode::kInvalidArgument);
  }
  auto ctx = context();
  ctx.consultation_id.clear();
  EXPECT_EQ(alert->action(ctx, {{"kind", "x"}}).error().code, sdk::ErrorCode::kFailedPrecondition);
  ctx = context();
  ctx.bindings.clear();
  ctx.facility_id = "f9";
  EXPECT_EQ(alert->action(ctx, {{"kind", "x"}}).error().code, sdk::ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(alerts().empty());
}

}  // namespace
}  // namespace wasl::consultations
