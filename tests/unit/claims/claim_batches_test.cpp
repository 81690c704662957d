// Claims sent in batches: a facility's batched claims claimed in_doubt with
// their batch's id before billing.submit_batch, cut at 200 per payer; the
// exchange's answer recorded on each (taken → queued with its own message
// id, lost → in_doubt and settled one by one by the status-check, refused →
// error, busy → batched again); another facility's claims untouched; and
// hub.queue_claim. On both backends with a scripted billing plugin.
#include "hub/claims/claim_batches.hpp"

#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "hub/claims/claim_actions.hpp"
#include "hub/claims/claim_status_check.hpp"
#include "hub/claims/claim_store.hpp"
#include "hub/workflow/hub_actions.hpp"
#include "tests/unit/claims/answered_claims.hpp"

namespace wasl::claims {
namespace {

using domain::ClaimState;
using records::testing::kFacilityA;
using records::testing::kFacilityB;

// What the plugin answers for `batch`: `status` for the batch, each claim
// under the message id "mh-<its key>".
sdk::BatchAcknowledgement answer_to(const sdk::ClaimBatch& batch, const std::string& status) {
  sdk::BatchAcknowledgement ack;
  ack.request_id = batch.idempotency_key;
  ack.status = status;
  ack.message_id = "ack-" + batch.idempotency_key;
  for (const sdk::Claim& c : batch.claims) {
    sdk::ClaimResponse r;
    r.request_id = c.idempotency_key;
    r.request_message_id = "mh-" + c.idempotency_key;
    r.status = status == "taken" ? "queued" : status == "refused" ? "error" : "unknown";
    ack.claims.push_back(r);
  }
  if (status == "refused") ack.error_details.push_back({"BV-00027", "", "unknown provider", 0});
  return ack;
}

class ClaimBatchesTest : public testing::AnsweredClaimsTest {
 protected:
  void SetUp() override {
    AnsweredClaimsTest::SetUp();
    if (HasFatalFailure()) return;
    for (auto& [id, facility] : config_.facilities) facility.billing->submission = "batch";
  }

  // The claim as hub.build_claim stores it, billed to `payer`.
  static sdk::Claim stored_request(const std::string& id, const std::string& payer) {
    sdk::Claim c = AnsweredClaimsTest::stored_request(id);
    c.coverage.payer_id = payer;
    return c;
  }

  // `count` claims of the facility queued for a batch (claim-<prefix>-<n>,
  // created in that order), billed to `payer`.
  void batched(const std::string& facility, const std::string& consultation,
               const std::string& prefix, int count, const std::string& payer = "INS-7") {
    ClaimStore claims(*cipher_, *audit_);
    auto tx = begin();
    for (int n = 1; n <= count; ++n) {
      char id[64];
      std::snprintf(id, sizeof id, "claim-%s-%03d", prefix.c_str(), n);
      domain::Claim c;
      c.id = id;
      c.consultation_id = consultation;
      c.facility_id = facility;
      c.request = nlohmann::json(stored_request(id, payer)).dump();
      c.created_at = 1'000 + n;
      ASSERT_OK(claims.create(*tx, c, {}));
      ASSERT_OK_AND_ASSIGN(bool queued, claims.queue_for_batch(*tx, facility, id, {}, 1'000 + n));
      EXPECT_TRUE(queued);
    }
    ASSERT_OK(tx->commit());
  }

  std::int64_t in_state(const std::string& facility, const std::string& state) {
    return scalar("SELECT COUNT(*) FROM claims WHERE facility_id = $1 AND state = $2",
                  {facility, state});
  }

  // The batches sent, as the plugin received them.
  std::vector<sdk::ClaimBatch> batches() {
    std::vector<sdk::ClaimBatch> out;
    for (const auto& call : billing_->calls_of("billing.submit_batch")) {
      out.push_back(call.input.get<sdk::ClaimBatch>());
    }
    return out;
  }
};

TEST_P(ClaimBatchesTest, TwoHundredAndOneClaimsGoInTwoBatchesAndAnotherFacilitysStayPut) {
  batched(kFacilityA, "c-a", "a", 201);
  batched(kFacilityB, "c-b", "b", 3);
  // The exchange takes each batch; the plugin is asked while its claims are
  // in_doubt in it already.
  std::vector<std::int64_t> in_doubt_when_sent;
  billing_->on_batch = [this, &in_doubt_when_sent](const sdk::ClaimBatch& b) {
    in_doubt_when_sent.push_back(in_state(kFacilityA, "in_doubt"));
    billing_->batch_answers.push_back(answer_to(b, "taken"));
  };
  ASSERT_OK_AND_ASSIGN(ClaimBatchResult r, send_claim_batches(deps_, kFacilityA, 5'000));
  EXPECT_EQ(r.batches, 2);
  EXPECT_EQ(r.queued, 201);
  EXPECT_EQ(in_doubt_when_sent, (std::vector<std::int64_t>{200, 1}));

  const std::vector<sdk::ClaimBatch> sent = batches();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].claims.size(), 200u);
  EXPECT_EQ(sent[1].claims.size(), 1u);
  EXPECT_NE(sent[0].idempotency_key, sent[1].idempotency_key);
  EXPECT_EQ(sent[0].provider_license, std::string("PR-") + kFacilityA);
  EXPECT_EQ(sent[0].payer_license, "INS-7");
  // Oldest first; each claim with its own key, the one it was stored with.
  EXPECT_EQ(sent[0].claims[0].idempotency_key, "claim-a-001");
  EXPECT_EQ(sent[0].claims[199].idempotency_key, "claim-a-200");
  EXPECT_EQ(sent[1].claims[0].idempotency_key, "claim-a-201");

  EXPECT_EQ(in_state(kFacilityA, "queued"), 201);
  const domain::Claim first = claim(kFacilityA, "claim-a-001");
  EXPECT_EQ(first.batch_id, sent[0].idempotency_key);
  EXPECT_EQ(first.request_message_id, "mh-claim-a-001");
  EXPECT_EQ(first.submitted_at, 5'000);
  EXPECT_EQ(claim(kFacilityA, "claim-a-201").batch_id, sent[1].idempotency_key);
  {
    // The polled answer finds it by the message id it went out with.
    ClaimStore claims(*cipher_, *audit_);
    auto tx = begin();
    ASSERT_OK_AND_ASSIGN(auto found,
                         claims.find_by_request_message(*tx, kFacilityA, "mh-claim-a-150"));
    EXPECT_EQ(found, std::optional<std::string>("claim-a-150"));
    ASSERT_OK_AND_ASSIGN(auto by_key, claims.find_by_request_key(*tx, kFacilityA, "claim-a-150"));
    EXPECT_EQ(by_key, std::optional<std::string>("claim-a-150"));
  }
  EXPECT_EQ(in_state(kFacilityB, "batched"), 3);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'claim.batch'"), 201);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'claim.submit_result' AND "
                   "facility_id = $1",
                   {kFacilityA}),
            201);

  // Nothing is left to send.
  ASSERT_OK_AND_ASSIGN(ClaimBatchResult again, send_claim_batches(deps_, kFacilityA, 6'000));
  EXPECT_EQ(again.batches, 0);
}

TEST_P(ClaimBatchesTest, EachPayerGetsItsOwnBatch) {
  batched(kFacilityA, "c-a", "x", 2, "INS-7");
  batched(kFacilityA, "c-a", "y", 1, "INS-9");
  for (int i = 0; i < 2; ++i) {
    sdk::BatchAcknowledgement ack;
    ack.status = "taken";
    billing_->batch_answers.push_back(ack);
  }
  ASSERT_OK_AND_ASSIGN(ClaimBatchResult r, send_claim_batches(deps_, kFacilityA, 5'000));
  EXPECT_EQ(r.batches, 2);
  const std::vector<sdk::ClaimBatch> sent = batches();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].payer_license, "INS-7");
  EXPECT_EQ(sent[0].claims.size(), 2u);
  EXPECT_EQ(sent[1].payer_license, "INS-9");
  EXPECT_EQ(sent[1].claims.size(), 1u);
  EXPECT_EQ(in_state(kFacilityA, "queued"), 3);
}

TEST_P(ClaimBatchesTest, ALostAnswerLeavesThemInDoubtAndTheStatusCheckSettlesEach) {
  batched(kFacilityA, "c-a", "a", 3);
  // The plugin's own "unknown": each claim under its message id.
  sdk::ClaimBatch expected;
  for (int n = 1; n <= 3; ++n) {
    expected.claims.push_back(stored_request("claim-a-00" + std::to_string(n), "INS-7"));
  }
  billing_->batch_answers.push_back(answer_to(expected, "unknown"));
  ASSERT_OK_AND_ASSIGN(ClaimBatchResult r, send_claim_batches(deps_, kFacilityA, 5'000));
  EXPECT_EQ(r.in_doubt, 3);
  EXPECT_EQ(in_state(kFacilityA, "in_doubt"), 3);
  EXPECT_EQ(claim(kFacilityA, "claim-a-002").request_message_id, "mh-claim-a-002");

  // The next round asks about each: held and queued, held and complete
  // (resent alone, answered again), not held (resent alone).
  sdk::ClaimStatus queued{"claim-a-001", "queued", "s1", "c1"};
  sdk::ClaimStatus complete{"claim-a-002", "complete", "s2", "c2"};
  sdk::ClaimStatus not_held{"claim-a-003", "not_held", "s3", "c3"};
  billing_->status_answers = {queued, complete, not_held};
  sdk::ClaimResponse approved;
  approved.request_id = "claim-a-002";
  approved.status = "complete";
  approved.outcome = "complete";
  approved.approved = true;
  approved.request_message_id = "mh-claim-a-002";
  sdk::ClaimResponse taken;
  taken.request_id = "claim-a-003";
  taken.status = "queued";
  taken.outcome = "queued";
  taken.request_message_id = "mh-claim-a-003";
  billing_->submit_answers = {approved, taken};
  ASSERT_OK_AND_ASSIGN(ClaimStatusCheckResult checked,
                       check_in_doubt_claims(deps_, kFacilityA, 6'000));
  EXPECT_EQ(checked.checked, 3);
  EXPECT_EQ(checked.queued, 1);
  EXPECT_EQ(checked.resent, 2);
  EXPECT_EQ(claim(kFacilityA, "claim-a-001").state, ClaimState::kQueued);
  EXPECT_EQ(claim(kFacilityA, "claim-a-001").request_message_id, "mh-claim-a-001");
  EXPECT_EQ(claim(kFacilityA, "claim-a-002").state, ClaimState::kApproved);
  EXPECT_EQ(claim(kFacilityA, "claim-a-003").state, ClaimState::kQueued);
  // Each asked about, and resent, with its own key.
  const auto checks = billing_->calls_of("billing.check_status");
  ASSERT_EQ(checks.size(), 3u);
  EXPECT_EQ(checks[2].input["request_id"], "claim-a-003");
  const auto resent = billing_->calls_of("billing.submit_claim");
  ASSERT_EQ(resent.size(), 2u);
  EXPECT_EQ(resent[0].input["idempotency_key"], "claim-a-002");
  EXPECT_EQ(resent[1].input["idempotency_key"], "claim-a-003");
}

// The hub stopped after the claims went in_doubt in their batch, before the
// answer was recorded: the status-check finds one queued at the exchange and
// resends it alone, whose "queued" answer names its message.
TEST_P(ClaimBatchesTest, AClaimOfABatchCutShortIsResentAloneToLearnItsMessage) {
  batched(kFacilityA, "c-a", "a", 1);
  {
    ClaimStore claims(*cipher_, *audit_);
    ClaimBatchEntry entry;
    entry.batch_id = "wasl-batch-cut";
    entry.request_key = "claim-a-001";
    entry.response = nlohmann::json{{"request_id", "claim-a-001"}, {"status", "unknown"}}.dump();
    entry.at_ms = 5'000;
    auto tx = begin();
    ASSERT_OK_AND_ASSIGN(bool began, claims.begin_batch(*tx, kFacilityA, "claim-a-001", entry, {}));
    EXPECT_TRUE(began);
    ASSERT_OK(tx->commit());
  }
  EXPECT_FALSE(claim(kFacilityA, "claim-a-001").request_message_id.has_value());
  billing_->status_answers = {sdk::ClaimStatus{"claim-a-001", "queued", "s1", "c1"}};
  billing_->submit_answers = {answer("claim-a-001", "queued")};
  ASSERT_OK_AND_ASSIGN(ClaimStatusCheckResult checked,
                       check_in_doubt_claims(deps_, kFacilityA, 6'000));
  EXPECT_EQ(checked.resent, 1);
  const domain::Claim c = claim(kFacilityA, "claim-a-001");
  EXPECT_EQ(c.state, ClaimState::kQueued);
  EXPECT_EQ(c.request_message_id, "mh-claim-a-001");
  ASSERT_EQ(billing_->calls_of("billing.submit_claim").size(), 1u);
  EXPECT_EQ(billing_->calls_of("billing.submit_claim")[0].input["idempotency_key"], "claim-a-001");
}

TEST_P(ClaimBatchesTest, ARefusedBatchIsAnErrorAndABusyExchangeGetsItNextRound) {
  batched(kFacilityA, "c-a", "a", 2);
  billing_->batch_answers.push_back(
      sdk::Error(sdk::ErrorCode::kUnavailable, "HTTP 503 from the exchange", true));
  ASSERT_OK_AND_ASSIGN(ClaimBatchResult busy, send_claim_batches(deps_, kFacilityA, 5'000));
  EXPECT_EQ(busy.retried, 2);
  EXPECT_EQ(in_state(kFacilityA, "batched"), 2);
  EXPECT_FALSE(claim(kFacilityA, "claim-a-001").batch_id.has_value());
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'claim.batch_result' AND "
                   "outcome = 'failure'"),
            2);

  sdk::ClaimBatch both;
  both.claims = {stored_request("claim-a-001", "INS-7"), stored_request("claim-a-002", "INS-7")};
  billing_->batch_answers.push_back(answer_to(both, "refused"));
  ASSERT_OK_AND_ASSIGN(ClaimBatchResult refused, send_claim_batches(deps_, kFacilityA, 6'000));
  EXPECT_EQ(refused.failed, 2);
  const std::vector<sdk::ClaimBatch> sent = batches();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_NE(sent[0].idempotency_key, sent[1].idempotency_key);  // a new batch, not a resend
  const domain::Claim c = claim(kFacilityA, "claim-a-002");
  EXPECT_EQ(c.state, ClaimState::kError);
  EXPECT_EQ(c.batch_id, sent[1].idempotency_key);
  EXPECT_NE(c.response->find("BV-00027"), std::string::npos) << *c.response;
}

TEST_P(ClaimBatchesTest, APluginWithoutBatchesSendsEachClaimAlone) {
  batched(kFacilityA, "c-a", "a", 2);
  sdk::ClaimResponse queued;
  queued.status = "queued";
  queued.outcome = "queued";
  queued.request_message_id = "mh-1";
  billing_->submit_answers = {queued, queued};
  ASSERT_OK_AND_ASSIGN(ClaimBatchResult r, send_claim_batches(deps_, kFacilityA, 5'000));
  EXPECT_EQ(r.alone, 2);
  EXPECT_EQ(in_state(kFacilityA, "queued"), 2);
  EXPECT_EQ(billing_->calls_of("billing.submit_claim").size(), 2u);
}

TEST_P(ClaimBatchesTest, QueueingAClaimTakesOnlyADraft) {
  ClaimStore claims(*cipher_, *audit_);
  domain::Claim c;
  c.id = "claim-q";
  c.consultation_id = "c-a";
  c.facility_id = kFacilityA;
  c.request = "{}";
  c.created_at = 100;
  auto tx = begin();
  ASSERT_OK(claims.create(*tx, c, {}));
  ASSERT_OK_AND_ASSIGN(bool first, claims.queue_for_batch(*tx, kFacilityA, "claim-q", {}, 200));
  EXPECT_TRUE(first);
  ASSERT_OK_AND_ASSIGN(bool again, claims.queue_for_batch(*tx, kFacilityA, "claim-q", {}, 300));
  EXPECT_FALSE(again);
  // Another facility's claim is not found, as a missing one.
  auto other = claims.queue_for_batch(*tx, kFacilityB, "claim-q", {}, 300);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, sdk::ErrorCode::kNotFound);
  ASSERT_OK(claims.record_submission(*tx, kFacilityA, "claim-q",
                                     ClaimSubmission{ClaimState::kQueued, std::nullopt, "{}", 400},
                                     {}));
  auto sent = claims.queue_for_batch(*tx, kFacilityA, "claim-q", {}, 500);
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().code, sdk::ErrorCode::kFailedPrecondition);
  ASSERT_OK(tx->commit());
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'claim.queue'"), 1);
}

TEST_P(ClaimBatchesTest, TheQueueClaimActionQueuesOnlyForABatchFacility) {
  workflow::HubActions actions;
  ASSERT_OK(add_claim_actions(actions, config_, *cipher_, *audit_));
  add(kFacilityA, "c-a", "claim-built", "claim-built", "draft");
  auto tx = begin();
  workflow::HubActionContext ctx;
  ctx.facility_id = kFacilityA;
  ctx.run_id = "run-1";
  ctx.tx = tx.get();
  ctx.now_ms = 2'000;
  const auto& queue = actions.find("hub.queue_claim")->action;
  ASSERT_OK_AND_ASSIGN(nlohmann::json out, queue(ctx, {{"claim_id", "claim-built"}}));
  EXPECT_EQ(out, (nlohmann::json{{"claim_id", "claim-built"}, {"state", "batched"}}));
  // A re-run of the step finds it queued.
  ASSERT_OK_AND_ASSIGN(nlohmann::json again, queue(ctx, {{"claim_id", "claim-built"}}));
  EXPECT_EQ(again, out);
  ASSERT_OK(tx->commit());
  EXPECT_EQ(claim(kFacilityA, "claim-built").state, ClaimState::kBatched);

  // A facility that submits immediately does not queue.
  config_.facilities[kFacilityB].billing->submission = "immediate";
  tx = begin();
  ctx.facility_id = kFacilityB;
  ctx.tx = tx.get();
  auto refused = queue(ctx, {{"claim_id", "claim-built"}});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, sdk::ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(refused.error().retryable);
}

WASL_RECORDS_INSTANTIATE(ClaimBatchesTest);

}  // namespace
}  // namespace wasl::claims
