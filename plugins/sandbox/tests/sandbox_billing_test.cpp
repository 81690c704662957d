#include "plugins/sandbox/sandbox_billing.hpp"

#include <gtest/gtest.h>

#include "plugins/sandbox/tests/effects_table.hpp"
#include "plugins/sandbox/tests/sandbox_fixture.hpp"

namespace wasl::plugins::sandbox {
namespace {

using nlohmann::json;
using sdk::ErrorCode;
using testing::count_effects;
using testing::read_effect;

class SandboxBillingTest : public testing::SandboxFixture {
 protected:
  static sdk::Claim claim(const std::string& key) {
    sdk::Claim c;
    c.idempotency_key = key;
    c.patient_id = "sandbox-patient-1";
    c.items = {{"83600-00-10", "http://nphies.sa/terminology/CodeSystem/services", 1, 150.0},
               {"83600-00-20", "http://nphies.sa/terminology/CodeSystem/services", 2, 25.5}};
    return c;
  }
  static sdk::EligibilityRequest eligibility(const std::string& key) {
    sdk::EligibilityRequest r;
    r.idempotency_key = key;
    r.patient_id = "sandbox-patient-1";
    return r;
  }
};

TEST_F(SandboxBillingTest, EligibilityFollowsTheSetting) {
  auto approving = make<SandboxBilling>(settings());
  ASSERT_TRUE(approving);
  auto yes = approving->check_eligibility(eligibility("run1:eligibility"));
  ASSERT_TRUE(yes.ok()) << yes.error().message;
  EXPECT_TRUE(yes->approved);
  EXPECT_EQ(yes->status, "complete");
  EXPECT_EQ(yes->request_id, "run1:eligibility");
  EXPECT_TRUE(yes->errors.empty());

  auto denying = make<SandboxBilling>(settings({{"eligibility", "denied"}}));
  ASSERT_TRUE(denying);
  auto no = denying->check_eligibility(eligibility("run2:eligibility"));
  ASSERT_TRUE(no.ok());
  EXPECT_FALSE(no->approved);
  EXPECT_EQ(no->status, "complete");
  EXPECT_EQ(no->errors, std::vector<std::string>{"sandbox-not-eligible"});

  // A repeat answers the first response, whatever the settings say now.
  auto repeat = denying->check_eligibility(eligibility("run1:eligibility"));
  ASSERT_TRUE(repeat.ok());
  EXPECT_EQ(json(*repeat), json(*yes));
  EXPECT_EQ(read_effect(state_file(), "check_eligibility", "run1:eligibility")->calls, 2);
}

TEST_F(SandboxBillingTest, AnApprovedClaimPaysItsItemsOnce) {
  auto billing = make<SandboxBilling>(settings());
  ASSERT_TRUE(billing);
  auto paid = billing->submit_claim(claim("run1:claim_submitted"));
  ASSERT_TRUE(paid.ok()) << paid.error().message;
  EXPECT_TRUE(paid->approved);
  EXPECT_EQ(paid->status, "complete");
  EXPECT_DOUBLE_EQ(paid->total_benefit, 201.0);
  EXPECT_EQ(paid->response_id.rfind("sandbox-claim-", 0), 0u);
  auto repeat = billing->submit_claim(claim("run1:claim_submitted"));
  ASSERT_TRUE(repeat.ok());
  EXPECT_EQ(repeat->response_id, paid->response_id);
  EXPECT_EQ(count_effects(state_file(), "submit_claim"), 1);
  EXPECT_EQ(read_effect(state_file(), "submit_claim", "run1:claim_submitted")->calls, 2);
}

TEST_F(SandboxBillingTest, ARejectedClaimIsASuccessfulCallThatSaysNo) {
  auto billing = make<SandboxBilling>(settings({{"claim_outcome", "rejected"}}));
  ASSERT_TRUE(billing);
  auto rejected = billing->submit_claim(claim("run1:claim_submitted"));
  ASSERT_TRUE(rejected.ok());
  EXPECT_FALSE(rejected->approved);
  EXPECT_EQ(rejected->status, "complete");
  EXPECT_EQ(rejected->errors, std::vector<std::string>{"sandbox-claim-rejected"});
}

TEST_F(SandboxBillingTest, AQueuedClaimIsAdjudicatedThroughPollOnce) {
  auto billing = make<SandboxBilling>(settings({{"claim_outcome", "queued"}}));
  ASSERT_TRUE(billing);
  auto queued = billing->submit_claim(claim("run1:claim_submitted"));
  ASSERT_TRUE(queued.ok());
  EXPECT_EQ(queued->status, "queued");
  EXPECT_FALSE(queued->approved);

  auto polled = billing->poll({"poll-1", 10});
  ASSERT_TRUE(polled.ok()) << polled.error().message;
  ASSERT_EQ(polled->size(), 1u);
  EXPECT_EQ((*polled)[0].request_id, "run1:claim_submitted");
  EXPECT_EQ((*polled)[0].response_id, queued->response_id);
  EXPECT_EQ((*polled)[0].status, "complete");
  EXPECT_TRUE((*polled)[0].approved);
  EXPECT_DOUBLE_EQ((*polled)[0].total_benefit, 201.0);

  // The same poll again answers the same messages; a new poll finds none.
  EXPECT_EQ(billing->poll({"poll-1", 10})->size(), 1u);
  EXPECT_TRUE(billing->poll({"poll-2", 10})->empty());
}

TEST_F(SandboxBillingTest, CancelDropsAQueuedAdjudication) {
  auto billing = make<SandboxBilling>(settings({{"claim_outcome", "queued"}}));
  ASSERT_TRUE(billing);
  ASSERT_TRUE(billing->submit_claim(claim("run1:claim_submitted")).ok());
  auto cancelled = billing->cancel({"run1:cancel", "run1:claim_submitted", "NP"});
  ASSERT_TRUE(cancelled.ok());
  EXPECT_TRUE(cancelled->approved);
  EXPECT_EQ(cancelled->status, "complete");
  EXPECT_TRUE(billing->poll({"poll-1", 10})->empty());
}

TEST_F(SandboxBillingTest, PriorAuthorizationAnswersAReference) {
  auto billing = make<SandboxBilling>(settings());
  ASSERT_TRUE(billing);
  auto auth = billing->request_prior_authorization(claim("run1:preauth"));
  ASSERT_TRUE(auth.ok());
  EXPECT_TRUE(auth->approved);
  EXPECT_FALSE(auth->pre_auth_ref.empty());
  EXPECT_EQ(billing->request_prior_authorization(claim("run1:preauth"))->pre_auth_ref,
            auth->pre_auth_ref);
}

TEST_F(SandboxBillingTest, FailFirstAttemptSubmitsOnceAndAnswersTheRetry) {
  json lossy = settings({{"fail_first_attempt", true}});
  auto billing = make<SandboxBilling>(lossy);
  ASSERT_TRUE(billing);
  auto lost = billing->submit_claim(claim("run1:claim_submitted"));
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(lost.error().retryable);
  billing.reset();
  auto restarted = make<SandboxBilling>(lossy);
  ASSERT_TRUE(restarted);
  auto retried = restarted->submit_claim(claim("run1:claim_submitted"));
  ASSERT_TRUE(retried.ok());
  EXPECT_TRUE(retried->approved);
  EXPECT_EQ(count_effects(state_file(), "submit_claim"), 1);
  EXPECT_EQ(read_effect(state_file(), "submit_claim", "run1:claim_submitted")->calls, 2);
}

TEST_F(SandboxBillingTest, EveryMethodNeedsAnIdempotencyKey) {
  auto billing = make<SandboxBilling>(settings());
  ASSERT_TRUE(billing);
  EXPECT_EQ(billing->check_eligibility(eligibility("")).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(billing->submit_claim(claim("")).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(billing->poll({"", 1}).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(billing->cancel({"", "x", "NP"}).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(count_effects(state_file(), "submit_claim"), 0);
}

}  // namespace
}  // namespace wasl::plugins::sandbox
