// AnsweredClaimsTest: facilities A and B with billing settings and a
// consultation each, a scripted billing plugin, and claims as the billing
// round leaves them (sent with a key, answered in a state), for the tests of
// what an operator does to a claim afterwards (cancel, nullify, resubmit).
// Test-only.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "hub/claims/claim_actions.hpp"
#include "hub/claims/claim_poll.hpp"
#include "hub/claims/claim_store.hpp"
#include "hub/records/consultation_store.hpp"
#include "tests/unit/claims/scripted_billing.hpp"
#include "tests/unit/records/records_database.hpp"

namespace wasl::claims::testing {

class AnsweredClaimsTest : public records::testing::RecordsDatabaseTest {
 protected:
  void SetUp() override {
    RecordsDatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    audit_ = std::make_unique<audit::AuditWriter>(GetParam(), std::string(32, 'a'));
    for (const char* facility : {records::testing::kFacilityA, records::testing::kFacilityB}) {
      config::FacilityBillingConfig billing;
      billing.provider_license = std::string("PR-") + facility;
      config_.facilities[facility].billing = billing;
      config_.facilities[facility].bindings["billing"] = "billing.nphies";
    }
    records::ConsultationStore consultations(*cipher_);
    auto tx = begin();
    ASSERT_OK(consultations.insert(*tx, sample_consultation(records::testing::kFacilityA, "c-a")));
    ASSERT_OK(consultations.insert(*tx, sample_consultation(records::testing::kFacilityB, "c-b")));
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

  // The request hub.build_claim stores for claim `id` (its key the claim id;
  // the submitting step's key replaces it when sent).
  static sdk::Claim stored_request(const std::string& id) {
    sdk::Claim c;
    c.idempotency_key = id;
    c.patient_id = "pat-1";
    c.practitioner_id = "doc-1";
    c.patient.given_name = "Sara";
    c.coverage.id = "cov-1";
    c.coverage.payer_id = "INS-7";
    c.provider_license = "PR-A";
    c.claim_type = "professional";
    c.claim_subtype = "op";
    sdk::ClaimItem item;
    item.service_code = "83600-00-10";
    item.unit_price = 150;
    item.tax = 22.5;
    c.items.push_back(item);
    c.diagnoses.push_back({"Z71.9"});
    c.raw = {{"claim_id", id}};
    return c;
  }

  // What the exchange answers a claim sent with `key`, in `state` (queued,
  // approved, partial, rejected) or "unknown" (its answer lost).
  static sdk::ClaimResponse answer(const std::string& key, const std::string& state) {
    sdk::ClaimResponse r;
    r.request_id = key;
    r.request_message_id = "mh-" + key;
    r.message_id = "answer-" + key;
    r.response_id = "CR-" + key;
    r.status = state == "queued" ? "queued" : state == "unknown" ? "unknown" : "complete";
    r.outcome = state == "partial" ? "partial" : r.status;
    r.approved = state == "approved" || state == "partial";
    r.adjudication_outcome = state;
    if (r.approved) r.total_benefit = 150;
    if (state == "rejected") r.errors = {"CL-0101"};
    return r;
  }

  // Claim `id` of `facility`'s consultation sent with `key` and answered in
  // `state` (or still a draft when `state` is "draft").
  void add(const std::string& facility, const std::string& consultation, const std::string& id,
           const std::string& key, const std::string& state) {
    ClaimStore claims(*cipher_, *audit_);
    domain::Claim c;
    c.id = id;
    c.consultation_id = consultation;
    c.facility_id = facility;
    c.request = nlohmann::json(stored_request(id)).dump();
    c.created_at = 100;
    auto tx = begin();
    ASSERT_OK(claims.create(*tx, c, ClaimActor{}));
    if (state != "draft") {
      ASSERT_OK(claims.record_submission(
          *tx, facility, id,
          claim_submission_of(sdk::Result<nlohmann::json>(nlohmann::json(answer(key, state))), 200),
          ClaimActor{}));
    }
    ASSERT_OK(tx->commit());
  }

  domain::Claim claim(const std::string& facility, const std::string& id) {
    ClaimStore claims(*cipher_, *audit_);
    auto tx = begin();
    auto c = claims.get(*tx, facility, id);
    EXPECT_OK(c);
    return c.ok() ? *c : domain::Claim{};
  }

  std::int64_t audits(const std::string& action, const std::string& id) {
    return scalar("SELECT COUNT(*) FROM audit_events WHERE action = $1 AND entity_id = $2",
                  {action, id});
  }

  config::Config config_;
  std::unique_ptr<audit::AuditWriter> audit_;
  std::shared_ptr<ScriptedBilling> billing_ = std::make_shared<ScriptedBilling>();
  ClaimPollDeps deps_;
};

}  // namespace wasl::claims::testing
