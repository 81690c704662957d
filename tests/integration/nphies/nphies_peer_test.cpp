// libwasl_nphies.so through the hub's PluginHost against the NPHIES peer:
// every message the plugin builds is validated as R4 and against the NPHIES
// rules by the peer; eligibility, queued claims fetched by polling and
// acknowledged (billing.poll and billing.poll_messages), a batch of claims,
// rejection, cancel,
// resends after failures and lost answers, and the clock check.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "plugins/nphies/tests/test_claims.hpp"
#include "tests/integration/nphies/plugin_loader.hpp"

namespace wasl::plugins::nphies::testing {
namespace {

using nlohmann::json;
using sdk::ErrorCode;
using ::testing::HasSubstr;

class NphiesPeerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    peer_ = PeerEnvironment::get().peer();
    ASSERT_NE(peer_, nullptr);
    ASSERT_TRUE(peer_->post("/_peer/reset", json::object()).ok());
    plugin_.add("nphies-test", tls_settings("client.crt", "client.key"));
    auto host = plugin_.load();
    ASSERT_TRUE(host.ok()) << host.error().message;
    host_ = std::move(host).value();
    auto billing = host_->billing("billing.nphies-test");
    ASSERT_TRUE(billing.ok());
    billing_ = *billing;
  }

  void rules(const json& body) { ASSERT_TRUE(peer_->post("/_peer/rules", body).ok()); }
  void fault(const json& body) { ASSERT_TRUE(peer_->post("/_peer/faults", body).ok()); }

  json claims() {
    auto c = peer_->claims();
    EXPECT_TRUE(c.ok());
    return c.ok() ? (*c)["items"] : json::array();
  }

  sdk::PollRequest poll_request(const std::string& key) {
    sdk::PollRequest p;
    p.idempotency_key = key;
    p.provider_license = "N-F-00001";
    return p;
  }

  NphiesPeerProcess* peer_ = nullptr;
  NphiesPlugin plugin_;
  std::unique_ptr<plugin_host::PluginHost> host_;
  std::shared_ptr<sdk::BillingGateway> billing_;
};

TEST_F(NphiesPeerTest, EligibilityThenAQueuedClaimPolledAndAcknowledged) {
  auto eligibility = billing_->check_eligibility(test_eligibility("wasl-elig-1"));
  ASSERT_TRUE(eligibility.ok()) << eligibility.error().message;
  EXPECT_TRUE(eligibility->approved) << eligibility->raw.dump();
  EXPECT_TRUE(eligibility->inforce);
  EXPECT_EQ(eligibility->site_eligibility, "eligible");
  ASSERT_FALSE(eligibility->benefits.empty());

  rules({{"claim", {{"outcome", "queue"}, {"queueSeconds", 3600}, {"then", "approve"}}}});
  sdk::Claim claim = test_claim("wasl-claim-1");
  claim.eligibility_response_id = eligibility->response_id;
  claim.eligibility_response_system = eligibility->response_system;
  auto queued = billing_->submit_claim(claim);
  ASSERT_TRUE(queued.ok()) << queued.error().message;
  EXPECT_EQ(queued->status, "queued") << queued->raw.dump();

  auto nothing_yet = billing_->poll(poll_request("wasl-poll-1"));
  ASSERT_TRUE(nothing_yet.ok()) << nothing_yet.error().message;
  EXPECT_TRUE(nothing_yet->empty());
  ASSERT_TRUE(peer_->post("/_peer/queue/release", json::object()).ok());
  auto polled = billing_->poll(poll_request("wasl-poll-2"));
  ASSERT_TRUE(polled.ok()) << polled.error().message;
  ASSERT_EQ(polled->size(), 1u);
  const sdk::ClaimResponse& answer = (*polled)[0];
  EXPECT_EQ(answer.request_message_id, queued->request_message_id);
  EXPECT_TRUE(answer.approved);
  EXPECT_EQ(answer.adjudication_outcome, "approved");
  ASSERT_EQ(answer.items.size(), 1u);
  EXPECT_DOUBLE_EQ(answer.items[0].eligible, 172.5);
  EXPECT_DOUBLE_EQ(answer.items[0].copay, 15);
  EXPECT_DOUBLE_EQ(answer.items[0].patient_share, 15);
  EXPECT_DOUBLE_EQ(answer.items[0].tax, 22.5);
  EXPECT_DOUBLE_EQ(answer.items[0].benefit, 157.5);
  EXPECT_DOUBLE_EQ(answer.total_benefit, 157.5);

  // Not acknowledged: delivered again. Acknowledged: gone.
  auto again = billing_->poll(poll_request("wasl-poll-3"));
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->size(), 1u);
  auto ack = billing_->acknowledge({"wasl-ack-1", answer.message_id, "N-F-00001"});
  ASSERT_TRUE(ack.ok()) << ack.error().message;
  EXPECT_TRUE(ack->acknowledged);
  auto after = billing_->poll(poll_request("wasl-poll-4"));
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->empty());
  json c = claims();
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0]["state"], "approved");
}

// billing.poll_messages: a queued claim and a queued prior authorization,
// fetched by one poll asking for every event, each read with the idempotency
// key it was sent with, and acknowledged.
TEST_F(NphiesPeerTest, PollMessagesFetchesQueuedClaimAndPriorAuthorizationAnswers) {
  rules({{"claim", {{"outcome", "queue"}, {"queueSeconds", 3600}, {"then", "approve"}}}});
  auto claim = billing_->submit_claim(test_claim("wasl-claim-m1"));
  ASSERT_TRUE(claim.ok()) << claim.error().message;
  ASSERT_EQ(claim->status, "queued");
  auto authorization = billing_->request_prior_authorization(test_claim("wasl-auth-m1"));
  ASSERT_TRUE(authorization.ok()) << authorization.error().message;
  ASSERT_EQ(authorization->status, "queued");
  ASSERT_TRUE(peer_->post("/_peer/queue/release", json::object()).ok());

  sdk::PollRequest request = poll_request("wasl-poll-m1");
  request.message_types = {"claim-response",         "priorauth-response",
                           "communication-request",  "payment-reconciliation",
                           "advanced-authorization", "error-notice"};
  auto polled = billing_->poll_messages(request);
  ASSERT_TRUE(polled.ok()) << polled.error().message;
  ASSERT_EQ(polled->size(), 2u);
  std::map<std::string, const sdk::PolledMessage*> by_event;
  for (const auto& m : *polled) by_event[m.event] = &m;
  ASSERT_TRUE(by_event.count("claim-response")) << json(*polled).dump();
  ASSERT_TRUE(by_event.count("priorauth-response")) << json(*polled).dump();
  const sdk::PolledMessage& answer = *by_event["claim-response"];
  EXPECT_EQ(answer.answer.request_id, "wasl-claim-m1");
  EXPECT_EQ(answer.request_message_id, claim->request_message_id);
  EXPECT_TRUE(answer.answer.approved);
  EXPECT_DOUBLE_EQ(answer.answer.total_benefit, 157.5);
  const sdk::PolledMessage& preauth = *by_event["priorauth-response"];
  EXPECT_EQ(preauth.answer.request_id, "wasl-auth-m1");
  EXPECT_EQ(preauth.request_message_id, authorization->request_message_id);
  EXPECT_TRUE(preauth.answer.approved);
  EXPECT_FALSE(preauth.answer.pre_auth_ref.empty());

  // Asking for claim answers alone leaves the prior authorization queued.
  request.idempotency_key = "wasl-poll-m2";
  request.message_types = {"claim-response"};
  auto claims_only = billing_->poll_messages(request);
  ASSERT_TRUE(claims_only.ok()) << claims_only.error().message;
  ASSERT_EQ(claims_only->size(), 1u);
  EXPECT_EQ((*claims_only)[0].event, "claim-response");

  for (const auto& m : *polled) {
    auto ack = billing_->acknowledge({"wasl-ack-" + m.message_id, m.message_id, "N-F-00001"});
    ASSERT_TRUE(ack.ok()) << ack.error().message;
  }
  request.idempotency_key = "wasl-poll-m3";
  request.message_types.clear();  // every event the plugin reads
  auto after = billing_->poll_messages(request);
  ASSERT_TRUE(after.ok()) << after.error().message;
  EXPECT_TRUE(after->empty());
}

TEST_F(NphiesPeerTest, ARejectedClaimIsAnAnswerWithItsErrors) {
  rules({{"claim", {{"outcome", "reject"}}}});
  auto r = billing_->submit_claim(test_claim("wasl-claim-rejected"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->status, "complete");
  EXPECT_FALSE(r->approved);
  EXPECT_EQ(r->adjudication_outcome, "rejected");
  EXPECT_THAT(r->errors, ::testing::ElementsAre("CL-0101"));
}

TEST_F(NphiesPeerTest, PartialApprovalAndPriorAuthorization) {
  rules({{"claim", {{"outcome", "partial"}}}});
  auto partial = billing_->submit_claim(test_claim("wasl-claim-partial"));
  ASSERT_TRUE(partial.ok()) << partial.error().message;
  EXPECT_EQ(partial->status, "partial");
  EXPECT_TRUE(partial->approved);
  rules({{"claim", {{"outcome", "approve"}}}});
  auto authorization = billing_->request_prior_authorization(test_claim("wasl-auth-1"));
  ASSERT_TRUE(authorization.ok()) << authorization.error().message;
  EXPECT_TRUE(authorization->approved);
  EXPECT_FALSE(authorization->pre_auth_ref.empty());
}

TEST_F(NphiesPeerTest, EveryFailureOnceThenOneClaimAtTheExchange) {
  fault({{"event", "claim-request"}, {"count", 1}, {"status", 500}});
  fault({{"event", "claim-request"}, {"count", 1}, {"status", 429}, {"retryAfterSeconds", 1}});
  fault({{"event", "claim-request"}, {"count", 1}, {"drop", true}});
  const sdk::Claim claim = test_claim("wasl-claim-resent");
  auto first = billing_->submit_claim(claim);
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(first.error().retryable);
  auto second = billing_->submit_claim(claim);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(second.error().retry_after, std::chrono::milliseconds(1000));
  // The third is stored, then its answer lost: in doubt (unknown), never
  // queued; the resend (by the caller, or by libcurl on the dead connection)
  // is answered from the store.
  sdk::Result<sdk::ClaimResponse> answer = billing_->submit_claim(claim);
  for (int resends = 0; (!answer.ok() || answer->status == "unknown") && resends < 3; ++resends) {
    if (!answer.ok()) {
      EXPECT_TRUE(answer.error().retryable) << answer.error().message;
    }
    answer = billing_->submit_claim(claim);
  }
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  EXPECT_TRUE(answer->approved);
  json c = claims();
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0]["submissions"], 1);
  EXPECT_GE(c[0]["duplicates"], 1);
}

TEST_F(NphiesPeerTest, NoAnswerInTimeIsUnknownAndTheResendIsAnsweredFromTheStore) {
  fault({{"event", "claim-request"}, {"count", 1}, {"hang", true}});
  const sdk::Claim claim = test_claim("wasl-claim-slow");
  auto unknown = billing_->submit_claim(claim);  // request_timeout_seconds: 5
  ASSERT_TRUE(unknown.ok()) << unknown.error().message;
  EXPECT_EQ(unknown->status, "unknown");
  EXPECT_EQ(unknown->request_id, claim.idempotency_key);
  auto resent = billing_->submit_claim(claim);
  ASSERT_TRUE(resent.ok()) << resent.error().message;
  EXPECT_TRUE(resent->approved);
  EXPECT_EQ(claims().size(), 1u);
}

// billing.submit_batch (SDK 1.4): three claims in one batch-request, taken
// at once; each answered through poll under its own message id; the batch
// resent is the same batch, and one of its claims resent alone a duplicate.
TEST_F(NphiesPeerTest, ABatchOfThreeClaimsIsTakenAndEachAnsweredThroughPoll) {
  sdk::ClaimBatch batch;
  batch.idempotency_key = "wasl-batch-peer-1";
  batch.provider_license = "N-F-00001";
  batch.payer_license = "N-I-00001";
  for (const char* key : {"wasl-claim-b1", "wasl-claim-b2", "wasl-claim-b3"}) {
    batch.claims.push_back(test_claim(key));
  }
  auto ack = billing_->submit_batch(batch);
  ASSERT_TRUE(ack.ok()) << ack.error().message;
  EXPECT_EQ(ack->status, "taken") << ack->raw.dump();
  ASSERT_EQ(ack->claims.size(), 3u);
  auto batches = peer_->get("/_peer/batches");
  ASSERT_TRUE(batches.ok());
  ASSERT_EQ((*batches)["items"].size(), 1u);
  EXPECT_EQ((*batches)["items"][0]["count"], 3);
  EXPECT_EQ((*batches)["items"][0]["claims"].size(), 3u);
  EXPECT_EQ(claims().size(), 3u);

  auto polled = billing_->poll(poll_request("wasl-poll-b1"));
  ASSERT_TRUE(polled.ok()) << polled.error().message;
  ASSERT_EQ(polled->size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ((*polled)[i].request_message_id, ack->claims[i].request_message_id);
    EXPECT_TRUE((*polled)[i].approved);
  }

  auto again = billing_->submit_batch(batch);
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_EQ(again->status, "taken");
  auto alone = billing_->submit_claim(batch.claims[1]);
  ASSERT_TRUE(alone.ok()) << alone.error().message;
  EXPECT_EQ(alone->status, "queued");
  EXPECT_EQ(alone->request_message_id, ack->claims[1].request_message_id);
  batches = peer_->get("/_peer/batches");
  ASSERT_TRUE(batches.ok());
  EXPECT_EQ((*batches)["items"].size(), 1u);
  json held = claims();
  ASSERT_EQ(held.size(), 3u);
  EXPECT_EQ(held[1]["submissions"], 1);
  EXPECT_EQ(held[1]["duplicates"], 1);
}

TEST_F(NphiesPeerTest, CancelTheClaim) {
  auto claim = billing_->submit_claim(test_claim("wasl-claim-cancelled"));
  ASSERT_TRUE(claim.ok()) << claim.error().message;
  auto cancelled =
      billing_->cancel({"wasl-cancel-1", "wasl-claim-cancelled", "NP", "N-F-00001", "N-I-00001"});
  ASSERT_TRUE(cancelled.ok()) << cancelled.error().message;
  EXPECT_TRUE(cancelled->approved);
  EXPECT_EQ(claims()[0]["state"], "cancelled");
}

// nullify (SDK 1.3) reverses an adjudicated claim; a claim not adjudicated
// yet is refused with the exchange's code, and stays as it was.
TEST_F(NphiesPeerTest, NullifyAnApprovedClaimAndNotAQueuedOne) {
  auto approved = billing_->submit_claim(test_claim("wasl-claim-nullified"));
  ASSERT_TRUE(approved.ok()) << approved.error().message;
  ASSERT_TRUE(approved->approved);
  sdk::CancelRequest nullify{
      "wasl-nullify-1", "wasl-claim-nullified", "WI", "N-F-00001", "N-I-00001", "nullify"};
  auto nullified = billing_->cancel(nullify);
  ASSERT_TRUE(nullified.ok()) << nullified.error().message;
  EXPECT_TRUE(nullified->approved) << nullified->raw.dump();
  // A resend is the same message, answered from the exchange's store.
  auto resent = billing_->cancel(nullify);
  ASSERT_TRUE(resent.ok()) << resent.error().message;
  EXPECT_TRUE(resent->approved);

  rules({{"claim", {{"outcome", "queue"}, {"queueSeconds", 3600}, {"then", "approve"}}}});
  auto queued = billing_->submit_claim(test_claim("wasl-claim-still-queued"));
  ASSERT_TRUE(queued.ok()) << queued.error().message;
  ASSERT_EQ(queued->status, "queued");
  auto refused = billing_->cancel(
      {"wasl-nullify-2", "wasl-claim-still-queued", "WI", "N-F-00001", "N-I-00001", "nullify"});
  ASSERT_TRUE(refused.ok()) << refused.error().message;
  EXPECT_FALSE(refused->approved);
  EXPECT_THAT(refused->errors, ::testing::ElementsAre("TK-0003"));

  std::vector<std::string> states;
  for (const auto& c : claims()) states.push_back(c.value("state", std::string()));
  EXPECT_THAT(states, ::testing::UnorderedElementsAre("nullified", "queued"));
}

// A rejected claim resubmitted (SDK 1.3: related_request_id, relationship
// prior) is taken by the exchange, which checks the prior claim it names
// was rejected; resubmitting an approved one is refused with its code.
TEST_F(NphiesPeerTest, ARejectedClaimResubmittedWithItsPriorIsTaken) {
  rules({{"claim", {{"outcome", "reject"}}}});
  auto rejected = billing_->submit_claim(test_claim("wasl-claim-first"));
  ASSERT_TRUE(rejected.ok()) << rejected.error().message;
  ASSERT_EQ(rejected->adjudication_outcome, "rejected");

  rules({{"claim", {{"outcome", "approve"}}}});
  sdk::Claim again = test_claim("wasl-claim-second");
  again.related_request_id = "wasl-claim-first";
  again.related_relationship = "prior";
  auto taken = billing_->submit_claim(again);
  ASSERT_TRUE(taken.ok()) << taken.error().message;
  EXPECT_TRUE(taken->approved) << taken->raw.dump();
  EXPECT_TRUE(taken->errors.empty()) << taken->raw.dump();
  bool related = false;
  for (const auto& c : claims()) {
    if (c.contains("resubmissionOf")) {
      related = c["resubmissionOf"].get<std::string>().ends_with("|req_wasl-claim-first");
    }
  }
  EXPECT_TRUE(related) << "the exchange recorded which claim it replaces: " << claims().dump();

  sdk::Claim third = test_claim("wasl-claim-third");
  third.related_request_id = "wasl-claim-second";  // approved, not rejected
  auto refused = billing_->submit_claim(third);
  ASSERT_TRUE(refused.ok()) << refused.error().message;
  EXPECT_FALSE(refused->approved);
  EXPECT_THAT(refused->errors, ::testing::Contains("CL-0008")) << refused->raw.dump();
}

TEST_F(NphiesPeerTest, AClockOffByMoreThanTheSkewStopsSending) {
  ASSERT_TRUE(peer_->post("/_peer/clock", {{"offsetMs", 20 * 60 * 1000}}).ok());
  auto first = billing_->check_eligibility(test_eligibility("wasl-elig-skew"));
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(first.error().message, HasSubstr("behind the exchange's Date"));
  auto before = peer_->received();
  auto second = billing_->submit_claim(test_claim("wasl-claim-skew"));
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(second.error().message, HasSubstr("not sent"));
  auto after = peer_->received();
  ASSERT_TRUE(before.ok() && after.ok());
  EXPECT_EQ((*after)["items"].size(), (*before)["items"].size());
}

TEST_F(NphiesPeerTest, AnUnknownMemberIsAnEligibilityError) {
  rules({{"eligibility", "no-member"}});
  auto r = billing_->check_eligibility(test_eligibility("wasl-elig-nomember"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->approved);
  EXPECT_EQ(r->status, "error");
  EXPECT_THAT(r->errors, ::testing::ElementsAre("1658"));
}

}  // namespace
}  // namespace wasl::plugins::nphies::testing
