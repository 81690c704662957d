// Prior authorization as workflow steps, with the real engine on both
// backends: hub.billing_service decides by the facility's
// requires_prior_auth, billing.request_prior_authorization's answer is
// recorded on its claim, hub.await_prior_authorization passes an approval
// (and the claim built later carries its preAuthRef), fails a rejection
// (the step's on_failure path) and waits for a queued answer until the
// billing round records it.
#include "hub/claims/prior_authorization.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "hub/audit/audit_writer.hpp"
#include "hub/claims/claim_actions.hpp"
#include "hub/claims/claim_store.hpp"
#include "hub/records/consultation_store.hpp"
#include "hub/workflow/definition_store.hpp"
#include "hub/workflow/engine.hpp"
#include "tests/unit/records/records_database.hpp"

namespace wasl::claims {
namespace {

using nlohmann::json;
using records::testing::kFacilityA;
using records::testing::kFacilityB;

const std::string kPriorAuthAuditKey(32, 'k');

// The payer's answers to prior authorizations and claims, by rule.
class PayerDouble final : public workflow::CapabilityInvoker {
 public:
  // "approve", "reject" or "queue": how prior authorizations are answered.
  explicit PayerDouble(std::string rule) : rule_(std::move(rule)) {}

  sdk::Result<json> invoke(const std::string&, const std::string& method, const json& input,
                           const std::string&) override {
    std::lock_guard lock(mutex_);
    sent_[method].push_back(input);
    const std::string key = input.value("idempotency_key", "");
    json answer = {{"request_id", key}, {"request_message_id", "mh-" + key}};
    if (method == "billing.request_prior_authorization") {
      if (rule_ == "queue") {
        answer["status"] = "queued";
        return answer;
      }
      answer["status"] = "complete";
      answer["outcome"] = rule_ == "approve" ? "complete" : "error";
      answer["approved"] = rule_ == "approve";
      if (rule_ == "approve") answer["pre_auth_ref"] = "PA-" + key.substr(key.size() - 6);
      return answer;
    }
    if (method == "billing.submit_claim") {
      answer["status"] = "complete";
      answer["outcome"] = "complete";
      answer["approved"] = true;
      return answer;
    }
    return json::object();
  }
  std::vector<json> sent(const std::string& method) {
    std::lock_guard lock(mutex_);
    return sent_[method];
  }

 private:
  std::mutex mutex_;
  std::string rule_;
  std::map<std::string, std::vector<json>> sent_;
};

// The consultation workflow's prior-authorization steps, as
// workflows/consultation.yaml has them, and its claim.
constexpr const char* kFlow = R"(
name: prior-auth-flow
version: 1
trigger: {kind: api}
steps:
  - id: service
    call: hub.billing_service
  - id: prior_auth_request
    call: hub.build_claim
    when: steps.service.output.requires_prior_auth == true
    with:
      use: preauthorization
      patient_id: pat-1
      practitioner_id: doc-1
      coverage: {id: cov-1, payer_id: INS-7}
  - id: prior_auth
    call: billing.request_prior_authorization
    when: exists(steps.prior_auth_request.output)
    with: ${steps.prior_auth_request.output}
  - id: prior_auth_decision
    call: hub.await_prior_authorization
    when: exists(steps.prior_auth.output)
    with:
      claim_id: ${steps.prior_auth_request.output.raw.claim_id}
    on_failure: continue
  - id: prior_auth_rejected
    call: hub.record_event
    when: steps.prior_auth_decision.status == 'failed'
    with:
      type: prior_auth.rejected
      detail:
        claim_id: ${steps.prior_auth_request.output.raw.claim_id}
  - id: claim
    call: hub.build_claim
    when: steps.prior_auth_decision.status != 'failed'
    with:
      patient_id: pat-1
      practitioner_id: doc-1
      coverage: {id: cov-1, payer_id: INS-7}
  - id: claim_submitted
    call: billing.submit_claim
    when: exists(steps.claim.output)
    with: ${steps.claim.output}
)";

class PriorAuthorizationTest : public records::testing::RecordsDatabaseTest {
 protected:
  void SetUp() override {
    RecordsDatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    records::ConsultationStore consultations(*cipher_);
    auto tx = begin();
    ASSERT_OK(consultations.insert(*tx, sample_consultation(kFacilityA, "c-1")));
    ASSERT_OK(consultations.insert(*tx, sample_consultation(kFacilityB, "c-b")));
    ASSERT_OK(tx->commit());
    for (const char* facility : {kFacilityA, kFacilityB}) {
      config_.facilities[facility].id = facility;
      config_.facilities[facility].name = facility;
      config::FacilityBillingConfig billing;
      billing.provider_license = std::string("PR-") + facility;
      billing.service_code = "83600-00-10";
      billing.price = 150;
      billing.tax = 22.5;
      billing.diagnosis_code = "Z71.9";
      billing.requires_prior_auth = true;
      // A deferred decision is looked at again after this long.
      billing.poll_interval = std::chrono::milliseconds(20);
      config_.facilities[facility].billing = billing;
    }
    audit_ = std::make_unique<audit::AuditWriter>(GetParam(), kPriorAuthAuditKey);
    ASSERT_TRUE(workflow::add_builtin_hub_actions(actions_).ok());
    ASSERT_TRUE(add_claim_actions(actions_, config_, *cipher_, *audit_).ok());
    definitions_ = std::make_unique<workflow::DefinitionStore>(*store_);
    ASSERT_OK(definitions_->deploy_source(kFlow, "prior-auth-flow.yaml", "test"));
  }
  void TearDown() override {
    if (engine_) engine_->stop();
    engine_.reset();
    RecordsDatabaseTest::TearDown();
  }

  std::string start(const std::string& rule) {
    payer_ = std::make_shared<PayerDouble>(rule);
    workflow::EngineOptions options;
    options.workers = 1;
    options.poll_interval = std::chrono::milliseconds(10);
    engine_ = std::make_unique<workflow::Engine>(*store_, *definitions_, payer_, actions_, metrics_,
                                                 options);
    workflow::StartRunRequest r;
    r.workflow = "prior-auth-flow";
    r.facility_id = kFacilityA;
    r.consultation_id = "c-1";
    auto run = engine_->start_run(r);
    EXPECT_TRUE(run.ok());
    EXPECT_OK(engine_->start());
    return run.ok() ? *run : "";
  }

  // The run's timeline once `done` holds of it (bounded).
  workflow::RunTimeline wait_for(const std::string& run,
                                 const std::function<bool(const workflow::RunTimeline&)>& done) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < until) {
      auto t = engine_->timeline(run);
      if (t.ok() && done(*t)) return *t;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << "the run did not get there";
    auto t = engine_->timeline(run);
    return t.ok() ? *t : workflow::RunTimeline{};
  }
  workflow::RunTimeline wait_for_end(const std::string& run) {
    return wait_for(run, [](const workflow::RunTimeline& t) {
      return t.status == "succeeded" || t.status == "failed";
    });
  }

  static std::string step_status(const workflow::RunTimeline& t, const std::string& step) {
    std::string status;
    for (const auto& a : t.attempts) {
      if (a.step_id == step) status = a.status;
    }
    return status;
  }

  // Every claim row of facility A, decrypted, oldest first.
  std::vector<domain::Claim> claims() {
    ClaimStore store(*cipher_, *audit_);
    auto tx = begin();
    std::vector<domain::Claim> out;
    auto listed = store.list_for_consultation(*tx, kFacilityA, "c-1");
    EXPECT_TRUE(listed.ok());
    if (!listed.ok()) return out;
    for (const auto& c : *listed) {
      auto full = store.get(*tx, kFacilityA, c.id);
      EXPECT_TRUE(full.ok());
      if (full.ok()) out.push_back(*full);
    }
    return out;
  }

  static std::string use_of(const domain::Claim& c) {
    return json::parse(c.request.value_or("{}")).value("use", "claim");
  }

  config::Config config_;
  std::unique_ptr<audit::AuditWriter> audit_;
  workflow::HubActions actions_;
  observability::Metrics metrics_;
  std::shared_ptr<PayerDouble> payer_;
  std::unique_ptr<workflow::DefinitionStore> definitions_;
  std::unique_ptr<workflow::Engine> engine_;
};

TEST_P(PriorAuthorizationTest, BillingServiceAnswersTheFacilitysServiceAndNothingSecret) {
  auto tx = begin();
  workflow::HubActionContext ctx;
  ctx.facility_id = kFacilityA;
  ctx.tx = tx.get();
  ctx.store = store_.get();
  ASSERT_OK_AND_ASSIGN(json out, actions_.find("hub.billing_service")->action(ctx, json::object()));
  EXPECT_EQ(out, (json{{"service_code", "83600-00-10"},
                       {"service_code_system", ""},
                       {"price", 150.0},
                       {"tax", 22.5},
                       {"currency", "SAR"},
                       {"claim_type", "professional"},
                       {"claim_subtype", "op"},
                       {"requires_prior_auth", true},
                       {"submission", "immediate"}}));
  ctx.facility_id = "no-billing";
  auto refused = actions_.find("hub.billing_service")->action(ctx, json::object());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, sdk::ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(refused.error().retryable);
}

TEST_P(PriorAuthorizationTest, AnApprovalIsCarriedOntoTheClaimAsItsPreAuthRef) {
  const std::string run = start("approve");
  workflow::RunTimeline t = wait_for_end(run);
  ASSERT_EQ(t.status, "succeeded");
  EXPECT_EQ(step_status(t, "prior_auth_decision"), "succeeded");
  EXPECT_EQ(step_status(t, "prior_auth_rejected"), "skipped");

  std::vector<domain::Claim> rows = claims();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(use_of(rows[0]), "preauthorization");
  EXPECT_EQ(rows[0].state, domain::ClaimState::kApproved);
  EXPECT_EQ(use_of(rows[1]), "claim");
  EXPECT_EQ(rows[1].state, domain::ClaimState::kApproved);

  auto authorizations = payer_->sent("billing.request_prior_authorization");
  auto submitted = payer_->sent("billing.submit_claim");
  ASSERT_EQ(authorizations.size(), 1u);
  ASSERT_EQ(submitted.size(), 1u);
  const std::string key = authorizations[0].value("idempotency_key", "");
  EXPECT_EQ(submitted[0].value("prior_auth_ref", ""), "PA-" + key.substr(key.size() - 6));
}

TEST_P(PriorAuthorizationTest, ARejectionTakesTheOnFailurePathAndNoClaimIsSent) {
  const std::string run = start("reject");
  workflow::RunTimeline t = wait_for_end(run);
  ASSERT_EQ(t.status, "succeeded");  // on_failure: continue
  EXPECT_EQ(step_status(t, "prior_auth_decision"), "failed");
  EXPECT_EQ(step_status(t, "prior_auth_rejected"), "succeeded");
  EXPECT_EQ(step_status(t, "claim"), "skipped");
  EXPECT_TRUE(payer_->sent("billing.submit_claim").empty());
  std::vector<domain::Claim> rows = claims();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].state, domain::ClaimState::kRejected);
}

TEST_P(PriorAuthorizationTest, AQueuedAnswerIsAwaitedUntilThePollRecordsIt) {
  const std::string run = start("queue");
  // The decision step waits ("not yet") while the authorization is queued.
  wait_for(run, [](const workflow::RunTimeline& t) {
    for (const auto& a : t.attempts) {
      if (a.step_id == "prior_auth_decision") return true;
    }
    return false;
  });
  std::vector<domain::Claim> rows = claims();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].state, domain::ClaimState::kQueued);
  auto t = engine_->timeline(run);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->status, "running");
  EXPECT_TRUE(payer_->sent("billing.submit_claim").empty());

  // The billing round's poll records the payer's approval on the claim.
  {
    ClaimStore store(*cipher_, *audit_);
    auto tx = begin();
    ClaimSubmission s = claim_submission_of(json{{"request_id", "k"},
                                                 {"status", "complete"},
                                                 {"outcome", "complete"},
                                                 {"approved", true},
                                                 {"pre_auth_ref", "PA-POLLED"}},
                                            1'700'003'000'000);
    ASSERT_OK(store.record_submission(*tx, kFacilityA, rows[0].id, s, ClaimActor{}));
    ASSERT_OK(tx->commit());
  }
  workflow::RunTimeline done = wait_for_end(run);
  ASSERT_EQ(done.status, "succeeded");
  auto submitted = payer_->sent("billing.submit_claim");
  ASSERT_EQ(submitted.size(), 1u);
  EXPECT_EQ(submitted[0].value("prior_auth_ref", ""), "PA-POLLED");
}

TEST_P(PriorAuthorizationTest, NotRequiredNothingIsAskedAndTheClaimHasNoReference) {
  config_.facilities[kFacilityA].billing->requires_prior_auth = false;
  const std::string run = start("approve");
  workflow::RunTimeline t = wait_for_end(run);
  ASSERT_EQ(t.status, "succeeded");
  EXPECT_EQ(step_status(t, "prior_auth_request"), "skipped");
  EXPECT_EQ(step_status(t, "prior_auth_decision"), "skipped");
  EXPECT_TRUE(payer_->sent("billing.request_prior_authorization").empty());
  auto submitted = payer_->sent("billing.submit_claim");
  ASSERT_EQ(submitted.size(), 1u);
  EXPECT_EQ(submitted[0].value("prior_auth_ref", ""), "");
}

TEST_P(PriorAuthorizationTest, AnotherFacilitysClaimOrAPlainClaimIsNoDecision) {
  ClaimStore store(*cipher_, *audit_);
  auto tx = begin();
  domain::Claim theirs;
  theirs.id = "claim-b";
  theirs.consultation_id = "c-b";
  theirs.facility_id = kFacilityB;
  theirs.request = json{{"use", "preauthorization"}}.dump();
  theirs.created_at = 1;
  ASSERT_OK(store.create(*tx, theirs, ClaimActor{}));
  domain::Claim plain;
  plain.id = "claim-a";
  plain.consultation_id = "c-1";
  plain.facility_id = kFacilityA;
  plain.request = json{{"use", "claim"}}.dump();
  plain.created_at = 1;
  ASSERT_OK(store.create(*tx, plain, ClaimActor{}));

  auto other = prior_authorization_decision(*tx, store, kFacilityA, "claim-b",
                                            std::chrono::milliseconds(10));
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code, sdk::ErrorCode::kNotFound);
  auto not_one = prior_authorization_decision(*tx, store, kFacilityA, "claim-a",
                                              std::chrono::milliseconds(10));
  ASSERT_FALSE(not_one.ok());
  EXPECT_EQ(not_one.error().code, sdk::ErrorCode::kInvalidArgument);
  auto draft = prior_authorization_decision(*tx, store, kFacilityB, "claim-b",
                                            std::chrono::milliseconds(10));
  ASSERT_FALSE(draft.ok());
  EXPECT_TRUE(draft.error().deferred);
  EXPECT_EQ(draft.error().retry_after, std::chrono::milliseconds(10));
}

WASL_RECORDS_INSTANTIATE(PriorAuthorizationTest);

}  // namespace
}  // namespace wasl::claims
