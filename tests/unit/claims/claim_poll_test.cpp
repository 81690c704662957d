// billing.poll for queued claims: answers matched to their claims by the
// submitting message id, recorded with their audit, then acknowledged; on
// both backends with a scripted billing plugin.
#include "hub/claims/claim_poll.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "hub/claims/claim_store.hpp"
#include "hub/claims/poll_lease.hpp"
#include "hub/records/consultation_store.hpp"
#include "tests/unit/claims/scripted_billing.hpp"
#include "tests/unit/records/records_database.hpp"

namespace wasl::claims {
namespace {

using domain::ClaimState;
using records::testing::kFacilityA;
using records::testing::kFacilityB;

using testing::ScriptedBilling;

class ClaimPollTest : public records::testing::RecordsDatabaseTest {
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
    queued(kFacilityA, "c-a", "claim-a", "mh-a");
    queued(kFacilityA, "c-a", "claim-a2", "mh-a2");
    queued(kFacilityB, "c-b", "claim-b", "mh-b");
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

  // A claim whose submission the exchange answered `queued`.
  void queued(const std::string& facility, const std::string& consultation, const std::string& id,
              const std::string& message_id) {
    ClaimStore claims(*cipher_, *audit_);
    domain::Claim c;
    c.id = id;
    c.consultation_id = consultation;
    c.facility_id = facility;
    c.request = "{}";
    c.created_at = 100;
    ClaimActor by;
    by.run_id = "run-" + id;
    ClaimSubmission s{ClaimState::kQueued, std::nullopt, R"({"status":"queued"})", 200};
    s.request_message_id = message_id;
    auto tx = begin();
    ASSERT_OK(claims.create(*tx, c, by));
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

  static nlohmann::json answer(const std::string& request_message_id, const std::string& outcome,
                               bool approved, const std::string& message_id) {
    return {{"request_id", ""},         {"response_id", "CR-" + request_message_id},
            {"status", outcome},        {"outcome", outcome},
            {"approved", approved},     {"total_benefit", 150.0},
            {"total_eligible", 172.5},  {"currency", "SAR"},
            {"message_id", message_id}, {"request_message_id", request_message_id}};
  }

  int calls(const std::string& method) {
    int n = 0;
    for (const auto& c : billing_->calls) n += c.method == method;
    return n;
  }

  config::Config config_;
  std::unique_ptr<audit::AuditWriter> audit_;
  std::shared_ptr<ScriptedBilling> billing_ = std::make_shared<ScriptedBilling>();
  ClaimPollDeps deps_;
};

TEST_P(ClaimPollTest, AnswersMoveTheirClaimsWithAuditThenAreAcknowledged) {
  billing_->answers = nlohmann::json::array(
      {answer("mh-a", "complete", true, "resp-1"), answer("mh-a2", "error", false, "resp-2"),
       answer("mh-unknown", "complete", true, "resp-3"),
       answer("mh-b", "complete", true, "resp-4")});  // facility B's: not A's to take
  ASSERT_OK_AND_ASSIGN(ClaimPollResult r, poll_claims(deps_, kFacilityA, 5'000));
  EXPECT_EQ(r.fetched, 4);
  EXPECT_EQ(r.matched, 2);
  EXPECT_EQ(r.unmatched, 2);
  EXPECT_EQ(r.acknowledged, 2);

  ASSERT_GE(billing_->calls.size(), 1u);
  const auto& poll = billing_->calls.front();
  EXPECT_EQ(poll.method, "billing.poll");
  EXPECT_EQ(poll.facility, kFacilityA);
  EXPECT_EQ(poll.input["max_messages"], 100);
  EXPECT_EQ(poll.input["message_types"], nlohmann::json::array({"claim-response"}));
  EXPECT_EQ(poll.input["provider_license"], "PR-A");

  domain::Claim a = claim(kFacilityA, "claim-a");
  EXPECT_EQ(a.state, ClaimState::kApproved);
  EXPECT_EQ(a.provider_claim_id, "CR-mh-a");
  // The answer's message id is kept, so a step of A's runs may acknowledge it.
  {
    ClaimStore claims(*cipher_, *audit_);
    auto tx = begin();
    ASSERT_OK_AND_ASSIGN(auto by_answer,
                         claims.find_by_response_message(*tx, kFacilityA, "resp-1"));
    EXPECT_EQ(by_answer, std::optional<std::string>("claim-a"));
    ASSERT_OK_AND_ASSIGN(auto not_b, claims.find_by_response_message(*tx, kFacilityB, "resp-1"));
    EXPECT_FALSE(not_b.has_value());
  }
  EXPECT_EQ(a.adjudicated_at, 5'000);
  ASSERT_TRUE(a.amounts.has_value());
  EXPECT_EQ(a.amounts->benefit, 15000);
  EXPECT_EQ(claim(kFacilityA, "claim-a2").state, ClaimState::kRejected);
  EXPECT_EQ(claim(kFacilityB, "claim-b").state, ClaimState::kQueued);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'claim.submit_result' AND "
                   "entity_id = 'claim-a' AND detail LIKE '%approved%' AND detail LIKE "
                   "'%run-claim-a%'"),
            1);

  std::vector<std::string> acked;
  for (const auto& c : billing_->calls) {
    if (c.method == "billing.acknowledge") acked.push_back(c.input["message_id"]);
  }
  EXPECT_EQ(acked, (std::vector<std::string>{"resp-1", "resp-2"}));

  // Delivered again (not acknowledged in time): the claim takes nothing new,
  // the answer is acknowledged.
  billing_->calls.clear();
  billing_->answers = nlohmann::json::array({answer("mh-a", "error", false, "resp-1")});
  ASSERT_OK_AND_ASSIGN(ClaimPollResult again, poll_claims(deps_, kFacilityA, 6'000));
  EXPECT_EQ(again.matched, 0);
  EXPECT_EQ(again.acknowledged, 1);
  EXPECT_EQ(claim(kFacilityA, "claim-a").state, ClaimState::kApproved);
}

TEST_P(ClaimPollTest, AFailedPollChangesNothingAndStillQueuedStaysQueued) {
  billing_->poll_error = sdk::Error(sdk::ErrorCode::kUnavailable, "exchange busy", true);
  auto failed = poll_claims(deps_, kFacilityA, 5'000);
  ASSERT_FALSE(failed.ok());
  EXPECT_TRUE(failed.error().retryable);
  EXPECT_EQ(claim(kFacilityA, "claim-a").state, ClaimState::kQueued);

  billing_->poll_error.reset();
  billing_->answers = nlohmann::json::array({answer("mh-a", "queued", false, "resp-9")});
  ASSERT_OK_AND_ASSIGN(ClaimPollResult r, poll_claims(deps_, kFacilityA, 6'000));
  EXPECT_EQ(r.matched, 0);
  EXPECT_EQ(r.acknowledged, 0);
  EXPECT_EQ(claim(kFacilityA, "claim-a").state, ClaimState::kQueued);
  EXPECT_EQ(calls("billing.acknowledge"), 0);
}

TEST_P(ClaimPollTest, AFacilityWithoutBillingIsRefused) {
  auto r = poll_claims(deps_, "no-such-facility", 5'000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, sdk::ErrorCode::kNotFound);
  // Billing settings without a billing binding: nothing to poll either.
  config_.facilities[kFacilityA].bindings.erase("billing");
  auto unbound = poll_claims(deps_, kFacilityA, 5'000);
  ASSERT_FALSE(unbound.ok());
  EXPECT_EQ(unbound.error().code, sdk::ErrorCode::kNotFound);
  EXPECT_NE(unbound.error().message.find("no billing binding"), std::string::npos);
  EXPECT_TRUE(billing_->calls.empty());
}

TEST_P(ClaimPollTest, TheJobPollsEachBillingFacilityAtItsOwnInterval) {
  config_.facilities[kFacilityA].bindings["billing"] = "billing.nphies-a";
  config_.facilities[kFacilityA].billing->poll_interval = std::chrono::minutes(5);
  config_.facilities[kFacilityB].bindings["billing"] = "billing.nphies-b";
  config_.facilities[kFacilityB].billing->poll_interval = std::chrono::minutes(1);
  config_.facilities["fac-c"].bindings["video"] = "video.x";  // no billing: never polled
  ClaimPollJob job(deps_);
  EXPECT_EQ(job.interval(), std::chrono::minutes(1));
  EXPECT_EQ(job.tick(1'000), 2);
  EXPECT_EQ(job.tick(30'000), 0);
  EXPECT_EQ(job.tick(61'000), 1);   // B again
  EXPECT_EQ(job.tick(301'000), 2);  // both
  std::vector<std::string> polled;
  for (const auto& c : billing_->calls) {
    if (c.method == "billing.poll") polled.push_back(c.facility);
  }
  EXPECT_EQ(polled,
            (std::vector<std::string>{kFacilityA, kFacilityB, kFacilityB, kFacilityA, kFacilityB}));
  EXPECT_EQ(calls("billing.check_eligibility"), 0);  // eligibility is never polled
}

// Two hubs on one database (two jobs, each with its own lease token): each
// asks at once when it starts, then they share each facility's schedule, so
// one of them serves it per interval, whichever comes first.
TEST_P(ClaimPollTest, TwoHubsServeEachFacilityOncePerInterval) {
  config_.facilities[kFacilityA].billing->poll_interval = std::chrono::minutes(5);
  config_.facilities[kFacilityB].billing->poll_interval = std::chrono::minutes(1);
  ClaimPollJob one(deps_);
  ClaimPollJob two(deps_);
  EXPECT_EQ(one.tick(1'000), 2);
  EXPECT_EQ(two.tick(1'000), 2);    // its first rounds: claims a dead hub left in doubt
  EXPECT_EQ(one.tick(61'000), 1);   // B is due
  EXPECT_EQ(two.tick(61'000), 0);   // and was just served
  EXPECT_EQ(two.tick(121'000), 1);  // whichever comes first
  EXPECT_EQ(one.tick(121'000), 0);
  EXPECT_EQ(one.tick(301'000), 2);  // A due, and B (two did not come at 181 s)
  EXPECT_EQ(two.tick(301'000), 0);
  EXPECT_EQ(calls("billing.poll"), 8);

  // The operator's poll waits while a round runs (another hub's, here).
  PollLease lease(*store_);
  ASSERT_OK_AND_ASSIGN(bool taken, lease.take(kFacilityA, "other-hub", 302'000, 900'000, true));
  ASSERT_TRUE(taken);
  auto busy = two.poll_now(kFacilityA, 302'000, "operator");
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().code, sdk::ErrorCode::kUnavailable);
  EXPECT_TRUE(busy.error().retryable);
  EXPECT_NE(busy.error().message.find("billing round of facility"), std::string::npos);
  EXPECT_EQ(calls("billing.poll"), 8);
  ASSERT_OK_AND_ASSIGN(bool finished, lease.finish(kFacilityA, "other-hub", 302'000, std::nullopt));
  ASSERT_TRUE(finished);
  // Then it is served, and A's next round stays due at 601 s.
  ASSERT_OK_AND_ASSIGN(ClaimPollResult manual, two.poll_now(kFacilityA, 302'000, "operator"));
  EXPECT_EQ(manual.fetched, 0);
  EXPECT_EQ(calls("billing.poll"), 9);
  EXPECT_EQ(two.tick(400'000), 1);  // B only
  EXPECT_EQ(one.tick(601'000), 2);
  EXPECT_EQ(two.tick(601'000), 0);
}

// Two hubs ticking at the same moment on their own threads and connections:
// past their first rounds, each facility is polled once per round and each
// answer moves its claim once.
TEST_P(ClaimPollTest, TwoHubsAtOnceActOnEachAnswerOnce) {
  billing_->answers = nlohmann::json::array(
      {answer("mh-a", "complete", true, "resp-1"), answer("mh-b", "complete", true, "resp-4")});
  ClaimPollJob one(deps_);
  ClaimPollJob two(deps_);
  for (int round = 0; round < 5; ++round) {
    const std::int64_t now = 1'000 + round * 600'000;
    int polled_one = 0;
    int polled_two = 0;
    std::thread a([&] { polled_one = one.tick(now); });
    std::thread b([&] { polled_two = two.tick(now); });
    a.join();
    b.join();
    if (round == 0) {
      EXPECT_GE(polled_one + polled_two, 2);  // each hub's first rounds, not at once
      EXPECT_LE(polled_one + polled_two, 4);
    } else {
      EXPECT_EQ(polled_one + polled_two, 2) << "round " << round;
    }
  }
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'claim.submit_result' AND "
                   "entity_id = 'claim-a' AND detail LIKE '%approved%'"),
            1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'claim.submit_result' AND "
                   "entity_id = 'claim-b' AND detail LIKE '%approved%'"),
            1);
  EXPECT_EQ(claim(kFacilityA, "claim-a").state, ClaimState::kApproved);
  EXPECT_EQ(claim(kFacilityB, "claim-b").state, ClaimState::kApproved);
}

WASL_RECORDS_INSTANTIATE(ClaimPollTest);

}  // namespace
}  // namespace wasl::claims
