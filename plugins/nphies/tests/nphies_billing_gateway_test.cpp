#include "plugins/nphies/nphies_billing_gateway.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

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

TEST_F(GatewayTest, OnlyAQueuedAnswerIsQueued) {
  const std::string key = test_claim().idempotency_key;
  respond(200, answer("claim-response", key, adjudicated("queued")));
  auto queued = gateway_.submit_claim(test_claim());
  ASSERT_TRUE(queued.ok()) << queued.error().message;
  EXPECT_EQ(queued->status, "queued");
  EXPECT_EQ(queued->request_message_id, message_ids(key).message_header_id);
}

// Every way an answer can be lost, as the host or the exchange reports it.
TEST_F(GatewayTest, AClaimWhoseAnswerWasLostIsUnknownNeverQueued) {
  const std::string key = test_claim().idempotency_key;
  const std::vector<std::pair<std::string, sdk::Error>> lost = {
      {"read timeout", sdk::Error(ErrorCode::kDeadlineExceeded, "timed out after 60000 ms", true)},
      {"connect timeout",
       sdk::Error(ErrorCode::kDeadlineExceeded, "timed out (connect timeout 10000 ms)", true)},
      {"reset", sdk::Error(ErrorCode::kUnavailable, "failed: Connection reset by peer", true)},
      {"closed", sdk::Error(ErrorCode::kUnavailable, "failed: Empty reply from server", true)},
  };
  // The exchange answered 408 or 504 (FakeHost: a failure, once set, wins).
  for (int status : {408, 504}) {
    respond(status, json{{"resourceType", "OperationOutcome"}});
    auto r = gateway_.submit_claim(test_claim());
    ASSERT_TRUE(r.ok()) << status << ": " << r.error().message;
    EXPECT_EQ(r->status, "unknown") << status;
    EXPECT_EQ(r->request_message_id, message_ids(key).message_header_id) << status;
  }
  for (const auto& [what, error] : lost) {
    host_.fail("POST", kUrl, error);
    auto r = gateway_.submit_claim(test_claim());
    ASSERT_TRUE(r.ok()) << what << ": " << r.error().message;
    EXPECT_EQ(r->status, "unknown") << what;
    EXPECT_NE(r->outcome, "queued") << what;
    EXPECT_EQ(r->request_id, key) << what;
    EXPECT_EQ(r->request_message_id, message_ids(key).message_header_id) << what;
  }
  // A prior authorization the same way.
  host_.fail("POST", kUrl, sdk::Error(ErrorCode::kDeadlineExceeded, "timed out", true));
  auto preauth = gateway_.request_prior_authorization(test_claim());
  ASSERT_TRUE(preauth.ok()) << preauth.error().message;
  EXPECT_EQ(preauth->status, "unknown");
  // Eligibility is never in doubt: a timeout stays an error to retry.
  auto eligibility = gateway_.check_eligibility(test_eligibility());
  ASSERT_FALSE(eligibility.ok());
  EXPECT_EQ(eligibility.error().code, ErrorCode::kDeadlineExceeded);
}

TEST_F(GatewayTest, AnAnswerThatRefusesTheClaimStaysAnError) {
  respond(400, json{{"resourceType", "OperationOutcome"},
                    {"issue", json::array({{{"severity", "error"},
                                            {"code", "invalid"},
                                            {"details", {{"text", "bad claim"}}}}})}});
  auto malformed = gateway_.submit_claim(test_claim());
  ASSERT_FALSE(malformed.ok());
  EXPECT_EQ(malformed.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(malformed.error().message.find("bad claim"), std::string::npos)
      << malformed.error().message;
  // Issues of the wrong shape (the exchange's answer is outside input) are
  // read as far as they go; the refusal is still the answer.
  respond(400, json{{"resourceType", "OperationOutcome"},
                    {"issue", json::array({7,
                                           {{"code", 5}, {"details", {{"text", 9}}}},
                                           {{"details", "x"}, {"diagnostics", "second"}}})}});
  auto odd = gateway_.submit_claim(test_claim());
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.error().code, ErrorCode::kInvalidArgument) << odd.error().message;
  EXPECT_NE(odd.error().message.find("second"), std::string::npos) << odd.error().message;
  for (int status : {500, 502, 503}) {
    respond(status, json{{"resourceType", "OperationOutcome"}});
    auto failed = gateway_.submit_claim(test_claim());
    ASSERT_FALSE(failed.ok()) << status;
    EXPECT_EQ(failed.error().code, ErrorCode::kUnavailable) << status;
  }
  // A TLS refusal: nothing went out.
  host_.fail(
      "POST", kUrl,
      sdk::Error(ErrorCode::kFailedPrecondition, "the client certificate was refused", false));
  EXPECT_FALSE(gateway_.submit_claim(test_claim()).ok());
}

// A message that breaks a check before sending is a permanent error naming
// the rule, logged once without patient data; nothing reaches the exchange,
// whatever it would have answered.
TEST_F(GatewayTest, AMessageThatBreaksACheckIsNeverSent) {
  respond(200, answer("claim-response", test_claim().idempotency_key, adjudicated("complete")));
  sdk::Claim claim = test_claim();
  // A facility's own price list: not an NPHIES code system.
  claim.items[0].code_system = "http://hospital.test/price-list";
  for (const bool preauth : {false, true}) {
    auto r = preauth ? gateway_.request_prior_authorization(claim) : gateway_.submit_claim(claim);
    ASSERT_FALSE(r.ok()) << preauth;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_FALSE(r.error().retryable);
    EXPECT_THAT(r.error().message, ::testing::StartsWith("billing.nphies-test: NPHIES "));
    EXPECT_THAT(r.error().message,
                HasSubstr("not sent: NPHIES check \"claim.item-product\" failed at "
                          "Bundle.entry[7].resource.item[0].productOrService"));
  }
  sdk::EligibilityRequest eligibility = test_eligibility();
  eligibility.purposes = {"coverage"};
  auto e = gateway_.check_eligibility(eligibility);
  ASSERT_FALSE(e.ok());
  EXPECT_FALSE(e.error().retryable);
  EXPECT_THAT(e.error().message, HasSubstr("\"eligibility.purpose\""));
  sdk::PollRequest poll;
  poll.idempotency_key = "wasl-poll-1";
  poll.max_messages = 10;
  poll.provider_license = "N-F-00001";
  poll.message_types = {""};
  auto p = gateway_.poll_messages(poll);
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(p.error().message, HasSubstr("\"task.poll-input\""));

  EXPECT_TRUE(host_.requests().empty());
  std::vector<std::string> warnings;
  for (const auto& [level, line] : host_.logs()) {
    if (level == sdk::LogLevel::kWarn) warnings.push_back(line);
  }
  ASSERT_EQ(warnings.size(), 4u);
  EXPECT_THAT(warnings[0],
              HasSubstr("NPHIES claim-request not sent: NPHIES check \"claim.item-product\""));
  EXPECT_THAT(warnings[1], HasSubstr("NPHIES priorauth-request not sent"));
  for (const std::string& w : warnings) {
    for (const char* phi : {"2098765432", "فاطمة", "الزهراني", "1990-04-12"}) {
      EXPECT_THAT(w, ::testing::Not(HasSubstr(phi)));
    }
  }
}

// The messages name the instance's profile_version, and are checked in it.
TEST_F(GatewayTest, MessagesNameTheConfiguredProfileVersion) {
  for (const std::string version : {"0.3.0", "1.0.0"}) {
    FakeHost host(testing::test_settings_json(version), "billing.nphies-test");
    host.set_now(now_);
    host.set_client_certificate(sdk::ClientCertificate{"CN=N-F-00001", "CN=Test CA"});
    sdk::HttpResponse r;
    r.status = 200;
    r.body = answer("claim-response", test_claim().idempotency_key, adjudicated("complete")).dump();
    r.headers.emplace_back("Date", http_date(now_));
    host.respond("POST", kUrl, r);
    NphiesBillingGateway gateway(host, test_settings(version));
    auto sent = gateway.submit_claim(test_claim());
    ASSERT_TRUE(sent.ok()) << version << ": " << sent.error().message;
    ASSERT_EQ(host.requests().size(), 1u);
    const json body = json::parse(host.requests()[0].body);
    EXPECT_EQ(body["meta"]["profile"][0],
              "http://nphies.sa/fhir/ksa/nphies-fs/StructureDefinition/bundle|" + version);
    for (const auto& e : body["entry"]) {
      EXPECT_THAT(e["resource"]["meta"]["profile"][0].get<std::string>(),
                  ::testing::EndsWith("|" + version));
    }
  }
}

// The status-response to the status-check with key `check_key` about the
// claim with key `claim_key`: Task.status `task_status`, with a status
// output `output` unless empty.
json status_response(const std::string& check_key, const std::string& claim_key,
                     const std::string& task_status, const std::string& output) {
  json task = {
      {"resourceType", "Task"},
      {"status", task_status},
      {"intent", "order"},
      {"code",
       {{"coding", json::array({{{"system", "http://nphies.sa/terminology/CodeSystem/task-code"},
                                 {"code", "status"}}})}}},
      {"focus",
       {{"type", "Claim"},
        {"identifier",
         {{"system", "http://hospital.test/identifier/claim"},
          {"value", message_ids(claim_key).business_id}}}}}};
  if (!output.empty()) {
    task["output"] = json::array(
        {{{"type",
           {{"coding",
             json::array({{{"system", "http://nphies.sa/terminology/CodeSystem/task-output-type"},
                           {"code", "status"}}})}}},
          {"valueCode", output}}});
  } else {
    task["statusReason"] = {{"text", "no claim with this identifier"}};
  }
  json bundle = answer("status-response", check_key, task);
  return bundle;
}

TEST_F(GatewayTest, StatusCheckAsksAboutTheClaimAndReadsTheAnswer) {
  const std::string claim_key = test_claim().idempotency_key;
  sdk::StatusCheckRequest check{"wasl-status-1", claim_key, "N-F-00001", "N-I-00001"};
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"completed", "queued"}, {"completed", "complete"}, {"rejected", ""}};
  for (const auto& [task_status, output] : cases) {
    respond(200, status_response("wasl-status-1", claim_key, task_status, output));
    auto r = gateway_.check_status(check);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->status, output.empty() ? "not_held" : output);
    EXPECT_EQ(r->request_id, claim_key);
    EXPECT_EQ(r->request_message_id, message_ids("wasl-status-1").message_header_id);
  }
  const sdk::HttpRequest sent = host_.requests().back();
  EXPECT_TRUE(sent.mutual_tls);
  json message = json::parse(sent.body);
  EXPECT_EQ(message["entry"][0]["resource"]["eventCoding"]["code"], "status-check");

  // An answer about another claim, or to another check, is not taken.
  respond(200, status_response("wasl-status-1", "another-claim", "rejected", ""));
  auto other = gateway_.check_status(check);
  ASSERT_FALSE(other.ok());
  EXPECT_THAT(other.error().message, HasSubstr("about another claim"));
  respond(200, status_response("wasl-status-9", claim_key, "rejected", ""));
  EXPECT_THAT(gateway_.check_status(check).error().message,
              HasSubstr("responds to another message"));
  // The check's own answer lost: an error, so the claim stays in doubt.
  host_.fail("POST", kUrl, sdk::Error(ErrorCode::kDeadlineExceeded, "timed out", true));
  auto lost = gateway_.check_status(check);
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().code, ErrorCode::kDeadlineExceeded);
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

// The poll-request's include-message-type inputs and count.
std::pair<std::vector<std::string>, int> poll_inputs(const sdk::HttpRequest& sent) {
  json task = json::parse(sent.body)["entry"].back()["resource"];
  std::vector<std::string> types;
  int count = 0;
  for (const auto& input : task["input"]) {
    const std::string type = input["type"]["coding"][0]["code"];
    if (type == "include-message-type") types.push_back(input["valueCode"]);
    if (type == "count") count = input["valuePositiveInt"];
  }
  return {types, count};
}

TEST_F(GatewayTest, PollMessagesAsksForEveryEventAndReadsEachMessage) {
  json claim_answer =
      answer("claim-response", test_claim().idempotency_key, adjudicated("complete"));
  claim_answer["entry"][0]["resource"]["id"] = "polled-1";
  claim_answer["entry"][1]["resource"]["request"] = {
      {"type", "Claim"},
      {"identifier",
       {{"system", "http://hospital.test/identifier/claim"},
        {"value", message_ids(test_claim().idempotency_key).business_id}}}};
  json unknown = claim_answer;
  unknown["entry"][0]["resource"]["id"] = "polled-2";
  unknown["entry"][0]["resource"]["eventCoding"]["code"] = "fraud-notification";
  json poll =
      answer("poll-response", "wasl-poll-2", {{"resourceType", "Task"}, {"status", "completed"}});
  poll["entry"].push_back({{"fullUrl", "http://nphies.sa/Bundle/1"}, {"resource", claim_answer}});
  poll["entry"].push_back({{"fullUrl", "http://nphies.sa/Bundle/2"}, {"resource", unknown}});
  respond(200, poll);
  sdk::PollRequest request;
  request.idempotency_key = "wasl-poll-2";
  request.provider_license = "N-F-00001";
  request.max_messages = 40;
  request.message_types = {"claim-response",         "priorauth-response",
                           "communication-request",  "payment-reconciliation",
                           "advanced-authorization", "error-notice"};
  auto messages = gateway_.poll_messages(request);
  ASSERT_TRUE(messages.ok()) << messages.error().message;
  const auto [types, count] = poll_inputs(host_.requests().back());
  EXPECT_EQ(types, request.message_types);
  EXPECT_EQ(count, 40);
  EXPECT_TRUE(host_.requests().back().mutual_tls);
  ASSERT_EQ(messages->size(), 2u);
  EXPECT_EQ((*messages)[0].event, "claim-response");
  EXPECT_EQ((*messages)[0].message_id, "polled-1");
  EXPECT_EQ((*messages)[0].answer.request_id, test_claim().idempotency_key);
  EXPECT_EQ((*messages)[0].request_message_id,
            message_ids(test_claim().idempotency_key).message_header_id);
  EXPECT_EQ((*messages)[1].event, "unreadable");
  EXPECT_EQ((*messages)[1].message_id, "polled-2");
  EXPECT_EQ((*messages)[1].raw, unknown);

  // Naming no event asks for every event the plugin reads.
  respond(200, poll);
  request.message_types.clear();
  request.max_messages = 500;
  ASSERT_TRUE(gateway_.poll_messages(request).ok());
  const auto [all, capped] = poll_inputs(host_.requests().back());
  EXPECT_EQ(all, std::vector<std::string>({"claim-response", "priorauth-response",
                                           "communication-request", "payment-reconciliation",
                                           "advanced-authorization", "error-notice"}));
  EXPECT_EQ(capped, 100);
}

TEST_F(GatewayTest, PollMessagesFailsOnlyWhenTheAnswerIsNoPollResponseToIt) {
  sdk::PollRequest request;
  request.idempotency_key = "wasl-poll-3";
  request.provider_license = "N-F-00001";
  respond(200, answer("claim-response", "wasl-poll-3", adjudicated("complete")));
  auto wrong = gateway_.poll_messages(request);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(wrong.error().message, HasSubstr("not a poll-response"));
  respond(200, answer("poll-response", "wasl-poll-other", {{"resourceType", "Task"}}));
  auto other = gateway_.poll_messages(request);
  ASSERT_FALSE(other.ok());
  EXPECT_THAT(other.error().message, HasSubstr("responds to another message"));
}

// CHI's sample poll-response, answering this poll, through poll_messages.
TEST_F(GatewayTest, PollMessagesReadsTheSamplePollResponse) {
  std::ifstream in(std::filesystem::path(WASL_SHARED_DATA_DIR) / "nphies" / "poll-response.json");
  json sample = json::parse(in);
  sample["entry"][0]["resource"]["response"]["identifier"] =
      message_ids("wasl-poll-4").message_header_id;
  respond(200, sample);
  sdk::PollRequest request;
  request.idempotency_key = "wasl-poll-4";
  request.provider_license = "N-F-00001";
  auto messages = gateway_.poll_messages(request);
  ASSERT_TRUE(messages.ok()) << messages.error().message;
  ASSERT_EQ(messages->size(), 1u);
  EXPECT_EQ((*messages)[0].event, "claim-response") << (*messages)[0].problem;
  EXPECT_EQ((*messages)[0].message_id, "b0e34662-3b06-11ec-b009-e1ad19b60bd0");
  EXPECT_DOUBLE_EQ((*messages)[0].answer.total_benefit, 285);
  // The sample's claim is not one this provider sent.
  EXPECT_EQ((*messages)[0].answer.request_id, "");
}

// The batch-response to the batch sent with `key`: "ok", or "fatal-error"
// with an OperationOutcome naming `codes`.
json batch_response(const std::string& key, const std::vector<std::string>& codes = {}) {
  json response = answer("batch-response", key, json::object());
  json& header = response["entry"][0]["resource"];
  if (codes.empty()) {
    header.erase("focus");
    response["entry"].erase(1);
    return response;
  }
  header["response"]["code"] = "fatal-error";
  json issues = json::array();
  for (const std::string& code : codes) {
    issues.push_back({{"severity", "error"},
                      {"code", "business-rule"},
                      {"details", {{"coding", json::array({{{"code", code}}})}}}});
  }
  response["entry"][1]["resource"] = {{"resourceType", "OperationOutcome"}, {"issue", issues}};
  return response;
}

sdk::ClaimBatch test_batch(const std::string& key = "wasl-batch-1") {
  sdk::ClaimBatch batch;
  batch.idempotency_key = key;
  batch.provider_license = "N-F-00001";
  batch.payer_license = "N-I-00001";
  for (const char* claim_key : {"wasl-claim-a", "wasl-claim-b", "wasl-claim-c"}) {
    batch.claims.push_back(test_claim(claim_key));
  }
  return batch;
}

TEST_F(GatewayTest, ABatchTakenQueuesEachClaimUnderItsOwnMessageId) {
  respond(200, batch_response("wasl-batch-1"));
  auto ack = gateway_.submit_batch(test_batch());
  ASSERT_TRUE(ack.ok()) << ack.error().message;
  EXPECT_EQ(ack->status, "taken");
  EXPECT_EQ(ack->request_id, "wasl-batch-1");
  EXPECT_EQ(ack->request_message_id, message_ids("wasl-batch-1").message_header_id);
  EXPECT_EQ(ack->message_id, "answer-wasl-batch-1");
  ASSERT_EQ(ack->claims.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    const std::string key = test_batch().claims[i].idempotency_key;
    EXPECT_EQ(ack->claims[i].request_id, key);
    EXPECT_EQ(ack->claims[i].request_message_id, message_ids(key).message_header_id);
    EXPECT_EQ(ack->claims[i].status, "queued");
  }
  ASSERT_EQ(host_.requests().size(), 1u);
  const json sent = json::parse(host_.requests()[0].body);
  EXPECT_EQ(sent["id"], message_ids("wasl-batch-1").bundle_id);
  EXPECT_EQ(sent["entry"].size(), 4u);
  EXPECT_TRUE(host_.requests()[0].mutual_tls);
}

TEST_F(GatewayTest, ABatchRefusedLostOrBrokenSaysSo) {
  respond(200, batch_response("wasl-batch-1", {"BV-00001"}));
  auto refused = gateway_.submit_batch(test_batch());
  ASSERT_TRUE(refused.ok()) << refused.error().message;
  EXPECT_EQ(refused->status, "refused");
  ASSERT_EQ(refused->error_details.size(), 1u);
  EXPECT_EQ(refused->error_details[0].code, "BV-00001");
  EXPECT_EQ(refused->claims[1].status, "error");
  EXPECT_EQ(refused->claims[1].errors, std::vector<std::string>{"BV-00001"});

  respond(504, json{{"resourceType", "OperationOutcome"}});
  auto lost = gateway_.submit_batch(test_batch());
  ASSERT_TRUE(lost.ok()) << lost.error().message;
  EXPECT_EQ(lost->status, "unknown");
  EXPECT_EQ(lost->claims[2].status, "unknown");
  EXPECT_EQ(lost->claims[2].request_message_id, message_ids("wasl-claim-c").message_header_id);

  respond(503, json{{"resourceType", "OperationOutcome"}});
  auto busy = gateway_.submit_batch(test_batch());
  ASSERT_FALSE(busy.ok());
  EXPECT_TRUE(busy.error().retryable);

  // A claim the checks refuse: nothing is sent.
  const std::size_t sent = host_.requests().size();
  sdk::ClaimBatch broken = test_batch();
  broken.claims[1].items[0].unit_price = -1;
  auto refused_here = gateway_.submit_batch(broken);
  ASSERT_FALSE(refused_here.ok());
  EXPECT_EQ(refused_here.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(refused_here.error().retryable);
  EXPECT_EQ(host_.requests().size(), sent);
}

}  // namespace
}  // namespace wasl::plugins::nphies
