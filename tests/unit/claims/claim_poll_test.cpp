// billing.poll for queued claims: answers matched to their claims by the
// submitting message id, recorded with their audit, then acknowledged; on
// both backends with a scripted billing plugin.
#include "hub/claims/claim_poll.hpp"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "hub/claims/advanced_authorization_store.hpp"
#include "hub/claims/billing_message_store.hpp"
#include "hub/claims/claim_actions.hpp"
#include "hub/claims/claim_store.hpp"
#include "hub/claims/information_answers.hpp"
#include "hub/claims/information_request_store.hpp"
#include "hub/claims/payment_notices.hpp"
#include "hub/claims/payment_store.hpp"
#include "hub/claims/poll_lease.hpp"
#include "hub/claims/polled_message_router.hpp"
#include "hub/records/consultation_store.hpp"
#include "hub/records/recording_store.hpp"
#include "hub/workflow/hub_actions.hpp"
#include "tests/unit/claims/scripted_billing.hpp"
#include "tests/unit/records/records_database.hpp"
#include "wasl/sdk/base64.hpp"
#include "wasl/sdk/timestamp.hpp"

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
    ClaimSubmission s{ClaimState::kQueued, std::nullopt,
                      nlohmann::json{{"status", "queued"}, {"request_id", "key-" + id}}.dump(),
                      200};
    s.request_message_id = message_id;
    s.request_key = "key-" + id;
    auto tx = begin();
    ASSERT_OK(claims.create(*tx, c, by));
    ASSERT_OK(claims.record_submission(*tx, facility, id, s, by));
    ASSERT_OK(tx->commit());
  }

  // The payer approved the claim, its benefit `benefit` hundredths of SAR.
  void approve(const std::string& facility, const std::string& id, std::int64_t benefit) {
    ClaimStore claims(*cipher_, *audit_);
    domain::ClaimAmounts amounts;
    amounts.currency = "SAR";
    amounts.eligible = benefit;
    amounts.benefit = benefit;
    ClaimSubmission s;
    s.state = ClaimState::kApproved;
    s.provider_claim_id = "CR-" + id;
    s.response = R"({"outcome":"complete"})";
    s.at_ms = 300;
    s.amounts = amounts;
    auto tx = begin();
    ASSERT_OK(claims.record_submission(*tx, facility, id, s, {}));
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

  // The payer asks about claim-a: polled, kept open for the operators; the
  // request's id.
  std::string ask_about_claim_a(const std::string& request_id) {
    billing_->exchange_queue.emplace();
    sdk::PolledMessage m;
    m.event = "communication-request";
    m.message_id = "m-" + request_id;
    m.information_request.request_id = request_id;
    m.information_request.request_system = "http://payer.example/communication-request";
    m.information_request.claim_request_id = "key-claim-a";
    m.information_request.reason = "missing-attachment";
    m.information_request.questions = {"Send the visit note of Sara Al-Qahtani"};
    m.information_request.documents = {{"application/pdf", "visit note"}};
    m.information_request.due_ms = 900'000;
    billing_->exchange_queue->push_back(m);
    EXPECT_OK(poll_claims(deps_, kFacilityA, 5'000));
    InformationRequestStore requests(*cipher_, *audit_);
    auto tx = begin();
    auto all = requests.list(*tx, kFacilityA, InformationRequestQuery{});
    EXPECT_OK(all);
    if (all.ok()) {
      for (const auto& row : *all) {
        if (row.request_id == request_id) return row.id;
      }
    }
    ADD_FAILURE() << "no information request " << request_id;
    return "";
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
  EXPECT_EQ(r.acknowledged, 4);  // the unmatched ones too: stored, they never block the queue

  // A plugin without poll_messages: claim answers through poll().
  ASSERT_EQ(billing_->calls_of("billing.poll_messages").size(), 1u);
  ASSERT_EQ(billing_->calls_of("billing.poll").size(), 1u);
  const auto poll = billing_->calls_of("billing.poll").front();
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
  EXPECT_EQ(acked, (std::vector<std::string>{"resp-1", "resp-2", "resp-3", "resp-4"}));

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
  ASSERT_OK_AND_ASSIGN(bool taken, lease.take(kFacilityA, "other-hub", 302'000, 322'000, true));
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

// A hub killed mid-round holds the facility for kRoundLease at most: the
// same hub restarted (a new job) or another takes over then.
TEST_P(ClaimPollTest, AHubKilledMidRoundHoldsItsFacilityBriefly) {
  PollLease lease(*store_);
  ASSERT_OK_AND_ASSIGN(
      bool taken, lease.take(kFacilityA, "dead-hub", 1'000, 1'000 + kRoundLease.count(), true));
  ASSERT_TRUE(taken);
  ClaimPollJob restarted(deps_);
  EXPECT_EQ(restarted.tick(1'000 + kRoundLease.count() - 1), 1);  // B only: A still held
  EXPECT_EQ(calls("billing.poll"), 1);
  EXPECT_EQ(restarted.tick(1'000 + kRoundLease.count() + 300'000), 2);
  // A renewal by the holder keeps it; one by another holder changes nothing.
  ASSERT_OK_AND_ASSIGN(bool mine, lease.renew(kFacilityB, "dead-hub", 10'000'000));
  EXPECT_FALSE(mine);
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

// A polled message, as the plugin reads it.
sdk::PolledMessage polled(const std::string& event, const std::string& message_id,
                          const std::string& request_message_id = "") {
  sdk::PolledMessage m;
  m.event = event;
  m.message_id = message_id;
  m.request_message_id = request_message_id;
  return m;
}

sdk::PolledMessage claim_answer(const std::string& request_message_id,
                                const std::string& message_id) {
  sdk::PolledMessage m = polled("claim-response", message_id, request_message_id);
  m.answer.status = "complete";
  m.answer.outcome = "complete";
  m.answer.approved = true;
  m.answer.total_benefit = 150.0;
  m.answer.message_id = message_id;
  m.answer.request_message_id = request_message_id;
  return m;
}

// 120 answers the facility's claims never asked for wait before the real
// one: each poll stores and acknowledges what it got, so the real answer is
// matched at the second poll.
TEST_P(ClaimPollTest, OrphanAnswersNeverBlockTheQueue) {
  billing_->exchange_queue.emplace();
  for (int i = 0; i < 120; ++i) {
    billing_->exchange_queue->push_back(
        claim_answer("mh-orphan-" + std::to_string(i), "orphan-" + std::to_string(i)));
  }
  billing_->exchange_queue->push_back(claim_answer("mh-a", "resp-real"));

  ASSERT_OK_AND_ASSIGN(ClaimPollResult first, poll_claims(deps_, kFacilityA, 5'000));
  EXPECT_EQ(first.fetched, 100);
  EXPECT_EQ(first.unmatched, 100);
  EXPECT_EQ(first.acknowledged, 100);
  EXPECT_EQ(claim(kFacilityA, "claim-a").state, ClaimState::kQueued);
  ASSERT_OK_AND_ASSIGN(ClaimPollResult second, poll_claims(deps_, kFacilityA, 6'000));
  EXPECT_EQ(second.fetched, 21);
  EXPECT_EQ(second.matched, 1);
  EXPECT_EQ(claim(kFacilityA, "claim-a").state, ClaimState::kApproved);
  EXPECT_TRUE(billing_->exchange_queue->empty());

  // Every poll asked for every event the hub routes.
  auto asked = billing_->calls_of("billing.poll_messages");
  ASSERT_EQ(asked.size(), 2u);
  EXPECT_EQ(
      asked[0].input["message_types"],
      nlohmann::json::array({"claim-response", "priorauth-response", "communication-request",
                             "payment-reconciliation", "advanced-authorization", "error-notice"}));
  // The orphans are kept for the facility's operators, not another's.
  BillingMessageStore messages(*cipher_, *audit_);
  auto tx = begin();
  BillingMessageQuery q;
  q.state = BillingMessageState::kUnmatched;
  q.limit = 200;
  ASSERT_OK_AND_ASSIGN(auto unmatched, messages.list(*tx, kFacilityA, q));
  EXPECT_EQ(unmatched.size(), 120u);
  EXPECT_EQ(unmatched.front().problem,
            std::optional<std::string>("it answers no claim of the facility"));
  ASSERT_OK_AND_ASSIGN(auto none, messages.list(*tx, kFacilityB, q));
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'billing.message_received'"),
            121);
}

// Every event the exchange queues is stored with its state, routed, and
// acknowledged; an error notice raises an alert; a redelivery changes nothing.
TEST_P(ClaimPollTest, EveryPolledEventIsStoredRoutedAndAcknowledged) {
  approve(kFacilityA, "claim-a", 10000);
  approve(kFacilityA, "claim-a2", 5000);
  std::vector<ClaimAlert> alerts;
  deps_.alert = [&alerts](const ClaimAlert& a) { alerts.push_back(a); };
  billing_->exchange_queue.emplace();
  auto& q = *billing_->exchange_queue;
  sdk::PolledMessage info = polled("communication-request", "m-info");
  info.information_request.request_id = "CR-info";
  info.information_request.claim_request_id = "key-claim-a";
  info.information_request.questions = {"Send the visit note"};
  q.push_back(info);
  sdk::PolledMessage stray_info = polled("communication-request", "m-info-stray");
  stray_info.information_request.request_id = "CR-stray";
  stray_info.information_request.claim_request_id = "key-claim-b";  // facility B's claim
  q.push_back(stray_info);
  sdk::PolledMessage paid = polled("payment-reconciliation", "m-pay");
  paid.payment.details = {{"key-claim-a", "payment", 100, 0, 0, 0},
                          {"key-claim-a2", "payment", 50, 0, 0, 0}};
  q.push_back(paid);
  sdk::PolledMessage stray_pay = polled("payment-reconciliation", "m-pay-stray");
  stray_pay.payment.details = {{"key-claim-a", "payment", 100, 0, 0, 0},
                               {"key-unknown", "payment", 50, 0, 0, 0}};
  q.push_back(stray_pay);
  sdk::PolledMessage adv = polled("advanced-authorization", "m-adv");
  adv.advanced_authorization.pre_auth_ref = "AA-1";
  adv.advanced_authorization.member_id = "M-10001";
  q.push_back(adv);
  sdk::PolledMessage notice = polled("error-notice", "m-err", "mh-a2");
  notice.error_notice.errors = {{"GE-00012", "", "", 0}};
  q.push_back(notice);
  sdk::PolledMessage bad = polled("unreadable", "m-bad");
  bad.problem = "the MessageHeader has no event";
  q.push_back(bad);
  q.push_back(polled("fraud-notification", "m-fraud"));
  q.push_back(polled("claim-response", ""));  // no id: nothing to know it or acknowledge it by

  ASSERT_OK_AND_ASSIGN(ClaimPollResult r, poll_claims(deps_, kFacilityA, 5'000));
  EXPECT_EQ(r.fetched, 9);
  EXPECT_EQ(r.acknowledged, 8);
  ASSERT_EQ(billing_->exchange_queue->size(), 1u);  // the one without an id

  BillingMessageStore messages(*cipher_, *audit_);
  auto tx = begin();
  ASSERT_OK_AND_ASSIGN(auto all, messages.list(*tx, kFacilityA, BillingMessageQuery{}));
  std::map<std::string, BillingMessage> by_id;
  for (const auto& m : all) by_id[m.message_id] = m;
  ASSERT_EQ(by_id.size(), 8u);
  // The error notice and what could not be read are the billing dead letters.
  ASSERT_OK_AND_ASSIGN(auto failed, messages.failed(*tx, kFacilityA, 0, 10));
  std::set<std::string> dead;
  for (const auto& m : failed) dead.insert(m.message_id);
  EXPECT_EQ(dead, (std::set<std::string>{"m-err", "m-bad", "m-fraud"}));
  ASSERT_OK_AND_ASSIGN(auto first_two, messages.failed(*tx, kFacilityA, 0, 2));
  EXPECT_EQ(first_two.size(), 2u);
  ASSERT_OK_AND_ASSIGN(auto later, messages.failed(*tx, kFacilityA, 5'001, 10));
  EXPECT_TRUE(later.empty());
  ASSERT_OK_AND_ASSIGN(auto theirs, messages.failed(*tx, kFacilityB, 0, 10));
  EXPECT_TRUE(theirs.empty());
  EXPECT_EQ(by_id["m-info"].state, BillingMessageState::kRecorded);
  EXPECT_EQ(by_id["m-info"].claim_id, std::optional<std::string>("claim-a"));
  EXPECT_EQ(by_id["m-info-stray"].state, BillingMessageState::kUnmatched);
  EXPECT_EQ(by_id["m-pay"].state, BillingMessageState::kRecorded);
  EXPECT_EQ(by_id["m-pay"].claim_id, std::optional<std::string>("claim-a"));
  EXPECT_EQ(by_id["m-pay-stray"].state, BillingMessageState::kUnmatched);
  EXPECT_EQ(by_id["m-pay-stray"].problem,
            std::optional<std::string>("it pays a claim the facility does not hold"));
  EXPECT_EQ(by_id["m-adv"].state, BillingMessageState::kRecorded);
  EXPECT_EQ(by_id["m-err"].state, BillingMessageState::kError);
  EXPECT_EQ(by_id["m-err"].claim_id, std::optional<std::string>("claim-a2"));
  EXPECT_EQ(by_id["m-err"].problem,
            std::optional<std::string>("the exchange reported an error: GE-00012"));
  EXPECT_EQ(by_id["m-bad"].state, BillingMessageState::kUnreadable);
  EXPECT_EQ(by_id["m-bad"].problem, std::optional<std::string>("the MessageHeader has no event"));
  EXPECT_EQ(by_id["m-fraud"].state, BillingMessageState::kUnreadable);
  EXPECT_EQ(by_id["m-fraud"].problem,
            std::optional<std::string>("the hub does not read fraud-notification messages"));
  // The stored message is encrypted at rest and reads back whole.
  ASSERT_OK_AND_ASSIGN(BillingMessage stored,
                       messages.get(*tx, kFacilityA, by_id["m-info"].id, true));
  EXPECT_NE(stored.message.find("Send the visit note"), std::string::npos);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM billing_messages WHERE CAST(message_enc AS TEXT) LIKE "
                   "'%visit note%'"),
            0);
  tx->rollback();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].kind, "billing.error_notice");
  EXPECT_EQ(alerts[0].claim_id, "claim-a2");
  EXPECT_EQ(alerts[0].billing_message_id, by_id["m-err"].id);

  // Delivered again (the acknowledgement was lost): nothing new is stored.
  billing_->exchange_queue->push_back(info);
  ASSERT_OK_AND_ASSIGN(ClaimPollResult again, poll_claims(deps_, kFacilityA, 6'000));
  EXPECT_EQ(again.acknowledged, 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM billing_messages"), 8);
  EXPECT_EQ(alerts.size(), 1u);
}

// An answer polled before its claim recorded the message it answers (the
// hub was killed while sending it, and the resend recorded it later) is
// matched at the next poll, without an operator.
TEST_P(ClaimPollTest, AnAnswerThatCameBeforeItsClaimIsMatchedAtTheNextPoll) {
  billing_->exchange_queue.emplace();
  billing_->exchange_queue->push_back(claim_answer("mh-early", "resp-early"));
  ASSERT_OK_AND_ASSIGN(ClaimPollResult first, poll_claims(deps_, kFacilityA, 5'000));
  EXPECT_EQ(first.unmatched, 1);
  EXPECT_EQ(first.acknowledged, 1);
  queued(kFacilityA, "c-a", "claim-early", "mh-early");  // the resend records it
  ASSERT_OK_AND_ASSIGN(ClaimPollResult second, poll_claims(deps_, kFacilityA, 6'000));
  EXPECT_EQ(second.fetched, 0);
  EXPECT_EQ(second.matched, 1);
  EXPECT_EQ(claim(kFacilityA, "claim-early").state, ClaimState::kApproved);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'billing.message_replayed' "
                   "AND actor = 'system'"),
            1);
  // Facility B's poll does not take A's answer.
  ASSERT_OK_AND_ASSIGN(ClaimPollResult theirs, poll_claims(deps_, kFacilityB, 7'000));
  EXPECT_EQ(theirs.matched, 0);
}

// An answer that came before its claim was known is replayed by an operator
// and moves the claim; a recorded message is not replayed, and another
// facility's is not found.
TEST_P(ClaimPollTest, AReplayedAnswerMovesItsClaimOnce) {
  billing_->exchange_queue.emplace();
  billing_->exchange_queue->push_back(claim_answer("mh-late", "resp-late"));
  ASSERT_OK_AND_ASSIGN(ClaimPollResult r, poll_claims(deps_, kFacilityA, 5'000));
  EXPECT_EQ(r.unmatched, 1);
  std::string id;
  {
    BillingMessageStore messages(*cipher_, *audit_);
    auto tx = begin();
    ASSERT_OK_AND_ASSIGN(auto all, messages.list(*tx, kFacilityA, BillingMessageQuery{}));
    ASSERT_EQ(all.size(), 1u);
    id = all[0].id;
  }
  queued(kFacilityA, "c-a", "claim-late", "mh-late");

  auto elsewhere = replay_billing_message(deps_, kFacilityB, id, 7'000, "apikey:b");
  ASSERT_FALSE(elsewhere.ok());
  EXPECT_EQ(elsewhere.error().code, sdk::ErrorCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(BillingMessage replayed,
                       replay_billing_message(deps_, kFacilityA, id, 7'000, "apikey:a"));
  EXPECT_EQ(replayed.state, BillingMessageState::kRecorded);
  EXPECT_EQ(replayed.claim_id, std::optional<std::string>("claim-late"));
  EXPECT_EQ(replayed.replays, 1);
  EXPECT_EQ(claim(kFacilityA, "claim-late").state, ClaimState::kApproved);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'billing.message_replayed' "
                   "AND actor = 'apikey:a'"),
            1);
  auto twice = replay_billing_message(deps_, kFacilityA, id, 8'000, "apikey:a");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, sdk::ErrorCode::kFailedPrecondition);
}

// Midnight of `date` ("YYYY-MM-DD") in Saudi Arabia, as the exchange dates.
std::int64_t saudi_day(const std::string& date) {
  return *sdk::parse_iso8601(date + "T00:00:00+03:00");
}

// A payment reconciliation in SAR paying `details`, its payment amount their
// sum less their fees.
sdk::PolledMessage reconciliation(const std::string& message_id, const std::string& id,
                                  std::int64_t date_ms, std::vector<sdk::PaymentDetail> details) {
  sdk::PolledMessage m = polled("payment-reconciliation", message_id);
  m.payment.reconciliation_system = "http://payer.example/paymentreconciliation";
  m.payment.reconciliation_id = id;
  m.payment.payment_id = "TRF-" + id;
  m.payment.payment_date_ms = date_ms;
  for (const sdk::PaymentDetail& d : details) {
    m.payment.payment_amount += d.amount - d.early_fee - d.nphies_fee;
  }
  m.payment.details = std::move(details);
  return m;
}

// The facility's billing message of exchange message `message_id`.
BillingMessage stored_message(storage::Transaction& tx, const records::CellCipher& cipher,
                              const audit::AuditWriter& audit, const std::string& message_id) {
  BillingMessageStore messages(cipher, audit);
  auto all = messages.list(tx, kFacilityA, BillingMessageQuery{});
  EXPECT_OK(all);
  for (const BillingMessage& m : all.ok() ? *all : std::vector<BillingMessage>{}) {
    if (m.message_id == message_id) return m;
  }
  ADD_FAILURE() << "no billing message " << message_id;
  return {};
}

// An advanced authorization is kept against the patient and the coverage
// it names, encrypted, found by either; the same authorization in another
// message is kept once; one without a preAuthRef is unreadable; another
// facility finds none of them.
TEST_P(ClaimPollTest, AnAdvancedAuthorizationIsKeptAgainstItsPatientAndCoverage) {
  billing_->exchange_queue.emplace();
  sdk::PolledMessage granted = polled("advanced-authorization", "m-aa-1");
  sdk::AdvancedAuthorization& a = granted.advanced_authorization;
  a.response_system = "http://payer.example/advanced-authorization";
  a.response_id = "AA-77";
  a.pre_auth_ref = "AA-77";
  a.period_start_ms = saudi_day("2026-12-01");
  a.period_end_ms = saudi_day("2026-12-31");
  a.patient_identifiers = {{"http://nphies.sa/identifier/iqama", "2098765432"}};
  a.member_id = "M-10001";
  billing_->exchange_queue->push_back(granted);
  sdk::PolledMessage again = granted;
  again.message_id = "m-aa-1-again";
  billing_->exchange_queue->push_back(again);
  sdk::PolledMessage unusable = polled("advanced-authorization", "m-aa-2");
  unusable.advanced_authorization.member_id = "M-10001";
  billing_->exchange_queue->push_back(unusable);
  ASSERT_OK_AND_ASSIGN(ClaimPollResult r, poll_claims(deps_, kFacilityA, 5'000, "system"));
  EXPECT_EQ(r.acknowledged, 3);
  EXPECT_EQ(r.unmatched, 1);

  AdvancedAuthorizationStore authorizations(*cipher_, *audit_);
  auto tx = begin();
  EXPECT_EQ(stored_message(*tx, *cipher_, *audit_, "m-aa-1").state, BillingMessageState::kRecorded);
  EXPECT_EQ(stored_message(*tx, *cipher_, *audit_, "m-aa-1-again").state,
            BillingMessageState::kRecorded);
  BillingMessage bad = stored_message(*tx, *cipher_, *audit_, "m-aa-2");
  EXPECT_EQ(bad.state, BillingMessageState::kUnreadable);
  EXPECT_EQ(bad.problem,
            std::optional<std::string>("the advanced authorization has no preAuthRef"));

  AdvancedAuthorizationQuery by_patient;
  by_patient.patient = "2098765432";
  ASSERT_OK_AND_ASSIGN(auto found, authorizations.list(*tx, kFacilityA, by_patient));
  ASSERT_EQ(found.size(), 1u);
  const AdvancedAuthorizationRow& kept = found[0];
  EXPECT_EQ(kept.pre_auth_ref, "AA-77");
  EXPECT_EQ(kept.period_start, std::optional<std::string>("2026-12-01"));
  EXPECT_EQ(kept.period_end, std::optional<std::string>("2026-12-31"));
  ASSERT_EQ(kept.patient_identifiers.size(), 1u);
  EXPECT_EQ(kept.patient_identifiers[0].value, "2098765432");
  EXPECT_EQ(kept.member_id, "M-10001");
  EXPECT_EQ(kept.billing_message_id, stored_message(*tx, *cipher_, *audit_, "m-aa-1").id);
  AdvancedAuthorizationQuery by_coverage;
  by_coverage.coverage = "M-10001";
  ASSERT_OK_AND_ASSIGN(auto covered, authorizations.list(*tx, kFacilityA, by_coverage));
  ASSERT_EQ(covered.size(), 1u);
  EXPECT_EQ(covered[0].id, kept.id);
  by_coverage.patient = "1034567890";
  ASSERT_OK_AND_ASSIGN(auto other_patient, authorizations.list(*tx, kFacilityA, by_coverage));
  EXPECT_TRUE(other_patient.empty());
  ASSERT_OK_AND_ASSIGN(auto theirs, authorizations.list(*tx, kFacilityB, by_patient));
  EXPECT_TRUE(theirs.empty());
  auto elsewhere = authorizations.get(*tx, kFacilityB, kept.id);
  ASSERT_FALSE(elsewhere.ok());
  EXPECT_EQ(elsewhere.error().code, sdk::ErrorCode::kNotFound);
  tx->rollback();
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM advanced_authorizations"), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = "
                   "'advanced_authorization.receive'"),
            1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM advanced_authorizations WHERE "
                   "CAST(patient_enc AS TEXT) LIKE '%2098765432%' OR "
                   "CAST(member_enc AS TEXT) LIKE '%M-10001%'"),
            0);
}

// A reconciliation paying three claims, one in part, moves them to paid,
// paid and partially_paid, with its payment and lines recorded and each move
// audited; a second one completes the partial claim, and an adjustment
// counts against what a claim was paid. Delivered again, or the same
// reconciliation in another message, it changes nothing.
TEST_P(ClaimPollTest, PaymentsMoveTheirClaimsToPaidOrPartiallyPaid) {
  queued(kFacilityA, "c-a", "claim-a3", "mh-a3");
  approve(kFacilityA, "claim-a", 15000);
  approve(kFacilityA, "claim-a2", 20000);
  approve(kFacilityA, "claim-a3", 30000);
  billing_->exchange_queue.emplace();
  const sdk::PolledMessage first =
      reconciliation("m-pay-1", "PR-1", saudi_day("2026-12-01"),
                     {{"key-claim-a", "payment", 150, 0, 1.5, saudi_day("2026-11-30")},
                      {"key-claim-a2", "payment", 200, 2, 0, 0},
                      {"key-claim-a3", "payment", 100, 0, 0, 0}});
  billing_->exchange_queue->push_back(first);
  ASSERT_OK_AND_ASSIGN(ClaimPollResult r, poll_claims(deps_, kFacilityA, 5'000));
  EXPECT_EQ(r.acknowledged, 1);
  EXPECT_EQ(r.unmatched, 0);
  EXPECT_EQ(claim(kFacilityA, "claim-a").state, ClaimState::kPaid);
  EXPECT_EQ(claim(kFacilityA, "claim-a2").state, ClaimState::kPaid);
  EXPECT_EQ(claim(kFacilityA, "claim-a3").state, ClaimState::kPartiallyPaid);

  PaymentStore payments;
  std::string first_id;
  {
    auto tx = begin();
    ASSERT_OK_AND_ASSIGN(auto all, payments.list(*tx, kFacilityA, PaymentQuery{}));
    ASSERT_EQ(all.size(), 1u);
    const domain::Payment& p = all[0];
    first_id = p.id;
    EXPECT_EQ(p.billing_message_id, stored_message(*tx, *cipher_, *audit_, "m-pay-1").id);
    EXPECT_EQ(p.reconciliation_system, "http://payer.example/paymentreconciliation");
    EXPECT_EQ(p.reconciliation_id, std::optional<std::string>("PR-1"));
    EXPECT_EQ(p.payment_identifier, std::optional<std::string>("TRF-PR-1"));
    EXPECT_EQ(p.payment_date, "2026-12-01");
    EXPECT_EQ(p.amount, 44650);
    EXPECT_EQ(p.currency, "SAR");
    EXPECT_EQ(p.received_at, 5'000);
    ASSERT_EQ(p.lines.size(), 3u);
    EXPECT_EQ(p.lines[0],
              (domain::PaymentLine{"claim-a", "c-a", "payment", 15000, 0, 150, "2026-11-30"}));
    EXPECT_EQ(p.lines[1],
              (domain::PaymentLine{"claim-a2", "c-a", "payment", 20000, 200, 0, std::nullopt}));
    EXPECT_EQ(p.lines[2],
              (domain::PaymentLine{"claim-a3", "c-a", "payment", 10000, 0, 0, std::nullopt}));
    ASSERT_OK_AND_ASSIGN(domain::Payment read, payments.get(*tx, kFacilityA, p.id));
    EXPECT_EQ(read, p);
    // Facility B holds none of it.
    ASSERT_OK_AND_ASSIGN(auto theirs, payments.list(*tx, kFacilityB, PaymentQuery{}));
    EXPECT_TRUE(theirs.empty());
    auto elsewhere = payments.get(*tx, kFacilityB, p.id);
    ASSERT_FALSE(elsewhere.ok());
    EXPECT_EQ(elsewhere.error().code, sdk::ErrorCode::kNotFound);
    tx->rollback();
  }
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'claim.payment'"), 3);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'claim.payment' AND "
                   "entity_id = 'claim-a3' AND detail LIKE '%\"state\":\"partially_paid\"%' AND "
                   "detail LIKE '%\"previous_state\":\"approved\"%' AND "
                   "detail LIKE '%\"benefit_minor\":30000%' AND "
                   "detail LIKE '%\"paid_total_minor\":10000%'"),
            1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'claim.payment' AND "
                   "entity_id = 'claim-a' AND detail LIKE '%\"nphies_fee_minor\":150%' AND "
                   "detail LIKE '%\"payment_id\":\"" +
                   first_id + "\"%'"),
            1);

  // Delivered again, and the same reconciliation in a new message: both
  // are acknowledged, nothing is paid twice.
  sdk::PolledMessage resent = first;
  resent.message_id = "m-pay-1-again";
  billing_->exchange_queue->push_back(first);
  billing_->exchange_queue->push_back(resent);
  ASSERT_OK_AND_ASSIGN(ClaimPollResult again, poll_claims(deps_, kFacilityA, 6'000));
  EXPECT_EQ(again.acknowledged, 2);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM payments"), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM payment_lines"), 3);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'claim.payment'"), 3);
  EXPECT_EQ(claim(kFacilityA, "claim-a3").state, ClaimState::kPartiallyPaid);
  {
    auto tx = begin();
    BillingMessage dup = stored_message(*tx, *cipher_, *audit_, "m-pay-1-again");
    EXPECT_EQ(dup.state, BillingMessageState::kRecorded);
    EXPECT_EQ(dup.problem, std::optional<std::string>(
                               "the reconciliation is recorded already, as payment " + first_id));
    tx->rollback();
  }

  // The rest of claim-a3, less an adjustment; claim-a's payment corrected.
  billing_->exchange_queue->push_back(
      reconciliation("m-pay-2", "PR-2", saudi_day("2026-12-15"),
                     {{"key-claim-a3", "payment", 250, 0, 0, 0},
                      {"key-claim-a3", "adjustment", -50, 0, 0, 0},
                      {"key-claim-a", "adjustment", -10, 0, 0, 0}}));
  ASSERT_OK_AND_ASSIGN(ClaimPollResult second, poll_claims(deps_, kFacilityA, 7'000));
  EXPECT_EQ(second.acknowledged, 1);
  EXPECT_EQ(claim(kFacilityA, "claim-a3").state, ClaimState::kPaid);
  EXPECT_EQ(claim(kFacilityA, "claim-a").state, ClaimState::kPartiallyPaid);
  EXPECT_EQ(claim(kFacilityA, "claim-a2").state, ClaimState::kPaid);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'claim.payment'"), 5);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'claim.payment' AND "
                   "entity_id = 'claim-a3' AND detail LIKE '%\"state\":\"paid\"%' AND "
                   "detail LIKE '%\"paid_minor\":20000%' AND "
                   "detail LIKE '%\"paid_total_minor\":30000%'"),
            1);
  auto tx = begin();
  ASSERT_OK_AND_ASSIGN(std::int64_t a_total, payments.paid_total(*tx, kFacilityA, "claim-a"));
  EXPECT_EQ(a_total, 14000);
  ASSERT_OK_AND_ASSIGN(auto december,
                       payments.paid_between(*tx, kFacilityA, "2026-12-01", "2026-12-31"));
  ASSERT_EQ(december.size(), 2u);
  EXPECT_EQ(december[1].payment_date, "2026-12-15");
  ASSERT_EQ(december[1].lines.size(), 3u);
  EXPECT_EQ(december[1].lines[1].type, "adjustment");
  EXPECT_EQ(december[1].lines[1].amount, -5000);
  ASSERT_OK_AND_ASSIGN(auto first_half,
                       payments.paid_between(*tx, kFacilityA, "2026-12-02", "2026-12-15"));
  ASSERT_EQ(first_half.size(), 1u);
  EXPECT_EQ(first_half[0].reconciliation_id, std::optional<std::string>("PR-2"));
}

// A payment of a claim the hub has not seen approved is kept unmatched and
// changes nothing; replayed once the claim is approved, it pays it.
TEST_P(ClaimPollTest, APaymentOfAClaimNotApprovedWaitsForItsReplay) {
  billing_->exchange_queue.emplace();
  billing_->exchange_queue->push_back(reconciliation("m-pay", "PR-9", saudi_day("2026-12-01"),
                                                     {{"key-claim-a", "payment", 150, 0, 0, 0}}));
  ASSERT_OK_AND_ASSIGN(ClaimPollResult r, poll_claims(deps_, kFacilityA, 5'000));
  EXPECT_EQ(r.unmatched, 1);
  EXPECT_EQ(r.acknowledged, 1);
  EXPECT_EQ(claim(kFacilityA, "claim-a").state, ClaimState::kQueued);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM payments"), 0);
  std::string id;
  {
    auto tx = begin();
    BillingMessage m = stored_message(*tx, *cipher_, *audit_, "m-pay");
    EXPECT_EQ(m.state, BillingMessageState::kUnmatched);
    EXPECT_EQ(m.problem,
              std::optional<std::string>("it pays claim claim-a, which is queued, not approved"));
    id = m.id;
    tx->rollback();
  }

  approve(kFacilityA, "claim-a", 15000);
  ASSERT_OK_AND_ASSIGN(BillingMessage replayed,
                       replay_billing_message(deps_, kFacilityA, id, 8'000, "apikey:a"));
  EXPECT_EQ(replayed.state, BillingMessageState::kRecorded);
  EXPECT_EQ(claim(kFacilityA, "claim-a").state, ClaimState::kPaid);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM payments WHERE billing_message_id = $1", {id}), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'claim.payment' AND "
                   "actor = 'apikey:a'"),
            1);
}

const std::string kPdf = std::string("%PDF-1.4\n") + std::string(2000, 'x');

// Each recorded reconciliation is noticed to the payer once, as the same
// message when sent again; a refusal is kept and alerts; a plugin without
// payment notices leaves them pending.
TEST_P(ClaimPollTest, EachPaymentIsNoticedOnce) {
  std::vector<ClaimAlert> alerts;
  deps_.alert = [&alerts](const ClaimAlert& a) { alerts.push_back(a); };
  approve(kFacilityA, "claim-a", 15000);
  approve(kFacilityA, "claim-a2", 20000);
  billing_->exchange_queue.emplace();
  billing_->exchange_queue->push_back(reconciliation("m-pay-1", "PR-1", saudi_day("2026-12-01"),
                                                     {{"key-claim-a", "payment", 150, 0, 1.5, 0}}));
  ASSERT_OK(poll_claims(deps_, kFacilityA, 5'000));
  billing_->exchange_queue->push_back(reconciliation("m-pay-2", "PR-2", saudi_day("2026-12-02"),
                                                     {{"key-claim-a2", "payment", 200, 0, 0, 0}}));
  ASSERT_OK(poll_claims(deps_, kFacilityA, 5'500));  // recorded after PR-1, noticed after it

  // Without the method: both wait.
  ASSERT_OK_AND_ASSIGN(int none, send_payment_notices(deps_, kFacilityA, 6'000));
  EXPECT_EQ(none, 0);
  // PR-1 is not answered, then taken; PR-2 is refused.
  billing_->notice_results.push_back(
      sdk::Error(sdk::ErrorCode::kUnavailable, "the exchange did not answer", true));
  billing_->notice_results.push_back(sdk::Error(
      sdk::ErrorCode::kInvalidArgument, "PN-0002: the amount is not the reconciliation's", false));
  ASSERT_OK_AND_ASSIGN(int first, send_payment_notices(deps_, kFacilityA, 7'000));
  EXPECT_EQ(first, 0);
  billing_->notice_results.push_back(sdk::Acknowledgement{"ack-pn", true});
  ASSERT_OK_AND_ASSIGN(int second, send_payment_notices(deps_, kFacilityA, 8'000));
  EXPECT_EQ(second, 1);
  ASSERT_OK_AND_ASSIGN(int third, send_payment_notices(deps_, kFacilityA, 9'000));
  EXPECT_EQ(third, 0);  // nothing pending

  auto calls = billing_->calls_of("billing.send_payment_notice");
  ASSERT_EQ(calls.size(), 4u);  // the method refused, then PR-1 and PR-2, then PR-1 again
  std::map<std::string, std::vector<nlohmann::json>> by_reconciliation;
  for (const auto& c : calls) by_reconciliation[c.input["reconciliation_id"]].push_back(c.input);
  ASSERT_EQ(by_reconciliation["PR-1"].size(), 3u);
  EXPECT_EQ(by_reconciliation["PR-1"][1]["idempotency_key"],
            by_reconciliation["PR-1"][2]["idempotency_key"]);
  EXPECT_EQ(by_reconciliation["PR-1"][2]["amount"], 148.5);
  EXPECT_EQ(by_reconciliation["PR-1"][2]["provider_license"], "PR-A");
  PaymentStore payments;
  auto tx = begin();
  ASSERT_OK_AND_ASSIGN(auto all, payments.list(*tx, kFacilityA, PaymentQuery{}));
  ASSERT_EQ(all.size(), 2u);
  for (const domain::Payment& p : all) {
    if (p.reconciliation_id == std::optional<std::string>("PR-1")) {
      EXPECT_EQ(p.notice_state, "sent");
      EXPECT_EQ(by_reconciliation["PR-1"][2]["idempotency_key"], "wasl-pn-" + p.id);
    } else {
      EXPECT_EQ(p.notice_state, "refused");
      EXPECT_EQ(p.notice_error,
                std::optional<std::string>("PN-0002: the amount is not the reconciliation's"));
    }
  }
  tx->rollback();
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'payment.notice'"), 2);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].kind, "billing.payment_notice");
}

// The operator's poll is a round of one facility: the reconciliation it
// fetches is noticed to the payer in the same call, with a notice an
// earlier poll left pending.
TEST_P(ClaimPollTest, TheOperatorsPollSendsThePendingPaymentNotices) {
  approve(kFacilityA, "claim-a", 15000);
  approve(kFacilityA, "claim-a2", 20000);
  billing_->exchange_queue.emplace();
  billing_->exchange_queue->push_back(reconciliation("m-pay-1", "PR-1", saudi_day("2026-12-01"),
                                                     {{"key-claim-a", "payment", 150, 0, 0, 0}}));
  ASSERT_OK(poll_claims(deps_, kFacilityA, 5'000));  // its notice left pending
  billing_->exchange_queue->push_back(reconciliation("m-pay-2", "PR-2", saudi_day("2026-12-02"),
                                                     {{"key-claim-a2", "payment", 200, 0, 0, 0}}));
  billing_->notice_results.push_back(sdk::Acknowledgement{"ack-pn-1", true});
  billing_->notice_results.push_back(sdk::Acknowledgement{"ack-pn-2", true});

  ClaimPollJob job(deps_);
  ASSERT_OK_AND_ASSIGN(ClaimPollResult polled, job.poll_now(kFacilityA, 6'000, "apikey:a"));
  EXPECT_EQ(polled.fetched, 1);
  EXPECT_EQ(polled.acknowledged, 1);
  auto notices = billing_->calls_of("billing.send_payment_notice");
  ASSERT_EQ(notices.size(), 2u);
  EXPECT_EQ(notices[0].input["reconciliation_id"], "PR-1");
  EXPECT_EQ(notices[1].input["reconciliation_id"], "PR-2");
  for (const auto& c : notices) EXPECT_EQ(c.facility, kFacilityA);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM payments WHERE notice_state = 'sent'"), 2);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'payment.notice'"), 2);

  // Nothing pending: the next operator's poll sends nothing again.
  ASSERT_OK(job.poll_now(kFacilityA, 7'000, "apikey:a"));
  EXPECT_EQ(billing_->calls_of("billing.send_payment_notice").size(), 2u);
}

TEST_P(ClaimPollTest, AnInformationRequestIsKeptAndAnsweredOnce) {
  const std::string id = ask_about_claim_a("CR-1");
  ASSERT_FALSE(id.empty());
  InformationRequestStore requests(*cipher_, *audit_);
  {
    auto tx = begin();
    ASSERT_OK_AND_ASSIGN(InformationRequestRow row, requests.get(*tx, kFacilityA, id, true));
    EXPECT_EQ(row.state, InformationRequestState::kOpen);
    EXPECT_EQ(row.claim_id, "claim-a");
    EXPECT_EQ(row.due_at, std::optional<std::int64_t>(900'000));
    EXPECT_NE(row.request.find("visit note of Sara"), std::string::npos);
    // Another facility does not see it.
    auto theirs = requests.get(*tx, kFacilityB, id, false);
    ASSERT_FALSE(theirs.ok());
    EXPECT_EQ(theirs.error().code, sdk::ErrorCode::kNotFound);
  }
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM information_requests WHERE CAST(request_enc AS TEXT) "
                   "LIKE '%Sara%'"),
            0);

  // A PNG called a PDF is refused before anything is stored or sent.
  AnswerInput bad;
  bad.documents = {{"application/pdf", "visit note", "\x89PNG\r\n"}};
  auto refused = answer_information_request(deps_, kFacilityA, id, bad, 6'000, "apikey:a");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.error().message.find("not a PDF"), std::string::npos);
  EXPECT_TRUE(billing_->calls_of("billing.answer_information_request").empty());
  auto elsewhere = answer_information_request(deps_, kFacilityB, id, bad, 6'000, "apikey:b");
  ASSERT_FALSE(elsewhere.ok());
  EXPECT_EQ(elsewhere.error().code, sdk::ErrorCode::kNotFound);

  AnswerInput input;
  input.texts = {"The visit note is attached."};
  input.documents = {{"application/pdf", "visit note", kPdf}};
  billing_->answer_results.push_back(sdk::Acknowledgement{"ack-1", true});
  ASSERT_OK_AND_ASSIGN(InformationRequestRow answered,
                       answer_information_request(deps_, kFacilityA, id, input, 7'000, "apikey:a"));
  EXPECT_EQ(answered.state, InformationRequestState::kAnswered);
  EXPECT_EQ(answered.answered_by, std::optional<std::string>("apikey:a"));
  auto sent = billing_->calls_of("billing.answer_information_request");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].input["idempotency_key"], "wasl-answer-" + id);
  EXPECT_EQ(sent[0].input["request_id"], "CR-1");
  EXPECT_EQ(sent[0].input["claim"]["idempotency_key"], "key-claim-a");
  EXPECT_EQ(sent[0].input["attachments"][0]["size"], static_cast<std::int64_t>(kPdf.size()));
  EXPECT_EQ(sdk::base64_decode(sent[0].input["attachments"][0]["data"].get<std::string>()),
            std::optional<std::string>(kPdf));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM information_requests WHERE CAST(answer_enc AS TEXT) "
                   "LIKE '%visit note is attached%'"),
            0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE entity_id = '" + id +
                   "' AND action IN ('information_request.receive', "
                   "'information_request.answer_stored', 'information_request.answered')"),
            3);
  auto twice = answer_information_request(deps_, kFacilityA, id, input, 8'000, "apikey:a");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, sdk::ErrorCode::kFailedPrecondition);
  EXPECT_EQ(billing_->calls_of("billing.answer_information_request").size(), 1u);
}

TEST_P(ClaimPollTest, ALostAnswerIsSentAgainUnchangedAndARefusedOneReopens) {
  const std::string id = ask_about_claim_a("CR-2");
  ASSERT_FALSE(id.empty());
  AnswerInput first;
  first.texts = {"First answer."};
  billing_->answer_results.push_back(
      sdk::Error(sdk::ErrorCode::kUnavailable, "the exchange did not answer", true));
  auto lost = answer_information_request(deps_, kFacilityA, id, first, 6'000, "apikey:a");
  ASSERT_FALSE(lost.ok());
  EXPECT_TRUE(lost.error().retryable);
  InformationRequestStore requests(*cipher_, *audit_);
  {
    auto tx = begin();
    ASSERT_OK_AND_ASSIGN(InformationRequestRow row, requests.get(*tx, kFacilityA, id, false));
    EXPECT_EQ(row.state, InformationRequestState::kSending);
  }
  // Asked again with other words: the stored answer goes, the same message.
  AnswerInput second;
  second.texts = {"Second answer."};
  billing_->answer_results.push_back(sdk::Acknowledgement{"ack-2", true});
  ASSERT_OK_AND_ASSIGN(
      InformationRequestRow answered,
      answer_information_request(deps_, kFacilityA, id, second, 7'000, "apikey:a"));
  EXPECT_EQ(answered.state, InformationRequestState::kAnswered);
  auto sent = billing_->calls_of("billing.answer_information_request");
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].input, sent[0].input);
  EXPECT_EQ(sent[1].input["texts"], nlohmann::json::array({"First answer."}));

  // Refused for good: open again, the refusal kept, and it can be answered.
  const std::string other = ask_about_claim_a("CR-3");
  AnswerInput cannot;
  cannot.cannot_supply = true;
  cannot.reason = "The recording was not kept.";
  billing_->answer_results.push_back(
      sdk::Error(sdk::ErrorCode::kInvalidArgument, "CM-0003: about names no claim", false));
  auto no = answer_information_request(deps_, kFacilityA, other, cannot, 8'000, "apikey:a");
  ASSERT_FALSE(no.ok());
  {
    auto tx = begin();
    ASSERT_OK_AND_ASSIGN(InformationRequestRow row, requests.get(*tx, kFacilityA, other, true));
    EXPECT_EQ(row.state, InformationRequestState::kOpen);
    EXPECT_EQ(row.last_error, std::optional<std::string>("CM-0003: about names no claim"));
    EXPECT_FALSE(row.answer.has_value());
  }
  billing_->answer_results.push_back(sdk::Acknowledgement{"ack-3", true});
  ASSERT_OK_AND_ASSIGN(
      InformationRequestRow done,
      answer_information_request(deps_, kFacilityA, other, cannot, 9'000, "apikey:a"));
  EXPECT_EQ(done.state, InformationRequestState::kCannotSupply);
}

// An answer the exchange did not take stays sending; the billing round sends
// it again, as the same message, until the exchange takes it, without an
// operator asking again.
TEST_P(ClaimPollTest, TheBillingRoundSendsAgainAnAnswerLeftSending) {
  const std::string first = ask_about_claim_a("CR-4");
  const std::string second = ask_about_claim_a("CR-5");
  ASSERT_FALSE(first.empty());
  ASSERT_FALSE(second.empty());
  const sdk::Error unreachable(sdk::ErrorCode::kUnavailable, "the exchange did not answer", true);
  AnswerInput input;
  input.texts = {"The visit note is attached."};
  input.documents = {{"application/pdf", "visit note", kPdf}};
  for (const std::string& id : {first, second}) {
    billing_->answer_results.push_back(unreachable);
    ASSERT_FALSE(answer_information_request(deps_, kFacilityA, id, input, 6'000, "apikey:a").ok());
  }
  auto state_of = [&](const std::string& id) {
    InformationRequestStore requests(*cipher_, *audit_);
    auto tx = begin();
    auto row = requests.get(*tx, kFacilityA, id, false);
    EXPECT_OK(row);
    return row.ok() ? row->state : InformationRequestState::kOpen;
  };
  // Still unreachable: the pass stops at the first, both stay sending.
  billing_->answer_results.push_back(unreachable);
  ASSERT_OK_AND_ASSIGN(int none, resend_answers(deps_, kFacilityA, 7'000));
  EXPECT_EQ(none, 0);
  EXPECT_EQ(billing_->calls_of("billing.answer_information_request").size(), 3u);
  EXPECT_EQ(state_of(first), InformationRequestState::kSending);
  EXPECT_EQ(state_of(second), InformationRequestState::kSending);
  // Another facility has nothing of them to send.
  ASSERT_OK_AND_ASSIGN(int theirs, resend_answers(deps_, kFacilityB, 7'500));
  EXPECT_EQ(theirs, 0);
  EXPECT_EQ(billing_->calls_of("billing.answer_information_request").size(), 3u);

  // The round, once the exchange answers: both taken, each the message it
  // was the first time.
  billing_->answer_results.push_back(sdk::Acknowledgement{"ack-4", true});
  billing_->answer_results.push_back(sdk::Acknowledgement{"ack-5", true});
  ClaimPollJob job(deps_);
  EXPECT_EQ(job.tick(8'000), 2);
  EXPECT_EQ(state_of(first), InformationRequestState::kAnswered);
  EXPECT_EQ(state_of(second), InformationRequestState::kAnswered);
  auto sent = billing_->calls_of("billing.answer_information_request");
  ASSERT_EQ(sent.size(), 5u);
  for (std::size_t again = 3; again < 5; ++again) {
    const auto& key = sent[again].input["idempotency_key"];
    const bool same =
        (sent[0].input["idempotency_key"] == key && sent[again].input == sent[0].input) ||
        (sent[1].input["idempotency_key"] == key && sent[again].input == sent[1].input);
    EXPECT_TRUE(same) << "resend " << again << " is not the message first sent with " << key;
  }
  EXPECT_NE(sent[3].input["idempotency_key"], sent[4].input["idempotency_key"]);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE entity_id = '" + first +
                   "' AND action = 'information_request.answered' AND actor = 'system'"),
            1);
}

// A new information request starts the workflows its event triggers, in the
// transaction that records it; such a workflow answers it with
// hub.answer_information_request, which stores the answer for the billing
// round to send.
TEST_P(ClaimPollTest, ANewInformationRequestStartsItsWorkflowsWhichMayAnswerIt) {
  std::vector<std::pair<std::string, nlohmann::json>> fired;
  deps_.start_event_runs = [&fired](storage::Transaction&, const std::string& facility,
                                    std::string_view event,
                                    const nlohmann::json& trigger) -> sdk::Status {
    fired.emplace_back(facility + " " + std::string(event), trigger);
    return {};
  };
  const std::string id = ask_about_claim_a("CR-6");
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].first, std::string(kFacilityA) + " billing.information_request");
  const nlohmann::json& trigger = fired[0].second;
  EXPECT_EQ(trigger["information_request_id"], id);
  EXPECT_EQ(trigger["claim_id"], "claim-a");
  EXPECT_EQ(trigger["consultation_id"], "c-a");
  EXPECT_EQ(trigger["reason"], "missing-attachment");
  EXPECT_EQ(trigger["documents"][0]["content_type"], "application/pdf");
  EXPECT_EQ(ask_about_claim_a("CR-6"), id);  // delivered again: nothing started again
  EXPECT_EQ(fired.size(), 1u);

  workflow::HubActions actions;
  ASSERT_OK(add_claim_actions(actions, config_, *cipher_, *audit_));
  const workflow::HubActions::Entry* answer = actions.find("hub.answer_information_request");
  ASSERT_NE(answer, nullptr);
  {
    auto tx = begin();
    workflow::HubActionContext ctx;
    ctx.tx = tx.get();
    ctx.store = store_.get();
    ctx.now_ms = 9'000;
    ctx.facility_id = kFacilityB;  // another facility's run: as if it did not exist
    auto theirs = answer->action(ctx, {{"information_request_id", id}, {"texts", {"Here."}}});
    ASSERT_FALSE(theirs.ok());
    EXPECT_EQ(theirs.error().code, sdk::ErrorCode::kNotFound);
    ctx.facility_id = kFacilityA;
    auto nothing = answer->action(ctx, {{"information_request_id", id}});
    ASSERT_FALSE(nothing.ok());
    EXPECT_EQ(nothing.error().code, sdk::ErrorCode::kInvalidArgument);
    ASSERT_OK_AND_ASSIGN(nlohmann::json out,
                         answer->action(ctx, {{"information_request_id", id},
                                              {"cannot_supply", true},
                                              {"reason", "The recording was not kept."}}));
    EXPECT_EQ(out, (nlohmann::json{{"information_request_id", id}, {"state", "sending"}}));
    ASSERT_OK(tx->commit());
  }
  EXPECT_TRUE(billing_->calls_of("billing.answer_information_request").empty());
  billing_->answer_results.push_back(sdk::Acknowledgement{"ack-6", true});
  ASSERT_OK_AND_ASSIGN(int sent, resend_answers(deps_, kFacilityA, 10'000));
  EXPECT_EQ(sent, 1);
  auto calls = billing_->calls_of("billing.answer_information_request");
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].input["cannot_supply"], true);
  EXPECT_EQ(calls[0].input["reason"], "The recording was not kept.");
  InformationRequestStore requests(*cipher_, *audit_);
  auto tx = begin();
  ASSERT_OK_AND_ASSIGN(InformationRequestRow row, requests.get(*tx, kFacilityA, id, false));
  EXPECT_EQ(row.state, InformationRequestState::kCannotSupply);
}

// An answer may attach the hub's own summary pages about the request's
// claim: one-page PDFs written from its records, with no name of the
// patient; a recording summary needs an archived recording.
TEST_P(ClaimPollTest, AnAnswerMayAttachTheHubsSummaryPages) {
  const std::string id = ask_about_claim_a("CR-7");
  ASSERT_FALSE(id.empty());
  AnswerInput unknown;
  unknown.pages = {"visit_note"};
  auto refused = answer_information_request(deps_, kFacilityA, id, unknown, 6'000, "apikey:a");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, sdk::ErrorCode::kInvalidArgument);
  AnswerInput both;
  both.pages = {"visit_summary", "recording_summary"};
  auto none = answer_information_request(deps_, kFacilityA, id, both, 6'000, "apikey:a");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, sdk::ErrorCode::kFailedPrecondition) << none.error().message;
  EXPECT_TRUE(billing_->calls_of("billing.answer_information_request").empty());

  {
    records::RecordingStore recordings;
    auto tx = begin();
    domain::Recording r;
    r.id = "rec-a";
    r.consultation_id = "c-a";
    r.facility_id = kFacilityA;
    r.provider_recording_id = "CJ-A";
    r.created_at = 4'000;
    ASSERT_OK(recordings.insert(*tx, r));
    records::ArchivedFile file;
    file.storage_path = "/nonexistent/rec-a.enc";
    file.size_bytes = 1048576;
    file.plaintext_sha256 = std::string(64, 'e');
    file.key_id = "k1";
    ASSERT_OK(recordings.mark_archived(*tx, kFacilityA, "rec-a", file));
    ASSERT_OK(tx->commit());
  }
  billing_->answer_results.push_back(sdk::Acknowledgement{"ack-7", true});
  ASSERT_OK_AND_ASSIGN(InformationRequestRow answered,
                       answer_information_request(deps_, kFacilityA, id, both, 7'000, "apikey:a"));
  EXPECT_EQ(answered.state, InformationRequestState::kAnswered);
  auto sent = billing_->calls_of("billing.answer_information_request");
  ASSERT_EQ(sent.size(), 1u);
  const nlohmann::json& attachments = sent[0].input["attachments"];
  ASSERT_EQ(attachments.size(), 2u);
  std::map<std::string, std::string> pdf;
  for (const auto& a : attachments) {
    EXPECT_EQ(a["content_type"], "application/pdf");
    auto bytes = sdk::base64_decode(a["data"].get<std::string>());
    ASSERT_TRUE(bytes.has_value());
    EXPECT_EQ(bytes->rfind("%PDF-", 0), 0u);
    EXPECT_EQ(a["size"], static_cast<std::int64_t>(bytes->size()));
    pdf[a["title"].get<std::string>()] = *bytes;
  }
  ASSERT_EQ(pdf.size(), 2u);
  const std::string& visit = pdf["Visit summary"];
  EXPECT_NE(visit.find("(claim-a)"), std::string::npos);
  EXPECT_NE(visit.find("(c-a)"), std::string::npos);
  const std::string& recording = pdf["Recording summary"];
  EXPECT_NE(recording.find("(rec-a)"), std::string::npos);
  EXPECT_NE(recording.find("(" + std::string(64, 'e') + ")"), std::string::npos);
  EXPECT_NE(recording.find("(1048576 bytes)"), std::string::npos);
  for (const auto& [title, bytes] : pdf) {
    EXPECT_EQ(bytes.find(records::testing::kArabicName), std::string::npos) << title;
  }
}

WASL_RECORDS_INSTANTIATE(ClaimPollTest);

}  // namespace
}  // namespace wasl::claims
