#include "hub/app/report_actions.hpp"

#include <gtest/gtest.h>

#include "hub/records/consultation_store.hpp"
#include "tests/unit/records/records_database.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::app {
namespace {

using records::testing::kArabicName;
using records::testing::kFacilityA;
using records::testing::kFacilityB;

constexpr std::int64_t kCreated = 1'700'000'000'000;

class ReportActionsTest : public records::testing::RecordsDatabaseTest {
 protected:
  void SetUp() override {
    RecordsDatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    records::ConsultationStore consultations(*cipher_);
    auto tx = begin();
    ASSERT_OK(consultations.insert(*tx, sample_consultation(kFacilityA, "c-1", kCreated)));
    ASSERT_OK(consultations.insert(*tx, sample_consultation(kFacilityA, "c-2", kCreated + 10)));
    ASSERT_OK(consultations.insert(*tx, sample_consultation(kFacilityB, "c-3", kCreated)));
    ASSERT_OK(consultations.update_status(*tx, kFacilityA, "c-2",
                                          domain::ConsultationStatus::kCancelled, kCreated));
    ASSERT_OK(tx->commit());
    exec_raw("INSERT INTO claims (id, consultation_id, facility_id, state, provider_claim_id, "
             "created_at) VALUES ('cl-1', 'c-1', $1, 'approved', 'CR-1', 5)",
             {std::string(kFacilityA)});
    workflow::HubActions actions;
    add_report_actions(actions);
    action_ = actions.find("hub.build_report")->action;
  }

  sdk::Result<nlohmann::json> build(const nlohmann::json& input,
                                    const std::string& consultation = "c-1") {
    auto tx = begin();
    workflow::HubActionContext ctx;
    ctx.run_id = "run-1";
    ctx.facility_id = kFacilityA;
    ctx.consultation_id = consultation;
    ctx.step_id = "report_body";
    ctx.idempotency_key = "wasl-key";
    ctx.now_ms = kCreated + 7'200'000;
    ctx.tx = tx.get();
    ctx.store = store_.get();
    return action_(ctx, input);
  }

  workflow::HubAction action_;
};

TEST_P(ReportActionsTest, AConsultationReportCarriesWhatTheMinistryNeedsAndNoPhi) {
  ASSERT_OK_AND_ASSIGN(nlohmann::json out,
                       build({{"kind", "consultation"},
                              {"encounter_id", "enc-1"},
                              {"archive_id", "arc-1"},
                              {"idempotency_key", "x"}}));
  sdk::Report report = out.get<sdk::Report>();
  EXPECT_EQ(nlohmann::json(report), out);  // exactly what reporting.submit_report takes
  EXPECT_EQ(report.kind, "consultation");
  EXPECT_EQ(report.facility_id, kFacilityA);
  EXPECT_EQ(report.idempotency_key, "wasl-key");
  const std::int64_t scheduled = kCreated + 3'600'000;  // sample_consultation's
  EXPECT_EQ(report.period_start_ms, scheduled);
  EXPECT_EQ(report.period_end_ms, kCreated + 7'200'000);  // not ended: now
  EXPECT_EQ(report.body["consultation_id"], "c-1");
  EXPECT_EQ(report.body["consultation_type"], "follow_up");
  EXPECT_EQ(report.body["encounter_id"], "enc-1");
  EXPECT_EQ(report.body["archive_id"], "arc-1");
  EXPECT_EQ(report.body["duration_seconds"], 3600);
  EXPECT_EQ(report.body["claim"], (nlohmann::json{{"state", "approved"},
                                                  {"provider_claim_id", "CR-1"}}));
  const std::string text = out.dump();
  for (const std::string& phi : {kArabicName, std::string("1098765432"),
                                 std::string("Patient/7"), std::string("0501234567")}) {
    EXPECT_EQ(text.find(phi), std::string::npos) << phi;
  }
}

TEST_P(ReportActionsTest, TheStepsPeriodWinsAndNoClaimIsNull) {
  ASSERT_OK_AND_ASSIGN(nlohmann::json out, build({{"kind", "consultation"},
                                                  {"period_start_ms", 1000},
                                                  {"period_end_ms", 61'000}},
                                                 "c-2"));
  EXPECT_EQ(out["period_start_ms"], 1000);
  EXPECT_EQ(out["period_end_ms"], 61'000);
  EXPECT_EQ(out["body"]["duration_seconds"], 60);
  EXPECT_TRUE(out["body"]["claim"].is_null());
  EXPECT_TRUE(out["body"]["encounter_id"].is_null());
  EXPECT_EQ(out["body"]["status"], "cancelled");
}

TEST_P(ReportActionsTest, AnAggregateCountsTheFacilitysPeriodOnly) {
  const std::int64_t from = kCreated;
  const std::int64_t to = kCreated + 86'400'000;
  ASSERT_OK_AND_ASSIGN(nlohmann::json out,
                       build({{"kind", "aggregate"}, {"period_start_ms", from},
                              {"period_end_ms", to}}, ""));
  EXPECT_EQ(out["kind"], "aggregate");
  EXPECT_EQ(out["body"]["consultations"]["total"], 2);  // facility B's is not counted
  EXPECT_EQ(out["body"]["consultations"]["by_status"],
            (nlohmann::json{{"scheduled", 1}, {"cancelled", 1}}));
  EXPECT_EQ(out["body"]["consultations"]["by_type"], (nlohmann::json{{"follow_up", 2}}));
  EXPECT_EQ(out["body"]["claims"]["by_state"], (nlohmann::json{{"approved", 1}}));

  ASSERT_OK_AND_ASSIGN(nlohmann::json empty,
                       build({{"kind", "aggregate"}, {"period_start_ms", 1},
                              {"period_end_ms", 2}}, ""));
  EXPECT_EQ(empty["body"]["consultations"]["total"], 0);
}

TEST_P(ReportActionsTest, BadInputsAreClearErrors) {
  auto expect_invalid = [&](const nlohmann::json& input, const std::string& member,
                            const std::string& consultation = "c-1") {
    auto out = build(input, consultation);
    ASSERT_FALSE(out.ok()) << input.dump();
    EXPECT_EQ(out.error().code, sdk::ErrorCode::kInvalidArgument) << out.error().message;
    EXPECT_NE(out.error().message.find("'" + member + "'"), std::string::npos)
        << out.error().message;
  };
  expect_invalid(nlohmann::json::object(), "kind");
  expect_invalid({{"kind", "weekly"}}, "kind");
  expect_invalid({{"kind", "consultation"}, {"encounter_id", 4}}, "encounter_id");
  expect_invalid({{"kind", "aggregate"}}, "period_start_ms");
  expect_invalid({{"kind", "aggregate"}, {"period_start_ms", 5}, {"period_end_ms", 5}},
                 "period_end_ms");
  auto no_consultation = build({{"kind", "consultation"}}, "");
  ASSERT_FALSE(no_consultation.ok());
  EXPECT_EQ(no_consultation.error().code, sdk::ErrorCode::kFailedPrecondition);
}

WASL_RECORDS_INSTANTIATE(ReportActionsTest);

}  // namespace
}  // namespace wasl::app
