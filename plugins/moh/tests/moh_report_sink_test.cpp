#include "plugins/moh/moh_report_sink.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "plugins/moh/tests/sample_reports.hpp"
#include "wasl/sdk/testing/fake_host.hpp"
#include "wasl/sdk/testing/schema_settings.hpp"

namespace wasl::plugins::moh {
namespace {

using nlohmann::json;
using sdk::testing::FakeHost;

constexpr const char* kBase = "https://moh.test/fhir";
const std::string kSchema = WASL_SOURCE_DIR "/plugins/moh/schema.json";

// As the hub hands them over: checked against schema.json, defaults filled in.
json with_schema(const json& settings) {
  return sdk::testing::settings_from_schema(kSchema, settings);
}

json message_response(const std::string& code) {
  return {{"resourceType", "Bundle"},
          {"id", "receipt-1"},
          {"type", "message"},
          {"entry",
           {{{"resource",
              {{"resourceType", "MessageHeader"},
               {"response", {{"identifier", "x"}, {"code", code}}}}}}}}};
}

sdk::HttpResponse answer(int status, const json& body,
                         std::vector<std::pair<std::string, std::string>> headers = {}) {
  sdk::HttpResponse r;
  r.status = status;
  r.body = body.dump();
  r.headers = std::move(headers);
  return r;
}

std::string header(const sdk::HttpRequest& request, const std::string& name) {
  for (const auto& [k, v] : request.headers) {
    if (k == name) return v;
  }
  return {};
}

class MohReportSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("wasl-moh-test-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<MohReportSink> sink(FakeHost& host) {
    auto settings = parse_settings(host.settings(), host);
    EXPECT_TRUE(settings.ok()) << settings.error().message;
    return std::make_unique<MohReportSink>(host, std::move(*settings));
  }

  static std::string read(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  std::filesystem::path dir_;
};

TEST_F(MohReportSinkTest, AConsultationIsPostedAsAMessageWithTheBearerToken) {
  FakeHost host(with_schema(json{{"base_url", kBase}, {"bearer_token", "tok-1"}}));
  host.respond("POST", std::string(kBase) + "/$process-message",
               answer(200, message_response("ok")));
  auto receipt = sink(host)->submit_report(testing::sample_consultation_report());
  ASSERT_TRUE(receipt.ok()) << receipt.error().message;
  EXPECT_EQ(receipt->receipt_id, "receipt-1");
  EXPECT_EQ(receipt->status, "accepted");
  auto requests = host.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(header(requests[0], "Authorization"), "Bearer tok-1");
  EXPECT_EQ(header(requests[0], "Content-Type"), "application/fhir+json");
  EXPECT_EQ(header(requests[0], "Idempotency-Key"), "wasl-0123456789abcdef0123456789abcdef");
  json sent = json::parse(requests[0].body);
  EXPECT_EQ(sent["type"], "message");
}

TEST_F(MohReportSinkTest, AResendAnswersTheStoredReceiptWithoutSendingAgain) {
  FakeHost host(with_schema(json{{"base_url", kBase}, {"bearer_token", "tok-1"}}));
  host.respond("POST", std::string(kBase) + "/$process-message",
               answer(200, message_response("ok")));
  auto s = sink(host);
  auto first = s->submit_report(testing::sample_consultation_report());
  ASSERT_TRUE(first.ok());
  auto again = s->submit_report(testing::sample_consultation_report());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(json(*again), json(*first));
  EXPECT_EQ(host.requests().size(), 1u);
  // A new sink on the same state (a restart) still answers from it.
  auto after_restart = sink(host)->submit_report(testing::sample_consultation_report());
  ASSERT_TRUE(after_restart.ok());
  EXPECT_EQ(host.requests().size(), 1u);
}

TEST_F(MohReportSinkTest, AnAggregateIsAConditionalCreateAndAFileDrop) {
  FakeHost host(with_schema(json{
      {"base_url", kBase}, {"bearer_token", "tok-1"}, {"file_drop_directory", dir_.string()}}));
  host.respond("POST", std::string(kBase) + "/MeasureReport",
               answer(201, {{"resourceType", "MeasureReport"}, {"id", "mr-77"}}));
  auto receipt = sink(host)->submit_report(testing::sample_aggregate_report());
  ASSERT_TRUE(receipt.ok()) << receipt.error().message;
  EXPECT_EQ(receipt->receipt_id, "mr-77");
  auto requests = host.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(header(requests[0], "If-None-Exist"),
            "identifier=urn:wasl:report-id|wasl-fedcba9876543210fedcba9876543210");
  const auto json_file = dir_ / "hospital-a_2025-03-01_measure-report.json";
  const auto csv_file = dir_ / "hospital-a_2025-03-01_measure-report.csv";
  ASSERT_TRUE(std::filesystem::exists(json_file));
  ASSERT_TRUE(std::filesystem::exists(csv_file));
  EXPECT_EQ(json::parse(read(json_file)), json::parse(requests[0].body));
  EXPECT_EQ(read(csv_file).rfind("facility_id,", 0), 0u);
  EXPECT_EQ(receipt->raw["files"].size(), 2u);
  // Nothing but the two files: no temporary file is left behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_),
                          std::filesystem::directory_iterator()),
            2);
}

TEST_F(MohReportSinkTest, AFileDropAloneIsItsOwnReceipt) {
  FakeHost host(with_schema(json{{"file_drop_directory", dir_.string()}}));
  auto receipt = sink(host)->submit_report(testing::sample_consultation_report());
  ASSERT_TRUE(receipt.ok()) << receipt.error().message;
  EXPECT_EQ(receipt->status, "accepted");
  EXPECT_TRUE(std::filesystem::exists(dir_ / "hospital-a_2025-03-01_consultation-c-1.json"));
  EXPECT_TRUE(host.requests().empty());
}

TEST_F(MohReportSinkTest, StatusesMapToRetryableAndPermanentErrors) {
  struct Case {
    int status;
    sdk::ErrorCode code;
    bool retryable;
  };
  for (const Case& c : {Case{429, sdk::ErrorCode::kUnavailable, true},
                        Case{503, sdk::ErrorCode::kUnavailable, true},
                        Case{422, sdk::ErrorCode::kInvalidArgument, false},
                        Case{401, sdk::ErrorCode::kUnauthenticated, false},
                        Case{404, sdk::ErrorCode::kFailedPrecondition, false}}) {
    FakeHost host(with_schema(json{{"base_url", kBase}, {"bearer_token", "tok-1"}}));
    host.respond("POST", std::string(kBase) + "/$process-message",
                 answer(c.status,
                        {{"resourceType", "OperationOutcome"},
                         {"issue",
                          {{{"severity", "error"},
                            {"code", "invalid"},
                            {"diagnostics", "Bundle.entry[2]: bad"}}}}},
                        {{"Retry-After", "7"}}));
    auto receipt = sink(host)->submit_report(testing::sample_consultation_report());
    ASSERT_FALSE(receipt.ok()) << c.status;
    EXPECT_EQ(receipt.error().code, c.code) << c.status;
    EXPECT_EQ(receipt.error().retryable, c.retryable) << c.status;
    EXPECT_NE(receipt.error().message.find("Bundle.entry[2]: bad"), std::string::npos);
    if (c.status == 429) {
      ASSERT_TRUE(receipt.error().retry_after.has_value());
      EXPECT_EQ(receipt.error().retry_after->count(), 7000);
    }
    EXPECT_TRUE(host.state().empty()) << "no receipt is kept for a failure";
  }
}

TEST_F(MohReportSinkTest, ATransientMessageResponseIsRetried) {
  FakeHost host(with_schema(json{{"base_url", kBase}, {"bearer_token", "tok-1"}}));
  host.respond("POST", std::string(kBase) + "/$process-message",
               answer(200, message_response("transient-error")));
  auto receipt = sink(host)->submit_report(testing::sample_consultation_report());
  ASSERT_FALSE(receipt.ok());
  EXPECT_TRUE(receipt.error().retryable);
}

TEST(MohSettings, ProblemsAreNamed) {
  auto problem = [](json settings) {
    FakeHost host(with_schema(settings));
    auto parsed = parse_settings(host.settings(), host);
    EXPECT_FALSE(parsed.ok()) << settings.dump();
    return parsed.ok() ? std::string() : parsed.error().message;
  };
  EXPECT_NE(problem(json::object()).find("file_drop_directory"), std::string::npos);
  EXPECT_NE(problem({{"base_url", kBase}}).find("bearer_token"), std::string::npos);
  EXPECT_NE(problem({{"base_url", kBase}, {"auth", "mutual_tls"}}).find("client_cert_file"),
            std::string::npos);
  FakeHost with_secret(with_schema(json{{"base_url", kBase}}));
  with_secret.set_secret("bearer_token", "from-secret");
  auto parsed = parse_settings(with_secret.settings(), with_secret);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->bearer_token, "from-secret");
  EXPECT_EQ(parsed->request_timeout, std::chrono::milliseconds(30000));
}

// Reports carry PHI and the bearer token: plain http only to a loopback
// receiver.
TEST(MohSettings, APlainHttpBaseUrlIsRefusedExceptLoopback) {
  FakeHost remote(
      with_schema(json{{"base_url", "http://moh.example/fhir"}, {"bearer_token", "t"}}));
  auto refused = parse_settings(remote.settings(), remote);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.error().message.find("base_url must be https://"), std::string::npos)
      << refused.error().message;
  FakeHost loopback(
      with_schema(json{{"base_url", "http://127.0.0.1:4570/fhir"}, {"bearer_token", "t"}}));
  EXPECT_TRUE(parse_settings(loopback.settings(), loopback).ok());
}

// What the schema states, the hub refuses (naming the setting) before the
// plugin sees it.
TEST(MohSettings, TheSchemaRefusesBadValues) {
  const json schema = sdk::testing::read_schema(kSchema);
  auto violations = [&schema](const json& settings) {
    return sdk::testing::schema_violations(schema, sdk::with_schema_defaults(schema, settings));
  };
  EXPECT_TRUE(violations({{"base_url", kBase}}).empty());
  for (const auto& [settings, key] : std::vector<std::pair<json, std::string>>{
           {json{{"base_url", "ftp://x"}}, "base_url"},
           {json{{"base_url", "https://a b"}}, "base_url"},
           {json{{"base_url", kBase}, {"auth", "basic"}}, "auth"},
           {json{{"base_url", kBase}, {"request_timeout_ms", 10}}, "request_timeout_ms"}}) {
    auto found = violations(settings);
    ASSERT_FALSE(found.empty()) << settings.dump();
    EXPECT_NE(found.front().find(key), std::string::npos) << found.front();
  }
}

// Files at rest outside the hub's encryption hold no patient identifier, are
// readable by the hub's user only, never replace another report's file and
// are deleted after the facility's retention.
TEST_F(MohReportSinkTest, AConsultationFileHoldsNoPatientIdentifierAndIsOwnerOnly) {
  FakeHost host(with_schema(json{{"file_drop_directory", dir_.string()}}));
  auto receipt = sink(host)->submit_report(testing::sample_consultation_report(true));
  ASSERT_TRUE(receipt.ok()) << receipt.error().message;
  const auto file = dir_ / "hospital-a_2025-03-01_consultation-c-1.json";
  ASSERT_TRUE(std::filesystem::exists(file));
  const std::string text = read(file);
  EXPECT_EQ(text.find("2123456789"), std::string::npos);
  EXPECT_EQ(text.find("فاطمة"), std::string::npos);
  EXPECT_NE(text.find("\"Patient\""), std::string::npos);
  EXPECT_EQ(std::filesystem::status(file).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

TEST_F(MohReportSinkTest, TheHttpsMessageStillIdentifiesThePatient) {
  FakeHost host(with_schema(json{
      {"base_url", kBase}, {"bearer_token", "tok-1"}, {"file_drop_directory", dir_.string()}}));
  host.respond("POST", std::string(kBase) + "/$process-message",
               answer(200, message_response("ok")));
  ASSERT_TRUE(sink(host)->submit_report(testing::sample_consultation_report()).ok());
  ASSERT_EQ(host.requests().size(), 1u);
  EXPECT_NE(host.requests()[0].body.find("2123456789"), std::string::npos);
}

TEST_F(MohReportSinkTest, AnExistingReportFileIsNeverReplaced) {
  std::filesystem::create_directories(dir_);
  const auto file = dir_ / "hospital-a_2025-03-01_consultation-c-1.json";
  std::ofstream(file) << "another facility's report\n";
  FakeHost host(with_schema(json{{"file_drop_directory", dir_.string()}}));
  auto receipt = sink(host)->submit_report(testing::sample_consultation_report());
  ASSERT_TRUE(receipt.ok()) << receipt.error().message;
  EXPECT_EQ(read(file), "another facility's report\n");
  const auto own = dir_ /
                   "hospital-a_2025-03-01_consultation-c-1-wasl-"
                   "0123456789abcdef0123456789abcdef.json";
  EXPECT_TRUE(std::filesystem::exists(own));
  EXPECT_EQ(receipt->raw["files"][0], own.string());
}

TEST_F(MohReportSinkTest, FilesPastTheFacilityRetentionAreDeleted) {
  std::filesystem::create_directories(dir_);
  const auto old_a = dir_ / "hospital-a_2024-01-01_measure-report.json";
  const auto recent_a = dir_ / "hospital-a_2025-02-20_measure-report.json";
  const auto old_b = dir_ / "hospital-b_2024-01-01_measure-report.json";
  for (const auto& p : {old_a, recent_a, old_b}) std::ofstream(p) << "{}\n";
  const auto now = std::chrono::system_clock::now();
  auto age = [&](const std::filesystem::path& p, int days) {
    std::filesystem::last_write_time(
        p, std::filesystem::file_time_type::clock::now() - std::chrono::hours(24) * days);
  };
  age(old_a, 40);
  age(recent_a, 10);
  age(old_b, 40);
  FakeHost host(with_schema(json{{"file_drop_directory", dir_.string()}}));
  host.set_now(now);
  sdk::Report report = testing::sample_aggregate_report();
  report.body["facility"]["retention_days"] = 30;
  ASSERT_TRUE(sink(host)->submit_report(report).ok());
  EXPECT_FALSE(std::filesystem::exists(old_a));
  EXPECT_TRUE(std::filesystem::exists(recent_a));
  EXPECT_TRUE(std::filesystem::exists(old_b));  // another facility's retention
  EXPECT_TRUE(std::filesystem::exists(dir_ / "hospital-a_2025-03-01_measure-report.json"));
}

TEST_F(MohReportSinkTest, CsvCellsNeverStartAFormula) {
  FakeHost host(with_schema(json{{"file_drop_directory", dir_.string()}}));
  sdk::Report report = testing::sample_aggregate_report();
  report.body["measures"]["by_specialty"] = {
      {"=HYPERLINK(\"http://x\")", 1}, {"+1", 1}, {"-2", 1}, {"@SUM(A1)", 1}, {"\tTab", 1}};
  ASSERT_TRUE(sink(host)->submit_report(report).ok());
  const std::string csv = read(dir_ / "hospital-a_2025-03-01_measure-report.csv");
  EXPECT_EQ(csv.find(",=HYPERLINK"), std::string::npos);
  EXPECT_EQ(csv.find(",\"=HYPERLINK"), std::string::npos);
  EXPECT_NE(csv.find(",\"'=HYPERLINK(\"\"http://x\"\")\","), std::string::npos) << csv;
  EXPECT_NE(csv.find(",'+1,'+1,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",'-2,'-2,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",'@SUM(A1),'@SUM(A1),"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",'\tTab,'\tTab,"), std::string::npos) << csv;
}

}  // namespace
}  // namespace wasl::plugins::moh
