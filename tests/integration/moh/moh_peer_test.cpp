// The MOH plugin (MohReportSink) against the MOH peer: a per-consultation
// message Bundle and an aggregate MeasureReport accepted as R4, a resend
// answered from the stored receipt, a patient name refused unless the
// receiver allows it, the CSV of the file drop parsed back, and a receiver
// that fails twice then accepts holding exactly one report.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "plugins/moh/moh_report_sink.hpp"
#include "plugins/moh/tests/csv_rows.hpp"
#include "plugins/moh/tests/sample_reports.hpp"
#include "tests/peers/support/loopback_host.hpp"
#include "tests/peers/support/peer_process.hpp"

namespace wasl::plugins::moh {
namespace {

using nlohmann::json;
using wasl::testing::LoopbackHost;
using wasl::testing::PeerProcess;
using wasl::testing::SuitePeer;

constexpr const char* kToken = "moh-sandbox-token";

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

class MohPeerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { peer_.start("moh"); }
  static void TearDownTestSuite() { peer_.stop(); }

  void SetUp() override {
    ASSERT_TRUE(peer_.ok()) << peer_.error();
    ASSERT_TRUE(peer_->post("/_peer/reset").ok());
    drop_ = std::filesystem::temp_directory_path() /
            ("wasl-moh-drop-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(drop_);
  }
  void TearDown() override { std::filesystem::remove_all(drop_); }

  json settings(bool file_drop = false) const {
    json s = {{"base_url", peer_->url() + "/fhir"},
              {"auth", "bearer"},
              {"bearer_token", kToken},
              {"request_timeout_ms", 10000}};
    if (file_drop) s["file_drop_directory"] = drop_.string();
    return s;
  }

  // A sink over a host of its own (its own receipt state).
  std::unique_ptr<MohReportSink> sink(LoopbackHost& host) {
    auto parsed = parse_settings(host.settings(), host);
    EXPECT_TRUE(parsed.ok()) << parsed.error().message;
    return std::make_unique<MohReportSink>(host, std::move(*parsed));
  }

  json effects() {
    auto e = peer_->get("/_peer/effects");
    EXPECT_TRUE(e.ok()) << e.error().message;
    return e.ok() ? *e : json::object();
  }

  static SuitePeer peer_;
  std::filesystem::path drop_;
};

SuitePeer MohPeerTest::peer_;

TEST_F(MohPeerTest, AConsultationReportIsAcceptedAndAResendAnswersTheStoredReceipt) {
  LoopbackHost host(settings());
  auto moh = sink(host);
  auto first = moh->submit_report(testing::sample_consultation_report());
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_FALSE(first->receipt_id.empty());
  EXPECT_EQ(effects().value("accepted", -1), 1);

  // The plugin answers a resend from its state: nothing reaches the peer.
  auto again = moh->submit_report(testing::sample_consultation_report());
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->receipt_id, first->receipt_id);
  EXPECT_EQ(effects().value("requests", -1), 1);

  // An instance that lost its state sends again; the peer deduplicates by the
  // report id and answers the same receipt.
  LoopbackHost fresh(settings());
  auto resent = sink(fresh)->submit_report(testing::sample_consultation_report());
  ASSERT_TRUE(resent.ok()) << resent.error().message;
  EXPECT_EQ(resent->receipt_id, first->receipt_id);
  json e = effects();
  EXPECT_EQ(e.value("accepted", -1), 1);
  EXPECT_EQ(e.value("duplicates", -1), 1);
  EXPECT_EQ(e.value("messages", -1), 1);
}

TEST_F(MohPeerTest, APatientNameIsRefusedUnlessTheReceiverAllowsIt) {
  LoopbackHost host(settings());
  auto refused = sink(host)->submit_report(testing::sample_consultation_report(true));
  ASSERT_FALSE(refused.ok());
  EXPECT_FALSE(refused.error().retryable) << refused.error().message;
  EXPECT_NE(refused.error().message.find("name"), std::string::npos) << refused.error().message;
  EXPECT_EQ(effects().value("rejected", -1), 1);

  ASSERT_TRUE(peer_->post("/_peer/config", {{"allowPatientNames", true}}).ok());
  LoopbackHost again(settings());
  auto accepted = sink(again)->submit_report(testing::sample_consultation_report(true));
  ASSERT_TRUE(accepted.ok()) << accepted.error().message;
  EXPECT_EQ(effects().value("accepted", -1), 1);
}

TEST_F(MohPeerTest, AnAggregateIsAMeasureReportAndACsvWithArabicLabels) {
  LoopbackHost host(settings(/*file_drop=*/true));
  auto receipt = sink(host)->submit_report(testing::sample_aggregate_report("ar"));
  ASSERT_TRUE(receipt.ok()) << receipt.error().message;
  EXPECT_EQ(effects().value("measureReports", -1), 1);

  auto reports = peer_->get("/_peer/reports");
  ASSERT_TRUE(reports.ok()) << reports.error().message;
  EXPECT_NE(reports->dump().find("\"MeasureReport\""), std::string::npos);

  const auto json_file = drop_ / "hospital-a_2025-03-01_measure-report.json";
  const auto csv_file = drop_ / "hospital-a_2025-03-01_measure-report.csv";
  ASSERT_TRUE(std::filesystem::exists(json_file));
  ASSERT_TRUE(std::filesystem::exists(csv_file));
  EXPECT_EQ(json::parse(read_file(json_file)).value("resourceType", ""), "MeasureReport");
  for (const auto& entry : std::filesystem::directory_iterator(drop_)) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos)
        << "a temporary file was left: " << entry.path();
  }

  auto rows = testing::csv_rows(read_file(csv_file));
  ASSERT_GE(rows.size(), 2u);
  const auto& header = rows.front();
  ASSERT_EQ(header.size(), 12u);  // with the Hijri columns
  // An Arabic facility gets an Arabic header; the codes stay the same.
  EXPECT_EQ(header.front().find("facility_id"), std::string::npos) << header.front();
  std::map<std::string, std::string> value_of;  // "measure/category" -> value
  std::string completed_label;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    ASSERT_EQ(rows[r].size(), header.size()) << "row " << r;
    value_of[rows[r][7] + "/" + rows[r][9]] = rows[r][11];
    if (rows[r][7] == "completed") completed_label = rows[r][8];
    EXPECT_EQ(rows[r][2], "2025-03-01");
    EXPECT_EQ(rows[r][5], "1446-09-01");
  }
  EXPECT_EQ(value_of["total/"], "9");
  EXPECT_EQ(value_of["completed/"], "5");
  EXPECT_EQ(value_of["cancelled/"], "2");
  EXPECT_EQ(value_of["cancelled/patient_request"], "1");
  EXPECT_EQ(value_of["no_shows/"], "1");
  EXPECT_EQ(value_of["by_specialty/Cardiology, adult"], "4");
  EXPECT_EQ(value_of["by_consultation_type/follow_up"], "2");
  EXPECT_EQ(value_of["session_duration_median_seconds/"], "1200");
  EXPECT_EQ(value_of["session_duration_p90_seconds/"], "2700.5");
  // Arabic script (U+0600–U+06FF is 0xD8–0xDB as a UTF-8 lead byte).
  ASSERT_FALSE(completed_label.empty());
  const auto lead = static_cast<unsigned char>(completed_label.front());
  EXPECT_TRUE(lead >= 0xD8 && lead <= 0xDB) << completed_label;
}

TEST_F(MohPeerTest, AReceiverThatFailsTwiceThenAcceptsHoldsExactlyOneReport) {
  // The first failure loses its answer after storing the report; the second
  // stores nothing. The engine retries what the plugin calls retryable.
  ASSERT_TRUE(
      peer_
          ->post(
              "/_peer/faults",
              json::array({{{"operation", "MeasureReport"}, {"status", 503}, {"afterEffect", true}},
                           {{"operation", "MeasureReport"}, {"status", 500}}}))
          .ok());
  LoopbackHost host(settings());
  auto moh = sink(host);
  int failures = 0;
  sdk::Result<sdk::Receipt> receipt = sdk::Error(sdk::ErrorCode::kInternal, "not sent");
  for (int attempt = 0; attempt < 5; ++attempt) {
    receipt = moh->submit_report(testing::sample_aggregate_report());
    if (receipt.ok()) break;
    EXPECT_TRUE(receipt.error().retryable) << receipt.error().message;
    ++failures;
  }
  ASSERT_TRUE(receipt.ok()) << receipt.error().message;
  EXPECT_EQ(failures, 2);
  json e = effects();
  EXPECT_EQ(e.value("measureReports", -1), 1);
  EXPECT_EQ(e.value("requests", -1), 3);
}

TEST_F(MohPeerTest, AWrongBearerTokenIsUnauthenticated) {
  json s = settings();
  s["bearer_token"] = "not-the-token";
  LoopbackHost host(s);
  auto refused = sink(host)->submit_report(testing::sample_consultation_report());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, sdk::ErrorCode::kUnauthenticated) << refused.error().message;
  EXPECT_EQ(effects().value("unauthorized", -1), 1);
}

}  // namespace
}  // namespace wasl::plugins::moh
