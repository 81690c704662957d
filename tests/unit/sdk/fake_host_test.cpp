// The fake host as a vendor uses it: unit-testing the example plugin's
// ReportSink without the hub.
#include "wasl/sdk/testing/fake_host.hpp"

#include <gtest/gtest.h>

#include "hello_report_sink.hpp"
#include "wasl/sdk/testing/schema_settings.hpp"

namespace wasl::sdk::testing {
namespace {

const std::string kHelloSchema = WASL_SOURCE_DIR "/sdk/examples/hello-plugin/schema.json";

TEST(FakeHostTest, HelloSinkAnswersFromSettingsAndRepeatsItsReceipt) {
  FakeHost host(
      settings_from_schema(kHelloSchema, {{"receipt_prefix", "moh-"}, {"greeting", "marhaba"}}),
      "reporting.moh");
  host.set_now(std::chrono::system_clock::time_point(std::chrono::milliseconds(1000)));
  hello::HelloReportSink sink(host);
  Report report;
  report.idempotency_key = "c-1";
  report.kind = "consultation";
  auto first = sink.submit_report(report);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->receipt_id, "moh-c-1");
  EXPECT_EQ(first->message, "marhaba");
  EXPECT_EQ(first->received_at_ms, 1000);

  host.set_now(std::chrono::system_clock::time_point(std::chrono::milliseconds(9000)));
  auto second = sink.submit_report(report);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->received_at_ms, 1000);  // the first receipt, from state
  EXPECT_EQ(host.state().count("receipt:c-1"), 1u);
  ASSERT_EQ(host.logs().size(), 1u);
  EXPECT_EQ(host.logs()[0].second, "accepted a consultation report");
}

TEST(FakeHostTest, HelloSinkReadsTheSchemasDefaults) {
  FakeHost host(settings_from_schema(kHelloSchema, nlohmann::json::object()));
  hello::HelloReportSink sink(host);
  Report report;
  report.idempotency_key = "c-2";
  auto receipt = sink.submit_report(report);
  ASSERT_TRUE(receipt.ok()) << receipt.error().message;
  EXPECT_EQ(receipt->receipt_id, "hello-c-2");
  EXPECT_EQ(receipt->message, "hello");
}

TEST(FakeHostTest, CannedHttpRecordedRequestsAndStreaming) {
  FakeHost host;
  host.respond("GET", "https://peer/x", HttpResponse{200, {{"ETag", "1"}}, "abcdefgh"});
  HttpRequest request;
  request.url = "https://peer/x";
  auto response = host.http(request);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->body, "abcdefgh");
  EXPECT_EQ(response->header("etag"), "1");
  host.stream_chunk_size = 3;
  std::string joined;
  int chunks = 0;
  auto streamed = host.http_streaming(request, [&](std::string_view c) -> Status {
    joined += c;
    ++chunks;
    return {};
  });
  ASSERT_TRUE(streamed.ok());
  EXPECT_EQ(joined, "abcdefgh");
  EXPECT_EQ(chunks, 3);
  EXPECT_TRUE(streamed->body.empty());
  EXPECT_EQ(host.requests().size(), 2u);

  request.url = "https://peer/unknown";
  auto missing = host.http(request);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kUnavailable);
  EXPECT_FALSE(host.secret("absent").ok());
}

}  // namespace
}  // namespace wasl::sdk::testing
