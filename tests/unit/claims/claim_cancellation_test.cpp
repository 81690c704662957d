// Cancelling and nullifying a claim: recorded and audited before the message
// goes out, with a key derived from the claim, sent once per attempt and
// again unchanged after a lost answer; the exchange's answer moves the claim
// or is kept as a refusal. On both backends with a scripted billing plugin.
#include "hub/claims/claim_cancellation.hpp"

#include <gtest/gtest.h>

#include "hub/claims/claim_status_check.hpp"
#include "tests/unit/claims/answered_claims.hpp"

namespace wasl::claims::testing {
namespace {

using domain::ClaimState;
using records::testing::kFacilityA;
using records::testing::kFacilityB;

class ClaimCancellationTest : public AnsweredClaimsTest {
 protected:
  static sdk::ClaimResponse taken() {
    sdk::ClaimResponse r;
    r.status = "complete";
    r.outcome = "complete";
    r.approved = true;
    return r;
  }
  static sdk::ClaimResponse refused(const std::string& code) {
    sdk::ClaimResponse r;
    r.status = "error";
    r.outcome = "error";
    r.errors = {code};
    r.disposition = "The claim is not adjudicated";
    return r;
  }
};

TEST_P(ClaimCancellationTest, AQueuedClaimIsCancelledOnceAudited) {
  add(kFacilityA, "c-a", "claim-a", "wasl-step-a", "queued");
  billing_->cancel_answers.push_back(taken());
  ASSERT_OK_AND_ASSIGN(
      CancellationResult r,
      cancel_claim(deps_, kFacilityA, "claim-a", CancelKind::kCancel, "NP", 1'000, "apikey:ops"));
  EXPECT_TRUE(r.taken);
  EXPECT_EQ(r.claim.state, ClaimState::kCancelled);
  ASSERT_TRUE(r.claim.cancellation.has_value());
  EXPECT_EQ(r.claim.cancellation->state, "taken");
  EXPECT_FALSE(r.claim.request.has_value()) << "no PHI leaves with the result";

  auto sent = billing_->calls_of("billing.cancel");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].facility, kFacilityA);
  EXPECT_EQ(sent[0].input["idempotency_key"], "wasl-cancel-claim-a");
  EXPECT_EQ(sent[0].input["request_id"], "wasl-step-a");  // the key it was sent with
  EXPECT_EQ(sent[0].input["kind"], "cancel");
  EXPECT_EQ(sent[0].input["reason"], "NP");
  EXPECT_EQ(sent[0].input["provider_license"], "PR-A");
  EXPECT_EQ(sent[0].input["payer_license"], "INS-7");
  EXPECT_EQ(audits("claim.cancel", "claim-a"), 1);
  EXPECT_EQ(audits("claim.cancel_result", "claim-a"), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'claim.cancel' AND "
                   "actor = 'apikey:ops' AND detail LIKE '%\"reason\":\"NP\"%'"),
            1);

  // Cancelled: neither cancelled again nor moved by a late answer.
  auto again = cancel_claim(deps_, kFacilityA, "claim-a", CancelKind::kCancel, "NP", 2'000, "x");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, sdk::ErrorCode::kFailedPrecondition);
  EXPECT_NE(again.error().message.find("cancelled"), std::string::npos);
  EXPECT_EQ(billing_->calls_of("billing.cancel").size(), 1u);
}

// A person who cancels in the console: every event of the cancellation names
// them and the session the request came in on.
TEST_P(ClaimCancellationTest, ACancellationOnAConsoleSessionNamesTheSession) {
  add(kFacilityA, "c-a", "claim-a", "wasl-step-a", "queued");
  billing_->cancel_answers.push_back(taken());
  const audit::AuditActor by{"person:psn_0a0a", "ses_111111111111111111111111"};
  ASSERT_OK_AND_ASSIGN(CancellationResult r, cancel_claim(deps_, kFacilityA, "claim-a",
                                                          CancelKind::kCancel, "NP", 1'000, by));
  EXPECT_TRUE(r.taken);
  EXPECT_EQ(audits("claim.cancel", "claim-a"), 1);
  EXPECT_EQ(audits("claim.cancel_result", "claim-a"), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action LIKE 'claim.cancel%' AND "
                   "actor = 'person:psn_0a0a' AND session_ref = 'ses_111111111111111111111111'"),
            2);
}

TEST_P(ClaimCancellationTest, ALostAnswerIsSentAgainAsTheSameMessage) {
  add(kFacilityA, "c-a", "claim-a", "wasl-step-a", "unknown");
  ASSERT_EQ(claim(kFacilityA, "claim-a").state, ClaimState::kInDoubt);
  billing_->cancel_answers.push_back(
      sdk::Error(sdk::ErrorCode::kUnavailable, "the exchange did not answer", true));
  auto lost = cancel_claim(deps_, kFacilityA, "claim-a", CancelKind::kCancel, "WI", 1'000, "x");
  ASSERT_FALSE(lost.ok());
  EXPECT_TRUE(lost.error().retryable);
  domain::Claim sending = claim(kFacilityA, "claim-a");
  EXPECT_EQ(sending.state, ClaimState::kInDoubt);
  ASSERT_TRUE(sending.cancellation.has_value());
  EXPECT_EQ(sending.cancellation->state, "sending");

  // The billing round finds the exchange does not hold the claim: it is not
  // sent again while its cancellation is on its way.
  sdk::ClaimStatus not_held;
  not_held.status = "not_held";
  billing_->status_answers.push_back(not_held);
  ASSERT_OK_AND_ASSIGN(ClaimStatusCheckResult round,
                       check_in_doubt_claims(deps_, kFacilityA, 1'200));
  EXPECT_EQ(round.checked, 1);
  EXPECT_EQ(round.in_doubt, 1);
  EXPECT_EQ(round.resent, 0);
  EXPECT_TRUE(billing_->calls_of("billing.submit_claim").empty());
  EXPECT_EQ(claim(kFacilityA, "claim-a").state, ClaimState::kInDoubt);

  // A nullify meanwhile is refused; the same cancellation again is the same
  // message, whatever reason is given now.
  auto other = cancel_claim(deps_, kFacilityA, "claim-a", CancelKind::kNullify, "WI", 1'500, "x");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, sdk::ErrorCode::kFailedPrecondition);
  billing_->cancel_answers.push_back(taken());
  ASSERT_OK_AND_ASSIGN(CancellationResult r, cancel_claim(deps_, kFacilityA, "claim-a",
                                                          CancelKind::kCancel, "NP", 2'000, "x"));
  EXPECT_TRUE(r.taken);
  auto sent = billing_->calls_of("billing.cancel");
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].input, sent[0].input);
  EXPECT_EQ(sent[1].input["reason"], "WI");
  EXPECT_EQ(audits("claim.cancel", "claim-a"), 1) << "the intent is recorded once";
  EXPECT_EQ(audits("claim.cancel_result", "claim-a"), 1);
  EXPECT_EQ(claim(kFacilityA, "claim-a").state, ClaimState::kCancelled);
}

TEST_P(ClaimCancellationTest, AnApprovedClaimIsNullifiedAndARefusalIsKept) {
  add(kFacilityA, "c-a", "claim-a", "wasl-step-a", "approved");
  add(kFacilityA, "c-a", "claim-r", "wasl-step-r", "rejected");
  // Adjudicated: not cancelled, nullified.
  auto cancel = cancel_claim(deps_, kFacilityA, "claim-a", CancelKind::kCancel, "WI", 1'000, "x");
  ASSERT_FALSE(cancel.ok());
  EXPECT_EQ(cancel.error().code, sdk::ErrorCode::kFailedPrecondition);
  EXPECT_NE(cancel.error().message.find("approved"), std::string::npos);
  EXPECT_TRUE(billing_->calls_of("billing.cancel").empty());

  billing_->cancel_answers.push_back(refused("TK-0003"));
  ASSERT_OK_AND_ASSIGN(CancellationResult no, cancel_claim(deps_, kFacilityA, "claim-r",
                                                           CancelKind::kNullify, "WI", 1'000, "x"));
  EXPECT_FALSE(no.taken);
  EXPECT_EQ(no.errors, std::vector<std::string>{"TK-0003"});
  EXPECT_EQ(no.claim.state, ClaimState::kRejected);
  ASSERT_TRUE(no.claim.cancellation.has_value());
  EXPECT_EQ(no.claim.cancellation->state, "refused");
  EXPECT_EQ(no.claim.cancellation->error, "TK-0003");  // the codes only, no payer text
  EXPECT_EQ(no.disposition, "The claim is not adjudicated");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'claim.nullify_result' AND "
                   "entity_id = 'claim-r' AND outcome = 'failure'"),
            1);

  // A refused attempt may be followed by another, with a key of its own.
  billing_->cancel_answers.push_back(taken());
  ASSERT_OK_AND_ASSIGN(
      CancellationResult yes,
      cancel_claim(deps_, kFacilityA, "claim-r", CancelKind::kNullify, "TAS", 2'000, "x"));
  EXPECT_TRUE(yes.taken);
  EXPECT_EQ(yes.claim.state, ClaimState::kNullified);
  auto sent = billing_->calls_of("billing.cancel");
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].input["idempotency_key"], "wasl-nullify-claim-r");
  EXPECT_EQ(sent[1].input["idempotency_key"], "wasl-nullify-claim-r-2");
  EXPECT_EQ(sent[1].input["kind"], "nullify");

  billing_->cancel_answers.push_back(taken());
  ASSERT_OK_AND_ASSIGN(
      CancellationResult approved,
      cancel_claim(deps_, kFacilityA, "claim-a", CancelKind::kNullify, "WI", 3'000, "x"));
  EXPECT_EQ(approved.claim.state, ClaimState::kNullified);
  // A nullified claim takes no late answer.
  ClaimStore claims(*cipher_, *audit_);
  auto tx = begin();
  auto late = claims.record_submission(
      *tx, kFacilityA, "claim-a",
      claim_submission_of(sdk::Result<nlohmann::json>(nlohmann::json(answer("k", "approved"))),
                          4'000),
      ClaimActor{});
  EXPECT_FALSE(late.ok());
}

TEST_P(ClaimCancellationTest, APermanentErrorIsARefusalAndPaidClaimsAreNotNullified) {
  add(kFacilityA, "c-a", "claim-a", "wasl-step-a", "partial");
  billing_->cancel_answers.push_back(
      sdk::Error(sdk::ErrorCode::kInvalidArgument, "Task.reasonCode is not allowed", false));
  auto failed = cancel_claim(deps_, kFacilityA, "claim-a", CancelKind::kNullify, "SU", 1'000, "x");
  ASSERT_FALSE(failed.ok());
  EXPECT_FALSE(failed.error().retryable);
  domain::Claim kept = claim(kFacilityA, "claim-a");
  EXPECT_EQ(kept.state, ClaimState::kPartial);
  ASSERT_TRUE(kept.cancellation.has_value());
  EXPECT_EQ(kept.cancellation->state, "refused");
  EXPECT_EQ(kept.cancellation->error, "Task.reasonCode is not allowed");

  ClaimStore claims(*cipher_, *audit_);
  {
    auto tx = begin();
    ClaimPayment paid;
    paid.paid_total = 15000;
    ASSERT_OK(claims.record_payment(*tx, kFacilityA, "claim-a", paid, ClaimActor{}));
    ASSERT_OK(tx->commit());
  }
  auto refused_paid =
      cancel_claim(deps_, kFacilityA, "claim-a", CancelKind::kNullify, "WI", 2'000, "x");
  ASSERT_FALSE(refused_paid.ok());
  EXPECT_NE(refused_paid.error().message.find("paid"), std::string::npos);
  EXPECT_EQ(billing_->calls_of("billing.cancel").size(), 1u);
}

TEST_P(ClaimCancellationTest, AnotherFacilitysClaimAndAnUnknownReasonAreRefusedUnsent) {
  add(kFacilityB, "c-b", "claim-b", "wasl-step-b", "queued");
  add(kFacilityA, "c-a", "claim-d", "", "draft");
  auto theirs = cancel_claim(deps_, kFacilityA, "claim-b", CancelKind::kCancel, "WI", 1'000, "x");
  ASSERT_FALSE(theirs.ok());
  EXPECT_EQ(theirs.error().code, sdk::ErrorCode::kNotFound);
  auto reason = cancel_claim(deps_, kFacilityB, "claim-b", CancelKind::kCancel, "XX", 1'000, "x");
  ASSERT_FALSE(reason.ok());
  EXPECT_EQ(reason.error().code, sdk::ErrorCode::kInvalidArgument);
  auto draft = cancel_claim(deps_, kFacilityA, "claim-d", CancelKind::kCancel, "WI", 1'000, "x");
  ASSERT_FALSE(draft.ok());
  EXPECT_NE(draft.error().message.find("draft"), std::string::npos);
  EXPECT_TRUE(billing_->calls_of("billing.cancel").empty());
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action LIKE 'claim.cancel%'"), 0);
  EXPECT_EQ(claim(kFacilityB, "claim-b").state, ClaimState::kQueued);
}

TEST(ClaimCancellationKeys, DerivedFromTheClaimTheKindAndTheAttempt) {
  EXPECT_EQ(cancellation_key("cancel", "c-1", 1), "wasl-cancel-c-1");
  EXPECT_EQ(cancellation_key("nullify", "c-1", 1), "wasl-nullify-c-1");
  EXPECT_EQ(cancellation_key("nullify", "c-1", 3), "wasl-nullify-c-1-3");
  for (const char* r : {"WI", "NP", "TAS", "SU"}) EXPECT_TRUE(is_cancel_reason(r)) << r;
  EXPECT_FALSE(is_cancel_reason("wi"));
  EXPECT_FALSE(is_cancel_reason(""));
  EXPECT_TRUE(domain::is_cancellable(ClaimState::kInDoubt));
  EXPECT_FALSE(domain::is_cancellable(ClaimState::kApproved));
  EXPECT_TRUE(domain::is_nullifiable(ClaimState::kRejected));
  EXPECT_FALSE(domain::is_nullifiable(ClaimState::kPaid));
  EXPECT_FALSE(domain::is_adjudicated(ClaimState::kNullified));
  EXPECT_FALSE(domain::is_payable(ClaimState::kNullified));
  EXPECT_EQ(domain::parse_claim_state("nullified"), ClaimState::kNullified);
}

WASL_RECORDS_INSTANTIATE(ClaimCancellationTest);

}  // namespace
}  // namespace wasl::claims::testing
