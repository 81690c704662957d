#include "plugins/sandbox/sandbox_report_sink.hpp"

#include <gtest/gtest.h>

#include "plugins/sandbox/tests/effects_table.hpp"
#include "plugins/sandbox/tests/sandbox_fixture.hpp"

namespace wasl::plugins::sandbox {
namespace {

using nlohmann::json;
using sdk::ErrorCode;
using testing::read_effect;

class SandboxReportSinkTest : public testing::SandboxFixture {
 protected:
  static sdk::Report report(const std::string& key) {
    sdk::Report r;
    r.idempotency_key = key;
    r.kind = "consultation";
    r.facility_id = "sandbox";
    r.body = {{"resourceType", "MeasureReport"}};
    return r;
  }
};

TEST_F(SandboxReportSinkTest, AReportIsAcceptedOncePerKey) {
  auto sink = make<SandboxReportSink>(settings());
  ASSERT_TRUE(sink);
  auto receipt = sink->submit_report(report("run1:report"));
  ASSERT_TRUE(receipt.ok()) << receipt.error().message;
  EXPECT_EQ(receipt->status, "accepted");
  EXPECT_EQ(receipt->receipt_id.rfind("sandbox-receipt-", 0), 0u);
  EXPECT_EQ(receipt->received_at_ms, kStartMs);

  auto repeat = sink->submit_report(report("run1:report"));
  ASSERT_TRUE(repeat.ok());
  EXPECT_EQ(json(*repeat), json(*receipt));
  auto other = sink->submit_report(report("run2:report"));
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->receipt_id, receipt->receipt_id);

  auto row = read_effect(state_file(), "submit_report", "run1:report");
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->calls, 2);
  EXPECT_EQ(json::parse(row->result)["receipt_id"], receipt->receipt_id);
}

TEST_F(SandboxReportSinkTest, FailFirstAttemptSurvivesARestart) {
  json lossy = settings({{"fail_first_attempt", true}});
  auto sink = make<SandboxReportSink>(lossy);
  ASSERT_TRUE(sink);
  auto lost = sink->submit_report(report("run1:report"));
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(lost.error().retryable);
  sink.reset();
  auto restarted = make<SandboxReportSink>(lossy);
  ASSERT_TRUE(restarted);
  auto retried = restarted->submit_report(report("run1:report"));
  ASSERT_TRUE(retried.ok()) << retried.error().message;
  EXPECT_EQ(retried->status, "accepted");
  EXPECT_EQ(read_effect(state_file(), "submit_report", "run1:report")->calls, 2);
}

TEST_F(SandboxReportSinkTest, BadReportsChangeNothing) {
  auto sink = make<SandboxReportSink>(settings());
  ASSERT_TRUE(sink);
  EXPECT_EQ(sink->submit_report(report("")).error().code, ErrorCode::kInvalidArgument);
  sdk::Report no_kind = report("run1:report");
  no_kind.kind.clear();
  EXPECT_EQ(sink->submit_report(no_kind).error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(read_effect(state_file(), "submit_report", "run1:report").has_value());
}

}  // namespace
}  // namespace wasl::plugins::sandbox
