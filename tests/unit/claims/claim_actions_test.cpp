#include "hub/claims/claim_actions.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "hub/audit/audit_writer.hpp"
#include "hub/claims/claim_status_check.hpp"
#include "hub/claims/claim_store.hpp"
#include "hub/records/consultation_store.hpp"
#include "hub/workflow/definition_store.hpp"
#include "hub/workflow/engine.hpp"
#include "hub/workflow/idempotency_key.hpp"
#include "hub/workflow/step_guard.hpp"
#include "tests/unit/claims/scripted_billing.hpp"
#include "tests/unit/records/records_database.hpp"
#include "wasl/sdk/billing.hpp"

namespace wasl::claims {
namespace {

using records::testing::kFacilityA;
using records::testing::kFacilityB;

const std::string kAuditKey(32, 'k');

nlohmann::json coverage() {
  return {{"id", "cov-1"},       {"status", "active"},      {"patient_id", "pat-1"},
          {"payer_id", "INS-7"}, {"member_id", "MEM-1"},    {"policy_number", "POL-9"},
          {"plan", "gold"},      {"period_start_ms", 1000}, {"period_end_ms", 2000}};
}

nlohmann::json claim_input() {
  return {{"patient_id", "pat-1"},
          {"practitioner_id", "doc-1"},
          {"coverage", coverage()},
          {"encounter_id", "enc-1"},
          {"service_start_ms", 1'700'000'000'000},
          {"service_end_ms", 1'700'000'900'000},
          {"idempotency_key", "ignored"}};
}

class ClaimActionsTest : public records::testing::RecordsDatabaseTest {
 protected:
  void SetUp() override {
    RecordsDatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    records::ConsultationStore consultations(*cipher_);
    auto tx = begin();
    ASSERT_OK(consultations.insert(*tx, sample_consultation(kFacilityA, "c-1")));
    ASSERT_OK(tx->commit());
    config_.facilities[kFacilityA].id = kFacilityA;
    config_.facilities[kFacilityA].name = "Hospital A";
    config::FacilityBillingConfig billing;
    billing.provider_license = "PR-FHIR";
    billing.service_code = "83600-00-10";
    billing.price = 172.5;
    billing.tax = 25.88;
    billing.diagnosis_code = "Z71.9";
    config_.facilities[kFacilityA].billing = billing;
    audit_ = std::make_unique<audit::AuditWriter>(GetParam(), kAuditKey);
    ASSERT_TRUE(workflow::add_builtin_hub_actions(actions_).ok());
    ASSERT_TRUE(add_claim_actions(actions_, config_, *cipher_, *audit_).ok());
  }

  workflow::HubActionContext context(storage::Transaction* tx, const std::string& step = "claim",
                                     const std::string& facility = kFacilityA) {
    workflow::HubActionContext ctx;
    ctx.run_id = "run-1";
    ctx.facility_id = facility;
    ctx.consultation_id = "c-1";
    ctx.workflow = "consultation";
    ctx.step_id = step;
    ctx.idempotency_key = workflow::step_idempotency_key("run-1", step);
    ctx.now_ms = 1'700'001'000'000;
    ctx.tx = tx;
    ctx.store = store_.get();
    return ctx;
  }

  sdk::Result<nlohmann::json> build(const nlohmann::json& input) {
    auto tx = begin();
    auto out = actions_.find("hub.build_claim")->action(context(tx.get()), input);
    if (out.ok()) EXPECT_OK(tx->commit());
    return out;
  }

  sdk::Status observe_submit(const nlohmann::json& input, const sdk::Result<nlohmann::json>& r,
                             std::int64_t now = 1'700'002'000'000) {
    auto tx = begin();
    auto ctx = context(tx.get(), "claim_submitted");
    ctx.now_ms = now;
    const workflow::StepObserver* observer = actions_.observer("billing.submit_claim");
    EXPECT_NE(observer, nullptr);
    auto status = (*observer)(ctx, input, r);
    if (status.ok()) EXPECT_OK(tx->commit());
    return status;
  }

  domain::Claim stored(const std::string& id) {
    ClaimStore claims(*cipher_, *audit_);
    auto tx = begin();
    auto c = claims.get(*tx, kFacilityA, id);
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message);
    return c.ok() ? *c : domain::Claim{};
  }

  config::Config config_;
  std::unique_ptr<audit::AuditWriter> audit_;
  workflow::HubActions actions_;
};

TEST_P(ClaimActionsTest, BuildsExactlyTheSdkClaimAndStoresItAsADraft) {
  ASSERT_OK_AND_ASSIGN(nlohmann::json out, build(claim_input()));
  // The output is exactly an sdk Claim: reading and writing it changes nothing.
  sdk::Claim claim = out.get<sdk::Claim>();
  EXPECT_EQ(nlohmann::json(claim), out);
  EXPECT_EQ(claim.patient_id, "pat-1");
  EXPECT_EQ(claim.practitioner_id, "doc-1");
  EXPECT_EQ(claim.coverage.id, "cov-1");
  EXPECT_EQ(claim.coverage.payer_id, "INS-7");
  EXPECT_EQ(claim.facility_id, kFacilityA);
  EXPECT_EQ(claim.encounter_id, "enc-1");
  EXPECT_EQ(claim.service_start_ms, 1'700'000'000'000);
  EXPECT_EQ(claim.service_end_ms, 1'700'000'900'000);
  EXPECT_EQ(claim.use, "claim");
  ASSERT_EQ(claim.items.size(), 1u);
  EXPECT_EQ(claim.items[0].service_code, "83600-00-10");  // the facility's price list
  EXPECT_EQ(claim.items[0].quantity, 1);
  EXPECT_EQ(claim.items[0].unit_price, 172.5);
  EXPECT_EQ(claim.items[0].tax, 25.88);
  EXPECT_EQ(claim.items[0].currency, "SAR");
  EXPECT_EQ(claim.provider_license, "PR-FHIR");
  EXPECT_EQ(claim.provider_name, "Hospital A");
  EXPECT_EQ(claim.payer_license, "");  // the coverage's payer
  EXPECT_EQ(claim.claim_type, "professional");
  EXPECT_EQ(claim.claim_subtype, "op");
  ASSERT_EQ(claim.diagnoses.size(), 1u);
  EXPECT_EQ(claim.diagnoses[0].code, "Z71.9");
  EXPECT_EQ(claim.diagnoses[0].type, "principal");

  const std::string id = claim_id_for_step(workflow::step_idempotency_key("run-1", "claim"));
  EXPECT_EQ(claim.raw.value("claim_id", ""), id);
  EXPECT_EQ(claim.idempotency_key, id);
  domain::Claim row = stored(id);
  EXPECT_EQ(row.state, domain::ClaimState::kDraft);
  EXPECT_EQ(row.consultation_id, "c-1");
  EXPECT_EQ(row.created_at, 1'700'001'000'000);
  ASSERT_TRUE(row.request.has_value());
  EXPECT_EQ(nlohmann::json::parse(*row.request), out);
  // Encrypted at rest: the patient's reference is not in the cell.
  EXPECT_EQ(raw_bytes("SELECT request_enc FROM claims WHERE id = $1", {id}).find("pat-1"),
            std::string::npos);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'claim.create' AND "
                   "entity_id = $1",
                   {id}),
            1);
}

TEST_P(ClaimActionsTest, TheClaimIdIsStableAcrossRetriesOfTheStep) {
  ASSERT_OK_AND_ASSIGN(nlohmann::json first, build(claim_input()));
  ASSERT_OK_AND_ASSIGN(nlohmann::json again, build(claim_input()));
  EXPECT_EQ(first, again);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM claims"), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'claim.create'"), 1);
  const std::string id = first["raw"]["claim_id"];
  EXPECT_EQ(id.size(), 36u);
  EXPECT_EQ(id[14], '8');  // a version 8 UUID
  EXPECT_NE(claim_id_for_step(workflow::step_idempotency_key("run-2", "claim")), id);
}

TEST_P(ClaimActionsTest, ServiceCodeAndItemsFromTheStepWin) {
  nlohmann::json input = claim_input();
  input["service_code"] = "99999";
  input["use"] = "preauthorization";
  input["prior_auth_ref"] = "PA-1";
  ASSERT_OK_AND_ASSIGN(nlohmann::json out, build(input));
  EXPECT_EQ(out["items"][0]["service_code"], "99999");
  EXPECT_EQ(out["use"], "preauthorization");
  EXPECT_EQ(out["prior_auth_ref"], "PA-1");

  sdk::Claim built =
      build_claim(
          [] {
            nlohmann::json in = claim_input();
            in["items"] = {{{"service_code", "A1"}, {"quantity", 2}, {"unit_price", 75.5}}};
            return in;
          }(),
          "id-1", kFacilityA, config_)
          .value();
  ASSERT_EQ(built.items.size(), 1u);
  EXPECT_EQ(built.items[0].service_code, "A1");
  EXPECT_EQ(built.items[0].quantity, 2);
  EXPECT_EQ(built.items[0].unit_price, 75.5);
}

TEST_P(ClaimActionsTest, AFacilityWithoutBillingSettingsIsRefusedForGood) {
  auto built = build_claim(claim_input(), "id-1", "not-configured", config_);
  ASSERT_FALSE(built.ok());
  EXPECT_EQ(built.error().code, sdk::ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(built.error().retryable);
  EXPECT_NE(built.error().message.find("facilities.not-configured.billing"), std::string::npos);
  EXPECT_FALSE(build_eligibility(claim_input(), "not-configured", config_).ok());
}

TEST_P(ClaimActionsTest, DiagnosesPeopleAndTheEligibilityAnswerReachTheClaim) {
  nlohmann::json input = claim_input();
  input["diagnosis_codes"] = {"J06.9", "R05"};
  input["patient"] = {{"id", "pat-1"}, {"gender", "female"}};
  input["practitioner"] = {{"id", "doc-1"}, {"specialty", "08.00"}};
  input["eligibility"] = {{"response_id", "elig-9"}, {"response_system", "http://payer/er"}};
  ASSERT_OK_AND_ASSIGN(sdk::Claim built, build_claim(input, "id-1", kFacilityA, config_));
  ASSERT_EQ(built.diagnoses.size(), 2u);
  EXPECT_EQ(built.diagnoses[0].code, "J06.9");
  EXPECT_EQ(built.diagnoses[0].type, "principal");
  EXPECT_EQ(built.diagnoses[1].type, "secondary");
  EXPECT_EQ(built.patient.gender, "female");
  EXPECT_EQ(built.practitioner.specialty, "08.00");
  EXPECT_EQ(built.eligibility_response_id, "elig-9");
  EXPECT_EQ(built.eligibility_response_system, "http://payer/er");
}

TEST_P(ClaimActionsTest, BuildEligibilityCarriesTheFacilityLicences) {
  config_.facilities[kFacilityA].billing->payer_license = "INS-FHIR";
  nlohmann::json input = claim_input();
  input["service_date_ms"] = 1'700'000'000'000;
  ASSERT_OK_AND_ASSIGN(sdk::EligibilityRequest request,
                       build_eligibility(input, kFacilityA, config_));
  EXPECT_EQ(request.provider_license, "PR-FHIR");
  EXPECT_EQ(request.payer_license, "INS-FHIR");
  EXPECT_EQ(request.provider_name, "Hospital A");
  EXPECT_EQ(request.patient_id, "pat-1");
  EXPECT_EQ(request.coverage.id, "cov-1");
  EXPECT_EQ(request.service_date_ms, 1'700'000'000'000);
  EXPECT_EQ(request.facility_id, kFacilityA);
  nlohmann::json bad = claim_input();
  bad.erase("coverage");
  auto refused = build_eligibility(bad, kFacilityA, config_);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("'coverage'"), std::string::npos);
}

TEST_P(ClaimActionsTest, BadInputsNameTheMemberAndStoreNothing) {
  struct Case {
    const char* member;
    std::function<void(nlohmann::json&)> spoil;
  };
  std::vector<Case> cases = {
      {"patient_id", [](nlohmann::json& in) { in.erase("patient_id"); }},
      {"practitioner_id", [](nlohmann::json& in) { in["practitioner_id"] = 7; }},
      {"coverage", [](nlohmann::json& in) { in["coverage"] = "cov-1"; }},
      {"coverage", [](nlohmann::json& in) { in["coverage"].erase("id"); }},
      {"coverage", [](nlohmann::json& in) { in["coverage"]["payer_id"] = 5; }},
      {"service_end_ms", [](nlohmann::json& in) { in["service_end_ms"] = 1; }},
      {"service_start_ms", [](nlohmann::json& in) { in["service_start_ms"] = -5; }},
      {"use", [](nlohmann::json& in) { in["use"] = "refund"; }},
      {"diagnosis_codes[1]",
       [](nlohmann::json& in) {
         in["diagnosis_codes"] = {"J06.9", ""};
       }},
      {"patient",
       [](nlohmann::json& in) {
         in["patient"] = {{"id", 5}};
       }},
      {"items", [](nlohmann::json& in) { in["items"] = "x"; }},
      {"items[0].service_code",
       [](nlohmann::json& in) {
         in["items"] = {{{"quantity", 1}}};
       }},
      {"items[0].quantity",
       [](nlohmann::json& in) {
         in["items"] = {{{"service_code", "A"}, {"quantity", 0}}};
       }},
  };
  for (const auto& c : cases) {
    nlohmann::json input = claim_input();
    c.spoil(input);
    auto out = build(input);
    ASSERT_FALSE(out.ok()) << c.member;
    EXPECT_EQ(out.error().code, sdk::ErrorCode::kInvalidArgument) << c.member;
    EXPECT_FALSE(out.error().retryable);
    EXPECT_NE(out.error().message.find(std::string("'") + c.member + "'"), std::string::npos)
        << out.error().message;
    EXPECT_EQ(out.error().message.find("pat-1"), std::string::npos);
  }
  EXPECT_FALSE(build(nlohmann::json::array()).ok());
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM claims"), 0);
}

TEST_P(ClaimActionsTest, SubmitResultsMoveTheClaim) {
  ASSERT_OK_AND_ASSIGN(nlohmann::json claim, build(claim_input()));
  const std::string id = claim["raw"]["claim_id"];
  nlohmann::json input = claim;
  input["idempotency_key"] = workflow::step_idempotency_key("run-1", "claim_submitted");

  nlohmann::json queued = {{"request_id", "x"}, {"status", "queued"}, {"outcome", "queued"}};
  ASSERT_OK(observe_submit(input, queued, 10'000));
  domain::Claim row = stored(id);
  EXPECT_EQ(row.state, domain::ClaimState::kQueued);
  EXPECT_EQ(row.submitted_at, 10'000);
  EXPECT_FALSE(row.adjudicated_at.has_value());

  nlohmann::json approved = {{"request_id", "x"},       {"response_id", "CR-42"},
                             {"status", "complete"},    {"outcome", "complete"},
                             {"approved", true},        {"total_benefit", 150.0},
                             {"total_eligible", 172.5}, {"total_patient_share", 22.5},
                             {"total_tax", 22.5},       {"currency", "SAR"}};
  ASSERT_OK(observe_submit(input, approved, 20'000));
  row = stored(id);
  EXPECT_EQ(row.state, domain::ClaimState::kApproved);
  EXPECT_EQ(row.provider_claim_id, "CR-42");
  EXPECT_EQ(row.submitted_at, 10'000);  // the first answer's time stays
  EXPECT_EQ(row.adjudicated_at, 20'000);
  EXPECT_EQ(row.run_id, "run-1");        // the run that built it, which a retry resumes
  ASSERT_TRUE(row.amounts.has_value());  // in clear, for reporting
  EXPECT_EQ(row.amounts->currency, "SAR");
  EXPECT_EQ(row.amounts->benefit, 15000);
  EXPECT_EQ(row.amounts->eligible, 17250);
  EXPECT_EQ(row.amounts->patient_share, 2250);
  EXPECT_EQ(row.amounts->tax, 2250);
  ASSERT_TRUE(row.response.has_value());
  EXPECT_EQ(nlohmann::json::parse(*row.response), approved);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'claim.submit_result'"), 2);
}

TEST_P(ClaimActionsTest, AFinalFailureSetsErrorAndOthersAreLeftAlone) {
  ASSERT_OK_AND_ASSIGN(nlohmann::json claim, build(claim_input()));
  const std::string id = claim["raw"]["claim_id"];
  sdk::Error failed(sdk::ErrorCode::kInvalidArgument, "the exchange refused the message", false);
  ASSERT_OK(observe_submit(claim, failed));
  domain::Claim row = stored(id);
  EXPECT_EQ(row.state, domain::ClaimState::kError);
  EXPECT_FALSE(row.submitted_at.has_value());
  EXPECT_EQ(nlohmann::json::parse(*row.response)["error"]["code"], "invalid_argument");

  // A Claim the hub did not build, or whose record is unknown: nothing to do.
  nlohmann::json foreign = claim;
  foreign.erase("raw");
  ASSERT_OK(observe_submit(foreign, nlohmann::json{{"status", "complete"}}));
  foreign["raw"] = {{"claim_id", "no-such-claim"}};
  ASSERT_OK(observe_submit(foreign, nlohmann::json{{"status", "complete"}}));
  EXPECT_EQ(stored(id).state, domain::ClaimState::kError);
}

TEST_P(ClaimActionsTest, AnotherFacilityCannotReachTheClaim) {
  ASSERT_OK_AND_ASSIGN(nlohmann::json claim, build(claim_input()));
  const std::string id = claim["raw"]["claim_id"];
  ClaimStore claims(*cipher_, *audit_);
  auto tx = begin();
  EXPECT_EQ(claims.get(*tx, kFacilityB, id).error().code, sdk::ErrorCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(auto listed, claims.list_for_consultation(*tx, kFacilityB, "c-1"));
  EXPECT_TRUE(listed.empty());
}

// billing.submit_claim answered by a test double: its result reaches the claim
// row through the engine, in the transaction that records the step.
class BillingDouble final : public workflow::CapabilityInvoker {
 public:
  sdk::Result<nlohmann::json> invoke(const std::string&, const std::string& method,
                                     const nlohmann::json& input, const std::string&) override {
    std::lock_guard lock(mutex_);
    ++calls_of_[method];
    if (method != "billing.submit_claim") return nlohmann::json::object();
    ++calls_;
    submitted_.push_back(input);
    if (unknown_ > 0) {
      --unknown_;
      // The plugin's answer when the claim went out and no answer came back.
      return nlohmann::json{{"request_id", input.value("idempotency_key", "")},
                            {"request_message_id", "mh-" + input.value("idempotency_key", "")},
                            {"status", "unknown"}};
    }
    if (failures_ > 0) {
      --failures_;
      return sdk::Error(sdk::ErrorCode::kUnavailable, "exchange busy", retryable_);
    }
    return nlohmann::json{{"request_id", input.value("idempotency_key", "")},
                          {"response_id", "CR-" + input["raw"].value("claim_id", "")},
                          {"status", "complete"},
                          {"outcome", "complete"},
                          {"approved", true}};
  }
  void fail(int times, bool retryable) {
    std::lock_guard lock(mutex_);
    failures_ = times;
    retryable_ = retryable;
  }
  void answer_unknown(int times) {
    std::lock_guard lock(mutex_);
    unknown_ = times;
  }
  int calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  std::vector<nlohmann::json> submitted() {
    std::lock_guard lock(mutex_);
    return submitted_;
  }
  int calls_of(const std::string& method) {
    std::lock_guard lock(mutex_);
    return calls_of_[method];
  }

 private:
  std::mutex mutex_;
  std::map<std::string, int> calls_of_;
  int failures_ = 0;
  int unknown_ = 0;
  bool retryable_ = true;
  int calls_ = 0;
  std::vector<nlohmann::json> submitted_;
};

constexpr const char* kClaimFlow = R"(
name: claim-flow
version: 1
trigger: {kind: api}
steps:
  - id: claim
    call: hub.build_claim
    with:
      patient_id: pat-1
      practitioner_id: doc-1
      coverage: {id: cov-1, payer_id: INS-7}
  - id: claim_submitted
    call: billing.submit_claim
    with: ${steps.claim.output}
    retry: {max_attempts: 2, initial_delay: 1ms}
)";

class ClaimFlowTest : public ClaimActionsTest {
 protected:
  void SetUp() override {
    ClaimActionsTest::SetUp();
    if (HasFatalFailure()) return;
    definitions_ = std::make_unique<workflow::DefinitionStore>(*store_);
    ASSERT_OK(definitions_->deploy_source(kClaimFlow, "claim-flow.yaml", "test"));
    workflow::EngineOptions options;
    options.workers = 1;
    options.poll_interval = std::chrono::milliseconds(10);
    engine_ = std::make_unique<workflow::Engine>(*store_, *definitions_, billing_, actions_,
                                                 metrics_, options);
  }
  void TearDown() override {
    if (engine_) engine_->stop();
    engine_.reset();
    ClaimActionsTest::TearDown();
  }

  std::string run_to_end(const std::set<std::string>& ends = {"succeeded", "failed"},
                         const std::string& workflow = "claim-flow") {
    workflow::StartRunRequest r;
    r.workflow = workflow;
    r.facility_id = kFacilityA;
    r.consultation_id = "c-1";
    auto run = engine_->start_run(r);
    EXPECT_TRUE(run.ok());
    if (!run.ok()) return "";
    EXPECT_OK(engine_->start());
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < until) {
      auto t = engine_->timeline(*run);
      if (t.ok() && ends.count(t->status)) return *run;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << "run did not end";
    return *run;
  }

  std::string only_claim_id() {
    storage::Rows rows = query_raw("SELECT id FROM claims");
    EXPECT_EQ(rows.size(), 1u);
    return rows.empty() ? "" : rows[0].get_text(0).value_or("");
  }

  observability::Metrics metrics_;
  std::shared_ptr<BillingDouble> billing_ = std::make_shared<BillingDouble>();
  std::unique_ptr<workflow::DefinitionStore> definitions_;
  std::unique_ptr<workflow::Engine> engine_;
};

TEST_P(ClaimFlowTest, TheSubmitResultReachesTheClaimRow) {
  billing_->fail(1, /*retryable=*/true);  // one retry first: not a settled result
  run_to_end();
  EXPECT_EQ(billing_->calls(), 2);
  const std::string id = only_claim_id();
  domain::Claim row = stored(id);
  EXPECT_EQ(row.state, domain::ClaimState::kApproved);
  EXPECT_EQ(row.provider_claim_id, "CR-" + id);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'claim.submit_result'"), 1);
}

// A submission whose answer was lost leaves the claim in_doubt (never
// queued); the status-check round finds the exchange does not hold it and
// resends exactly what the engine sent, under the engine's key.
TEST_P(ClaimFlowTest, AnUnknownAnswerIsInDoubtUntilTheSameClaimIsResent) {
  billing_->answer_unknown(1);
  run_to_end();
  ASSERT_EQ(billing_->calls(), 1);  // an answer, not a failure: no retry by the engine
  const std::string id = only_claim_id();
  domain::Claim doubted = stored(id);
  EXPECT_EQ(doubted.state, domain::ClaimState::kInDoubt);
  const nlohmann::json first = billing_->submitted().front();
  const std::string key = first["idempotency_key"];
  EXPECT_EQ(doubted.request_message_id, "mh-" + key);

  auto gateway = std::make_shared<testing::ScriptedBilling>();
  ClaimPollDeps deps;
  deps.store = store_.get();
  deps.billing =
      [gateway](const std::string&) -> sdk::Result<std::shared_ptr<sdk::BillingGateway>> {
    return std::shared_ptr<sdk::BillingGateway>(gateway);
  };
  config_.facilities[kFacilityA].bindings["billing"] = "billing.nphies";
  deps.config = &config_;
  deps.cipher = cipher_.get();
  deps.audit = audit_.get();
  sdk::ClaimStatus not_held;
  not_held.request_id = key;
  not_held.status = "not_held";
  gateway->status_answers.push_back(not_held);
  sdk::ClaimResponse approved;
  approved.request_id = key;
  approved.response_id = "CR-1";
  approved.status = "complete";
  approved.outcome = "complete";
  approved.approved = true;
  approved.request_message_id = "mh-" + key;
  gateway->submit_answers.push_back(approved);
  ASSERT_OK_AND_ASSIGN(ClaimStatusCheckResult r,
                       check_in_doubt_claims(deps, kFacilityA, 1'700'003'000'000));
  EXPECT_EQ(r.resent, 1);
  auto resent = gateway->calls_of("billing.submit_claim");
  ASSERT_EQ(resent.size(), 1u);
  EXPECT_EQ(resent[0].input, nlohmann::json(first.get<sdk::Claim>()));
  EXPECT_EQ(stored(id).state, domain::ClaimState::kApproved);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM claims"), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'claim.submit_result'"), 2);
}

TEST_P(ClaimFlowTest, ASubmitThatFailsForGoodLeavesTheClaimInError) {
  billing_->fail(1, /*retryable=*/false);
  run_to_end();
  domain::Claim row = stored(only_claim_id());
  EXPECT_EQ(row.state, domain::ClaimState::kError);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM workflow_runs WHERE status = 'failed'"), 1);
}

TEST_P(ClaimFlowTest, ResumingTheFailedRunResubmitsAndTheResultReachesTheClaim) {
  billing_->fail(1, /*retryable=*/false);
  std::string run = run_to_end();
  const std::string id = only_claim_id();
  ASSERT_EQ(stored(id).state, domain::ClaimState::kError);
  ASSERT_OK(engine_->retry(run));
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < until &&
         stored(id).state != domain::ClaimState::kApproved) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(stored(id).state, domain::ClaimState::kApproved);
  EXPECT_EQ(billing_->calls(), 2);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM claims"), 1);  // the same claim, not a second one
}

// A step that names another facility's licence on the exchange fails for
// good without reaching the billing plugin, and the refusal is audited once:
// a retry policy that lists permission_denied does not repeat it.
constexpr const char* kForeignPoll = R"(
name: foreign-poll
version: 1
trigger: {kind: api}
steps:
  - id: poll
    call: billing.poll
    with: {provider_license: PR-OTHER-FACILITY, max_messages: 5}
    retry: {max_attempts: 3, initial_delay: 1ms, on: [permission_denied]}
)";

TEST_P(ClaimFlowTest, AStepNamingAnotherLicenceIsRefusedWithoutCallingThePlugin) {
  ASSERT_OK(definitions_->deploy_source(kForeignPoll, "foreign-poll.yaml", "test"));
  run_to_end({"succeeded", "failed"}, "foreign-poll");
  EXPECT_EQ(billing_->calls_of("billing.poll"), 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM workflow_runs WHERE status = 'failed'"), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM workflow_steps WHERE step_id = 'poll'"), 1)
      << "a refusal was retried";
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'access.denied' AND "
                   "outcome = 'denied' AND facility_id = $1",
                   {std::string(kFacilityA)}),
            1);
}

// Claim ids stored and sent to payers before: a step's claim id never
// changes, whichever bits of its key's hash the version and variant replace.
TEST(ClaimIdForStepTest, TheIdsOfKnownStepsAreUnchanged) {
  EXPECT_EQ(claim_id_for_step(workflow::step_idempotency_key("run-1", "claim")),
            "7ebc3a95-0cb4-83ad-97b5-338649aabcf6");
  EXPECT_EQ(claim_id_for_step(workflow::step_idempotency_key("run-2", "claim")),
            "22a1f66d-e9e0-811b-bf3e-1b4770443096");
  EXPECT_EQ(claim_id_for_step(workflow::step_idempotency_key("r", "submit")),
            "4565844c-b2d2-8a25-a059-25a7fece4be3");
  EXPECT_EQ(claim_id_for_step("wasl-0123456789abcdef0123456789abcdef"),
            "01234567-89ab-8def-8123-456789abcdef");
  EXPECT_EQ(claim_id_for_step("wasl-0123456789abcdeffedcba9876543210"),
            "01234567-89ab-8def-bedc-ba9876543210");
}

WASL_RECORDS_INSTANTIATE(ClaimActionsTest);
WASL_RECORDS_INSTANTIATE(ClaimFlowTest);

// Billing calls of a workflow step carry the run's facility's licence, set
// by the host; a step naming another licence, or cancelling a claim that is
// not its facility's, is refused and audited.
class BillingStepGuardTest : public ClaimActionsTest {
 protected:
  void SetUp() override {
    ClaimActionsTest::SetUp();
    if (HasFatalFailure()) return;
    config_.facilities[kFacilityB].id = kFacilityB;
    config_.facilities[kFacilityB].name = "Hospital B";
    config::FacilityBillingConfig billing;
    billing.provider_license = "PR-B";
    config_.facilities[kFacilityB].billing = billing;
    // A's claim, submitted by message "msg-a-1".
    ClaimStore claims(*cipher_, *audit_);
    auto tx = begin();
    domain::Claim row;
    row.id = "claim-a";
    row.consultation_id = "c-1";
    row.facility_id = kFacilityA;
    row.request = "{}";
    row.created_at = 1;
    ASSERT_OK(claims.create(*tx, row, ClaimActor{}));
    ClaimSubmission submitted;
    submitted.state = domain::ClaimState::kSubmitted;
    submitted.response = "{}";
    submitted.at_ms = 2;
    submitted.request_message_id = "msg-a-1";
    submitted.response_message_id = "ans-a-1";
    submitted.request_key = "key-a-1";
    ASSERT_OK(claims.record_submission(*tx, kFacilityA, "claim-a", submitted, ClaimActor{}));
    ASSERT_OK(tx->commit());
  }
  sdk::Result<nlohmann::json> guarded(const std::string& facility, std::string_view method,
                                      const nlohmann::json& input) {
    return workflow::guard_step_input(*store_, actions_, context(nullptr, "billing", facility),
                                      std::string(method), input);
  }
  std::int64_t denials(const std::string& facility) {
    return scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'access.denied' AND outcome = "
        "'denied' AND facility_id = $1",
        {facility});
  }
};

TEST_P(BillingStepGuardTest, TheHostSetsTheRunsFacilityLicence) {
  using B = sdk::BillingGateway;
  ASSERT_OK_AND_ASSIGN(auto poll, guarded(kFacilityB, B::kPoll, {{"max_messages", 5}}));
  EXPECT_EQ(poll["provider_license"], "PR-B");
  ASSERT_OK_AND_ASSIGN(auto ack, guarded(kFacilityA, B::kAcknowledge, {{"message_id", "ans-a-1"}}));
  EXPECT_EQ(ack["provider_license"], "PR-FHIR");
  ASSERT_OK_AND_ASSIGN(auto cancel, guarded(kFacilityA, B::kCancel, {{"request_id", "key-a-1"}}));
  EXPECT_EQ(cancel["provider_license"], "PR-FHIR");
  ASSERT_OK_AND_ASSIGN(auto claim, guarded(kFacilityA, B::kSubmitClaim, claim_input()));
  EXPECT_EQ(claim["provider_license"], "PR-FHIR");
  EXPECT_EQ(claim["provider_name"], "Hospital A");
  EXPECT_EQ(claim["facility_id"], kFacilityA);
  EXPECT_EQ(denials(kFacilityA) + denials(kFacilityB), 0);
  // A claim is named by the key it was sent with, not by its message id.
  auto by_message = guarded(kFacilityA, B::kCancel, {{"request_id", "msg-a-1"}});
  ASSERT_FALSE(by_message.ok());
  EXPECT_EQ(by_message.error().code, sdk::ErrorCode::kPermissionDenied);
}

TEST_P(BillingStepGuardTest, AnotherFacilitysLicenceOrClaimIsRefusedAndAudited) {
  using B = sdk::BillingGateway;
  // B's run polls, acknowledges and cancels as A.
  for (std::string_view method : {B::kPoll, B::kAcknowledge, B::kCancel}) {
    auto refused = guarded(
        kFacilityB, method,
        {{"provider_license", "PR-FHIR"}, {"request_id", "key-a-1"}, {"message_id", "m-1"}});
    ASSERT_FALSE(refused.ok()) << method;
    EXPECT_EQ(refused.error().code, sdk::ErrorCode::kPermissionDenied) << method;
    EXPECT_FALSE(refused.error().retryable);
  }
  // B's run cancels A's claim under its own licence.
  auto cancel = guarded(kFacilityB, B::kCancel, {{"request_id", "key-a-1"}});
  ASSERT_FALSE(cancel.ok());
  EXPECT_EQ(cancel.error().code, sdk::ErrorCode::kPermissionDenied);
  // B's run acknowledges A's answer under its own licence.
  auto ack = guarded(kFacilityB, B::kAcknowledge, {{"message_id", "ans-a-1"}});
  ASSERT_FALSE(ack.ok());
  EXPECT_EQ(ack.error().code, sdk::ErrorCode::kPermissionDenied);
  // B's run submits a claim as A.
  auto claim = claim_input();
  claim["facility_id"] = kFacilityA;
  auto submit = guarded(kFacilityB, B::kSubmitClaim, claim);
  ASSERT_FALSE(submit.ok());
  EXPECT_EQ(denials(kFacilityB), 6);
  EXPECT_EQ(denials(kFacilityA), 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'access.denied' AND "
                   "entity_type = 'claim' AND entity_id = 'key-a-1'"),
            1);
}

// A resubmission (related_request_id) replaces only a claim of the run's
// facility, named by the key it was sent with.
TEST_P(BillingStepGuardTest, AResubmissionReplacesOnlyAClaimOfTheRunsFacility) {
  using B = sdk::BillingGateway;
  auto claim = claim_input();
  claim["related_request_id"] = "key-a-1";
  claim["related_relationship"] = "prior";
  ASSERT_OK_AND_ASSIGN(auto own, guarded(kFacilityA, B::kSubmitClaim, claim));
  EXPECT_EQ(own["related_request_id"], "key-a-1");
  for (std::string_view method : {B::kSubmitClaim, B::kRequestPriorAuthorization}) {
    auto theirs = guarded(kFacilityB, method, claim);
    ASSERT_FALSE(theirs.ok()) << method;
    EXPECT_EQ(theirs.error().code, sdk::ErrorCode::kPermissionDenied) << method;
  }
  claim["related_request_id"] = "key-nobody-sent";
  EXPECT_FALSE(guarded(kFacilityA, B::kSubmitClaim, claim).ok());
  claim["related_request_id"] = 7;
  EXPECT_FALSE(guarded(kFacilityA, B::kSubmitClaim, claim).ok());
  EXPECT_EQ(denials(kFacilityB), 2);
  EXPECT_EQ(denials(kFacilityA), 2);
}

// A claim or message named by something other than a string (a workflow's
// expression gave a number) is refused and audited like an unknown one, not
// an exception inside the guard.
TEST_P(BillingStepGuardTest, AClaimOrMessageNamedByANonStringIsRefused) {
  using B = sdk::BillingGateway;
  auto cancel = guarded(kFacilityA, B::kCancel, {{"request_id", 7}});
  ASSERT_FALSE(cancel.ok());
  EXPECT_EQ(cancel.error().code, sdk::ErrorCode::kPermissionDenied) << cancel.error().message;
  auto ack =
      guarded(kFacilityA, B::kAcknowledge, {{"message_id", nlohmann::json::array({"ans-a-1"})}});
  ASSERT_FALSE(ack.ok());
  EXPECT_EQ(ack.error().code, sdk::ErrorCode::kPermissionDenied) << ack.error().message;
  auto answer = guarded(kFacilityA, B::kAnswerInformationRequest,
                        {{"claim", {{"idempotency_key", 12}}}, {"request_id", "r-1"}});
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().code, sdk::ErrorCode::kPermissionDenied) << answer.error().message;
  EXPECT_EQ(denials(kFacilityA), 3);
}

WASL_RECORDS_INSTANTIATE(BillingStepGuardTest);

}  // namespace
}  // namespace wasl::claims
