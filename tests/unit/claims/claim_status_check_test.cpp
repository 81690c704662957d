// Claims in doubt resolved with billing.check_status: held and queued →
// queued then polled; held and complete or not held → the same claim
// resent; no answer → asked again next round; and the alert for a claim
// unanswered too long. On both backends with a scripted billing plugin.
#include "hub/claims/claim_status_check.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "hub/claims/claim_actions.hpp"
#include "hub/claims/claim_store.hpp"
#include "hub/records/consultation_store.hpp"
#include "tests/unit/claims/scripted_billing.hpp"
#include "tests/unit/records/records_database.hpp"

namespace wasl::claims {
namespace {

using domain::ClaimState;
using records::testing::kFacilityA;
using records::testing::kFacilityB;
using testing::ScriptedBilling;

// The claim as hub.build_claim stores it (its idempotency key is the claim id;
// the submitting step's own key replaces it when sent).
sdk::Claim stored_request(const std::string& claim_id) {
  sdk::Claim c;
  c.idempotency_key = claim_id;
  c.use = "claim";
  c.patient_id = "pat-1";
  c.practitioner_id = "doc-1";
  c.coverage.id = "cov-1";
  c.coverage.payer_id = "INS-7";
  c.provider_license = "PR-A";
  c.claim_type = "professional";
  c.claim_subtype = "op";
  sdk::ClaimItem item;
  item.service_code = "83600-00-10";
  item.quantity = 1;
  item.unit_price = 150;
  item.tax = 22.5;
  c.items.push_back(item);
  c.raw = {{"claim_id", claim_id}};
  return c;
}

// What the plugin answers when the claim's answer was lost.
nlohmann::json unknown_answer(const std::string& key, const std::string& message_id) {
  return {{"request_id", key},
          {"status", "unknown"},
          {"request_message_id", message_id},
          {"disposition", "no answer from the exchange (deadline_exceeded)"}};
}

sdk::ClaimResponse adjudicated(const std::string& key, const std::string& message_id) {
  sdk::ClaimResponse r;
  r.request_id = key;
  r.response_id = "CR-" + key;
  r.status = "complete";
  r.outcome = "complete";
  r.approved = true;
  r.total_benefit = 150;
  r.total_eligible = 172.5;
  r.request_message_id = message_id;
  r.message_id = "answer-" + key;
  return r;
}

sdk::ClaimStatus status_of(const std::string& key, const std::string& status) {
  sdk::ClaimStatus s;
  s.request_id = key;
  s.status = status;
  s.message_id = "status-response-" + key;
  s.request_message_id = "status-check-" + key;
  return s;
}

class ClaimStatusCheckTest : public records::testing::RecordsDatabaseTest {
 protected:
  void SetUp() override {
    RecordsDatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    audit_ = std::make_unique<audit::AuditWriter>(GetParam(), std::string(32, 'a'));
    config::FacilityBillingConfig billing;
    billing.provider_license = "PR-A";
    config_.facilities[kFacilityA].billing = billing;
    config_.facilities[kFacilityA].bindings["billing"] = "billing.nphies-a";
    billing.provider_license = "PR-B";
    config_.facilities[kFacilityB].billing = billing;
    config_.facilities[kFacilityB].bindings["billing"] = "billing.nphies-b";
    records::ConsultationStore consultations(*cipher_);
    auto tx = begin();
    ASSERT_OK(consultations.insert(*tx, sample_consultation(kFacilityA, "c-a")));
    ASSERT_OK(consultations.insert(*tx, sample_consultation(kFacilityB, "c-b")));
    ASSERT_OK(tx->commit());
    deps_.store = store_.get();
    deps_.billing =
        [this](
            const std::string& facility_id) -> sdk::Result<std::shared_ptr<sdk::BillingGateway>> {
      billing_->facility = facility_id;
      return std::shared_ptr<sdk::BillingGateway>(billing_);
    };
    deps_.config = &config_;
    deps_.cipher = cipher_.get();
    deps_.audit = audit_.get();
  }

  // A claim whose submission with idempotency key `key` got no answer at
  // `sent_ms`, recorded as the billing.submit_claim observer records it.
  void in_doubt(const std::string& facility, const std::string& consultation, const std::string& id,
                const std::string& key, std::int64_t sent_ms) {
    create(facility, consultation, id, sent_ms);
    record(
        facility, id,
        claim_submission_of(sdk::Result<nlohmann::json>(unknown_answer(key, "mh-" + id)), sent_ms));
  }

  void create(const std::string& facility, const std::string& consultation, const std::string& id,
              std::int64_t created_ms) {
    ClaimStore claims(*cipher_, *audit_);
    domain::Claim c;
    c.id = id;
    c.consultation_id = consultation;
    c.facility_id = facility;
    c.request = nlohmann::json(stored_request(id)).dump();
    c.created_at = created_ms;
    ClaimActor by;
    by.run_id = "run-" + id;
    auto tx = begin();
    ASSERT_OK(claims.create(*tx, c, by));
    ASSERT_OK(tx->commit());
  }

  void record(const std::string& facility, const std::string& id, const ClaimSubmission& s) {
    ClaimStore claims(*cipher_, *audit_);
    ClaimActor by;
    by.run_id = "run-" + id;
    auto tx = begin();
    ASSERT_OK(claims.record_submission(*tx, facility, id, s, by));
    ASSERT_OK(tx->commit());
  }

  domain::Claim claim(const std::string& facility, const std::string& id) {
    ClaimStore claims(*cipher_, *audit_);
    auto tx = begin();
    auto c = claims.get(*tx, facility, id);
    EXPECT_OK(c);
    return c.ok() ? *c : domain::Claim{};
  }

  std::vector<std::string> listed(const std::string& facility, ClaimState state) {
    ClaimStore claims(*cipher_, *audit_);
    auto tx = begin();
    ClaimQuery q;
    q.state = state;
    auto list = claims.list(*tx, facility, q);
    EXPECT_OK(list);
    std::vector<std::string> ids;
    if (list.ok()) {
      for (const auto& c : *list) ids.push_back(c.id);
    }
    return ids;
  }

  std::int64_t results(const std::string& id, const std::string& state) {
    return scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'claim.submit_result' AND entity_id = "
        "$1 AND detail LIKE $2",
        {id, "%\"state\":\"" + state + "\"%"});
  }

  config::Config config_;
  std::unique_ptr<audit::AuditWriter> audit_;
  std::shared_ptr<ScriptedBilling> billing_ = std::make_shared<ScriptedBilling>();
  ClaimPollDeps deps_;
};

TEST_P(ClaimStatusCheckTest, UnknownIsInDoubtThenHeldQueuedIsQueuedThenPolledToApproved) {
  in_doubt(kFacilityA, "c-a", "claim-a", "wasl-step-a", 200);
  in_doubt(kFacilityB, "c-b", "claim-b", "wasl-step-b", 200);
  domain::Claim before = claim(kFacilityA, "claim-a");
  EXPECT_EQ(before.state, ClaimState::kInDoubt);
  EXPECT_EQ(before.submitted_at, 200);  // sent, though unanswered: its age counts from here
  EXPECT_EQ(before.request_message_id, "mh-claim-a");
  EXPECT_EQ(listed(kFacilityA, ClaimState::kInDoubt), std::vector<std::string>{"claim-a"});
  EXPECT_TRUE(listed(kFacilityA, ClaimState::kQueued).empty());
  EXPECT_EQ(results("claim-a", "in_doubt"), 1);

  billing_->status_answers.push_back(status_of("wasl-step-a", "queued"));
  ASSERT_OK_AND_ASSIGN(ClaimStatusCheckResult r, check_in_doubt_claims(deps_, kFacilityA, 5'000));
  EXPECT_EQ(r.checked, 1);
  EXPECT_EQ(r.queued, 1);
  EXPECT_EQ(r.resent, 0);
  EXPECT_EQ(r.in_doubt, 0);
  EXPECT_EQ(r.skipped, 0);

  auto checks = billing_->calls_of("billing.check_status");
  ASSERT_EQ(checks.size(), 1u);  // facility B's claim is not A's to ask about
  EXPECT_EQ(checks[0].facility, kFacilityA);
  EXPECT_EQ(checks[0].input["request_id"], "wasl-step-a");
  EXPECT_EQ(checks[0].input["provider_license"], "PR-A");
  EXPECT_EQ(checks[0].input["payer_license"], "INS-7");
  EXPECT_EQ(checks[0].input["idempotency_key"], "wasl-status-claim-a-5000");
  EXPECT_TRUE(billing_->calls_of("billing.submit_claim").empty());

  domain::Claim queued = claim(kFacilityA, "claim-a");
  EXPECT_EQ(queued.state, ClaimState::kQueued);
  EXPECT_EQ(queued.request_message_id, "mh-claim-a");
  EXPECT_EQ(results("claim-a", "queued"), 1);
  EXPECT_EQ(claim(kFacilityB, "claim-b").state, ClaimState::kInDoubt);

  // Polled as any queued claim.
  billing_->answers = nlohmann::json::array({adjudicated("wasl-step-a", "mh-claim-a")});
  ASSERT_OK_AND_ASSIGN(ClaimPollResult polled, poll_claims(deps_, kFacilityA, 6'000));
  EXPECT_EQ(polled.matched, 1);
  domain::Claim approved = claim(kFacilityA, "claim-a");
  EXPECT_EQ(approved.state, ClaimState::kApproved);
  EXPECT_EQ(approved.provider_claim_id, "CR-wasl-step-a");
  EXPECT_EQ(approved.adjudicated_at, 6'000);
  EXPECT_EQ(results("claim-a", "approved"), 1);

  // Nothing in doubt any more: the next round asks nothing.
  ASSERT_OK_AND_ASSIGN(ClaimStatusCheckResult next,
                       check_in_doubt_claims(deps_, kFacilityA, 7'000));
  EXPECT_EQ(next.checked, 0);
  EXPECT_EQ(billing_->calls_of("billing.check_status").size(), 1u);
}

TEST_P(ClaimStatusCheckTest, NotHeldIsResentOnceWithTheSameIdsThenApproved) {
  in_doubt(kFacilityA, "c-a", "claim-a", "wasl-step-a", 200);
  billing_->status_answers.push_back(status_of("wasl-step-a", "not_held"));
  billing_->submit_answers.push_back(adjudicated("wasl-step-a", "mh-claim-a"));
  ASSERT_OK_AND_ASSIGN(ClaimStatusCheckResult r, check_in_doubt_claims(deps_, kFacilityA, 5'000));
  EXPECT_EQ(r.checked, 1);
  EXPECT_EQ(r.resent, 1);
  EXPECT_EQ(r.queued, 0);

  auto sent = billing_->calls_of("billing.submit_claim");
  ASSERT_EQ(sent.size(), 1u);
  // Exactly the stored claim under the key it was first sent with: the
  // plugin derives the Bundle id, MessageHeader id and Claim identifier from
  // that key, so the exchange sees the same message.
  sdk::Claim expected = stored_request("claim-a");
  expected.idempotency_key = "wasl-step-a";
  EXPECT_EQ(sent[0].input, nlohmann::json(expected));

  domain::Claim c = claim(kFacilityA, "claim-a");
  EXPECT_EQ(c.state, ClaimState::kApproved);
  EXPECT_EQ(c.provider_claim_id, "CR-wasl-step-a");
  ASSERT_TRUE(c.amounts.has_value());
  EXPECT_EQ(c.amounts->benefit, 15000);
  EXPECT_EQ(c.submitted_at, 200);
  EXPECT_EQ(results("claim-a", "approved"), 1);

  ASSERT_OK(check_in_doubt_claims(deps_, kFacilityA, 6'000));
  EXPECT_EQ(billing_->calls_of("billing.submit_claim").size(), 1u);  // resent once only
  EXPECT_EQ(billing_->calls_of("billing.check_status").size(), 1u);
}

TEST_P(ClaimStatusCheckTest, HeldCompleteIsResentToGetItsAnswerAgain) {
  in_doubt(kFacilityA, "c-a", "claim-a", "wasl-step-a", 200);
  billing_->status_answers.push_back(status_of("wasl-step-a", "complete"));
  sdk::ClaimResponse rejected = adjudicated("wasl-step-a", "mh-claim-a");
  rejected.approved = false;
  billing_->submit_answers.push_back(rejected);
  ASSERT_OK_AND_ASSIGN(ClaimStatusCheckResult r, check_in_doubt_claims(deps_, kFacilityA, 5'000));
  EXPECT_EQ(r.resent, 1);
  EXPECT_EQ(claim(kFacilityA, "claim-a").state, ClaimState::kRejected);
}

TEST_P(ClaimStatusCheckTest, StillUnknownStaysInDoubtAndIsAskedAgainNextRound) {
  in_doubt(kFacilityA, "c-a", "claim-a", "wasl-step-a", 200);
  // Round 1: the check's own answer is lost.
  billing_->status_answers.push_back(
      sdk::Error(sdk::ErrorCode::kDeadlineExceeded, "status-check timed out", true));
  ASSERT_OK_AND_ASSIGN(ClaimStatusCheckResult r1, check_in_doubt_claims(deps_, kFacilityA, 5'000));
  EXPECT_EQ(r1.checked, 0);
  EXPECT_EQ(r1.in_doubt, 1);
  EXPECT_EQ(claim(kFacilityA, "claim-a").state, ClaimState::kInDoubt);

  // Round 2: not held, and the resend's answer is lost too.
  billing_->status_answers.push_back(status_of("wasl-step-a", "not_held"));
  billing_->submit_answers.push_back(
      nlohmann::json(unknown_answer("wasl-step-a", "mh-claim-a")).get<sdk::ClaimResponse>());
  ASSERT_OK_AND_ASSIGN(ClaimStatusCheckResult r2, check_in_doubt_claims(deps_, kFacilityA, 6'000));
  EXPECT_EQ(r2.checked, 1);
  EXPECT_EQ(r2.resent, 0);
  EXPECT_EQ(r2.in_doubt, 1);
  EXPECT_EQ(claim(kFacilityA, "claim-a").state, ClaimState::kInDoubt);
  EXPECT_EQ(results("claim-a", "in_doubt"), 1);  // nothing new to record

  // Round 3: not held, a retryable failure of the resend: still in doubt.
  billing_->status_answers.push_back(status_of("wasl-step-a", "not_held"));
  billing_->submit_answers.push_back(
      sdk::Error(sdk::ErrorCode::kUnavailable, "the exchange answered HTTP 503", true));
  ASSERT_OK_AND_ASSIGN(ClaimStatusCheckResult r3, check_in_doubt_claims(deps_, kFacilityA, 7'000));
  EXPECT_EQ(r3.in_doubt, 1);
  EXPECT_EQ(claim(kFacilityA, "claim-a").state, ClaimState::kInDoubt);

  // Round 4: not held, resent, answered.
  billing_->status_answers.push_back(status_of("wasl-step-a", "not_held"));
  billing_->submit_answers.push_back(adjudicated("wasl-step-a", "mh-claim-a"));
  ASSERT_OK_AND_ASSIGN(ClaimStatusCheckResult r4, check_in_doubt_claims(deps_, kFacilityA, 8'000));
  EXPECT_EQ(r4.resent, 1);
  EXPECT_EQ(claim(kFacilityA, "claim-a").state, ClaimState::kApproved);

  auto checks = billing_->calls_of("billing.check_status");
  ASSERT_EQ(checks.size(), 4u);
  // A new check message each round, always about the same claim.
  EXPECT_NE(checks[0].input["idempotency_key"], checks[1].input["idempotency_key"]);
  for (const auto& c : checks) EXPECT_EQ(c.input["request_id"], "wasl-step-a");
  auto sent = billing_->calls_of("billing.submit_claim");
  ASSERT_EQ(sent.size(), 3u);
  for (const auto& s : sent) EXPECT_EQ(s.input, sent[0].input);  // the same claim each time
}

TEST_P(ClaimStatusCheckTest, APermanentRefusalOfTheResendIsAnError) {
  in_doubt(kFacilityA, "c-a", "claim-a", "wasl-step-a", 200);
  billing_->status_answers.push_back(status_of("wasl-step-a", "not_held"));
  billing_->submit_answers.push_back(
      sdk::Error(sdk::ErrorCode::kInvalidArgument, "the message was refused as malformed", false));
  ASSERT_OK_AND_ASSIGN(ClaimStatusCheckResult r, check_in_doubt_claims(deps_, kFacilityA, 5'000));
  EXPECT_EQ(r.resent, 1);
  EXPECT_EQ(claim(kFacilityA, "claim-a").state, ClaimState::kError);
}

TEST_P(ClaimStatusCheckTest, AClaimWithoutItsKeyCannotBeAskedAbout) {
  create(kFacilityA, "c-a", "claim-a", 100);
  ClaimSubmission s;
  s.state = ClaimState::kInDoubt;
  s.response = R"({"status":"unknown"})";  // no request_id
  s.at_ms = 200;
  record(kFacilityA, "claim-a", s);
  ASSERT_OK_AND_ASSIGN(ClaimStatusCheckResult r, check_in_doubt_claims(deps_, kFacilityA, 5'000));
  EXPECT_EQ(r.skipped, 1);
  EXPECT_TRUE(billing_->calls.empty());
  EXPECT_EQ(claim(kFacilityA, "claim-a").state, ClaimState::kInDoubt);
}

TEST_P(ClaimStatusCheckTest, AClaimUnansweredTooLongRaisesOneAlert) {
  const std::int64_t hour = 3'600'000;
  config_.facilities[kFacilityA].billing->max_unanswered_age = std::chrono::hours(1);
  config_.facilities[kFacilityB].billing->max_unanswered_age = std::chrono::hours(1);
  in_doubt(kFacilityA, "c-a", "claim-old", "wasl-step-old", 200);
  create(kFacilityA, "c-a", "claim-queued", 300);
  ClaimSubmission queued;
  queued.state = ClaimState::kQueued;
  queued.response = R"({"status":"queued"})";
  queued.at_ms = 400;
  queued.request_message_id = "mh-claim-queued";
  record(kFacilityA, "claim-queued", queued);
  in_doubt(kFacilityA, "c-a", "claim-young", "wasl-step-young", hour);
  in_doubt(kFacilityB, "c-b", "claim-b", "wasl-step-b", 200);
  // An old claim that was answered raises nothing.
  create(kFacilityA, "c-a", "claim-done", 100);
  record(kFacilityA, "claim-done",
         claim_submission_of(sdk::Result<nlohmann::json>(
                                 nlohmann::json(adjudicated("wasl-step-done", "mh-claim-done"))),
                             150));

  std::vector<ClaimAlert> alerts;
  deps_.alert = [&alerts](const ClaimAlert& a) { alerts.push_back(a); };
  // The exchange does not answer the checks: every in-doubt claim stays so.
  ClaimPollJob job(deps_);
  const std::int64_t now = hour + 1'000;
  EXPECT_EQ(job.tick(now), 2);
  ASSERT_EQ(alerts.size(), 3u);
  std::vector<std::string> seen;
  for (const auto& a : alerts) seen.push_back(a.facility_id + "/" + a.claim_id + "/" + a.state);
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"fac-a/claim-old/in_doubt", "fac-a/claim-queued/queued",
                                            "fac-b/claim-b/in_doubt"}));
  for (const auto& a : alerts) {
    if (a.claim_id == "claim-old") {
      EXPECT_EQ(a.sent_at_ms, 200);
    }
    if (a.claim_id == "claim-queued") {
      EXPECT_EQ(a.sent_at_ms, 400);
    }
  }
  EXPECT_EQ(claim(kFacilityA, "claim-old").state, ClaimState::kInDoubt);
  EXPECT_EQ(billing_->calls_of("billing.check_status").size(), 3u);

  // The next round: the same claims alert no more; the young one is now old.
  alerts.clear();
  const std::int64_t later = now + 2 * hour;
  EXPECT_EQ(job.tick(later), 2);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].claim_id, "claim-young");
}

WASL_RECORDS_INSTANTIATE(ClaimStatusCheckTest);

}  // namespace
}  // namespace wasl::claims
