#include "plugins/nphies/nphies_billing_gateway.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "plugins/nphies/message_ids.hpp"
#include "plugins/nphies/tests/test_claims.hpp"
#include "wasl/sdk/testing/fake_host.hpp"
#include "wasl/sdk/timestamp.hpp"

namespace wasl::plugins::nphies {
namespace {

using nlohmann::json;
using sdk::ErrorCode;
using sdk::testing::FakeHost;
using ::testing::HasSubstr;
using testing::test_claim;
using testing::test_eligibility;
using testing::test_settings;

const std::string kUrl = "https://exchange.test/$process-message";
const std::string kEvents = "http://nphies.sa/terminology/CodeSystem/ksa-message-events";

std::string http_date(std::chrono::system_clock::time_point t) {
  return sdk::format_http_date(
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
}

// An answer message of `event` to the request with idempotency key `key`.
json answer(const std::string& event, const std::string& key, json focal) {
  json header = {{"resourceType", "MessageHeader"},
                 {"id", "answer-" + key},
                 {"eventCoding", {{"system", kEvents}, {"code", event}}},
                 {"response", {{"identifier", message_ids(key).message_header_id}, {"code", "ok"}}},
                 {"focus", json::array({{{"reference", "http://payer.test/X/1"}}})}};
  return {{"resourceType", "Bundle"},
          {"type", "message"},
          {"entry", json::array({{{"fullUrl", "urn:uuid:h"}, {"resource", header}},
                                 {{"fullUrl", "http://payer.test/X/1"}, {"resource", focal}}})}};
}

json eligible() {
  return {{"resourceType", "CoverageEligibilityResponse"},
          {"identifier", json::array({{{"system", "http://payer.test/e"}, {"value", "resp_9"}}})},
          {"outcome", "complete"},
          {"insurance", json::array({{{"inforce", true}}})}};
}

json adjudicated(const std::string& outcome) {
  return {{"resourceType", "ClaimResponse"},
          {"outcome", outcome},
          {"extension", json::array({{{"url",
                                       "http://nphies.sa/fhir/ksa/nphies-fs/StructureDefinition/"
                                       "extension-adjudication-outcome"},
                                      {"valueCodeableConcept",
                                       {{"coding", json::array({{{"code", "approved"}}})}}}}})}};
}

class GatewayTest : public ::testing::Test {
 protected:
  GatewayTest() : host_(testing::test_settings_json(), "billing.nphies-test") {
    host_.set_now(now_);
    host_.set_client_certificate(sdk::ClientCertificate{"CN=N-F-00001", "CN=Test CA"});
  }

  void respond(int status, const json& body,
               std::vector<std::pair<std::string, std::string>> headers = {}) {
    sdk::HttpResponse r;
    r.status = status;
    r.body = body.is_string() ? body.get<std::string>() : body.dump();
    r.headers = std::move(headers);
    r.headers.emplace_back("Date", http_date(now_));
    host_.respond("POST", kUrl, r);
  }

  std::chrono::system_clock::time_point now_ =
      std::chrono::system_clock::time_point(std::chrono::seconds(1763719200));
  FakeHost host_;
  NphiesBillingGateway gateway_{host_, test_settings()};
};

TEST_F(GatewayTest, EligibilityGoesOverMutualTlsAndIsRead) {
  respond(200, answer("eligibility-response", "wasl-eligibility-1", eligible()));
  auto r = gateway_.check_eligibility(test_eligibility());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->approved);
  EXPECT_EQ(r->request_id, "wasl-eligibility-1");
  EXPECT_EQ(r->response_id, "resp_9");
  ASSERT_EQ(host_.requests().size(), 1u);
  const sdk::HttpRequest sent = host_.requests()[0];
  EXPECT_TRUE(sent.mutual_tls);
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.url, kUrl);
  sdk::HttpResponse as_sent;
  as_sent.headers = sent.headers;
  EXPECT_EQ(as_sent.header("content-type"), "application/fhir+json");
  EXPECT_EQ(json::parse(sent.body)["id"], message_ids("wasl-eligibility-1").bundle_id);
}

TEST_F(GatewayTest, AnAnswerToAnotherMessageIsNotTaken) {
  respond(200, answer("eligibility-response", "someone-else", eligible()));
  auto r = gateway_.check_eligibility(test_eligibility());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(r.error().message, HasSubstr("responds to another message"));
}

TEST_F(GatewayTest, ClaimAnsweredQueuedAndTimeoutsCountAsQueued) {
  const std::string key = test_claim().idempotency_key;
  respond(200, answer("claim-response", key, adjudicated("queued")));
  auto queued = gateway_.submit_claim(test_claim());
  ASSERT_TRUE(queued.ok()) << queued.error().message;
  EXPECT_EQ(queued->status, "queued");
  EXPECT_EQ(queued->request_message_id, message_ids(key).message_header_id);

  host_.fail("POST", kUrl, sdk::Error(ErrorCode::kDeadlineExceeded, "timed out", true));
  auto timed_out = gateway_.submit_claim(test_claim());
  ASSERT_TRUE(timed_out.ok()) << timed_out.error().message;
  EXPECT_EQ(timed_out->status, "queued");
  EXPECT_EQ(timed_out->request_message_id, message_ids(key).message_header_id);
  // Eligibility is never queued: a timeout stays an error to retry.
  auto eligibility = gateway_.check_eligibility(test_eligibility());
  ASSERT_FALSE(eligibility.ok());
  EXPECT_EQ(eligibility.error().code, ErrorCode::kDeadlineExceeded);
}

TEST_F(GatewayTest, StatusesAreClassified) {
  respond(429, "", {{"Retry-After", "7"}});
  auto busy = gateway_.submit_claim(test_claim());
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().code, ErrorCode::kResourceExhausted);
  EXPECT_TRUE(busy.error().retryable);
  EXPECT_EQ(busy.error().retry_after, std::chrono::milliseconds(7000));

  respond(500, json{{"resourceType", "OperationOutcome"}});
  auto failed = gateway_.submit_claim(test_claim());
  EXPECT_EQ(failed.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(failed.error().retryable);

  respond(400,
          json{{"resourceType", "OperationOutcome"},
               {"issue",
                json::array({{{"severity", "error"},
                              {"code", "invalid"},
                              {"details", {{"text", "the first entry must be the MessageHeader"}}},
                              {"expression", json::array({"Bundle.entry[0]"})}}})}});
  auto malformed = gateway_.submit_claim(test_claim());
  EXPECT_EQ(malformed.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(malformed.error().retryable);
  EXPECT_THAT(malformed.error().message,
              HasSubstr("(the message was refused as malformed): the first entry must be the "
                        "MessageHeader "
                        "(Bundle.entry[0])"));

  respond(404, "");
  EXPECT_EQ(gateway_.submit_claim(test_claim()).error().code, ErrorCode::kFailedPrecondition);
  respond(200, "<html>gateway</html>");
  auto garbage = gateway_.submit_claim(test_claim());
  EXPECT_EQ(garbage.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(garbage.error().retryable);
}

TEST_F(GatewayTest, ABusinessErrorIsASuccessfulCall) {
  json rejected = {
      {"resourceType", "ClaimResponse"},
      {"outcome", "error"},
      {"error", json::array({{{"code",
                               {{"coding", json::array({{{"system",
                                                          "http://nphies.sa/terminology/CodeSystem/"
                                                          "adjudication-error"},
                                                         {"code", "1680"}}})}}}}})}};
  respond(200, answer("claim-response", test_claim().idempotency_key, rejected));
  auto r = gateway_.submit_claim(test_claim());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, "error");
  EXPECT_FALSE(r->approved);
  EXPECT_EQ(r->errors, std::vector<std::string>{"1680"});
}

TEST_F(GatewayTest, ClockSkewSetsTheAnswerAsideAndStopsSending) {
  sdk::HttpResponse late;
  late.status = 200;
  late.body = answer("eligibility-response", "wasl-eligibility-1", eligible()).dump();
  late.headers = {{"Date", http_date(now_ + std::chrono::minutes(20))}};
  host_.respond("POST", kUrl, late);
  auto first = gateway_.check_eligibility(test_eligibility());
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(first.error().retryable);
  EXPECT_THAT(first.error().message, HasSubstr("1200 s behind the exchange's Date"));
  EXPECT_EQ(host_.requests().size(), 1u);

  auto second = gateway_.submit_claim(test_claim());
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(second.error().message, HasSubstr("not sent"));
  EXPECT_EQ(host_.requests().size(), 1u);  // refused without sending

  // After clock_recheck (60 s) one message goes out to measure again.
  now_ += std::chrono::seconds(61);
  host_.set_now(now_);
  respond(200, answer("eligibility-response", "wasl-eligibility-1", eligible()));
  EXPECT_TRUE(gateway_.check_eligibility(test_eligibility()).ok());
  EXPECT_EQ(host_.requests().size(), 2u);
}

TEST_F(GatewayTest, WithoutAClientCertificateNothingGoesOutInClear) {
  FakeHost bare(testing::test_settings_json(), "billing.nphies-test");
  NphiesBillingGateway gateway(bare, test_settings());
  auto r = gateway.submit_claim(test_claim());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(r.error().retryable);
  EXPECT_THAT(r.error().message, HasSubstr("billing.nphies-test"));
}

TEST_F(GatewayTest, PollReadsEveryAnswerAndAcknowledgeAnswersTheMessage) {
  json nested = answer("claim-response", test_claim().idempotency_key, adjudicated("complete"));
  json poll =
      answer("poll-response", "wasl-poll-1", {{"resourceType", "Task"}, {"status", "completed"}});
  poll["entry"].push_back({{"fullUrl", "http://nphies.sa/Bundle/1"}, {"resource", nested}});
  respond(200, poll);
  sdk::PollRequest request;
  request.idempotency_key = "wasl-poll-1";
  request.provider_license = "N-F-00001";
  auto answers = gateway_.poll(request);
  ASSERT_TRUE(answers.ok()) << answers.error().message;
  ASSERT_EQ(answers->size(), 1u);
  EXPECT_TRUE((*answers)[0].approved);
  EXPECT_EQ((*answers)[0].request_message_id,
            message_ids(test_claim().idempotency_key).message_header_id);

  json ack = answer("acknowledgement", "wasl-ack-1", json::object());
  ack["entry"][0]["resource"].erase("focus");
  ack["entry"].erase(1);
  respond(200, ack);
  auto done = gateway_.acknowledge({"wasl-ack-1", (*answers)[0].message_id, "N-F-00001"});
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_TRUE(done->acknowledged);
}

}  // namespace
}  // namespace wasl::plugins::nphies
