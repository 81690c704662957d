#include "hub/claims/claim_resubmission.hpp"

#include <memory>
#include <nlohmann/json.hpp>
#include <utility>

#include "hub/claims/claim_actions.hpp"
#include "hub/claims/claim_as_sent.hpp"
#include "hub/claims/claim_status_check.hpp"
#include "hub/claims/claim_store.hpp"
#include "wasl/sdk/billing.hpp"
#include "wasl/sdk/uuid.hpp"

namespace wasl::claims {

using domain::ClaimState;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

namespace {

std::string json_text(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The rejected claim as sent, made into its resubmission `id` sent with `key`.
sdk::Claim resubmission_of(sdk::Claim sent, const std::string& id, const std::string& key,
                           const ResubmissionInput& input) {
  sdk::Claim out = std::move(sent);
  out.related_request_id = out.idempotency_key;
  out.related_relationship = "prior";
  out.idempotency_key = key;
  if (!out.raw.is_object()) out.raw = nlohmann::json::object();
  out.raw["claim_id"] = id;
  if (!input.items.empty()) out.items = input.items;
  if (!input.diagnosis_codes.empty()) {
    out.diagnoses.clear();
    for (std::size_t i = 0; i < input.diagnosis_codes.size(); ++i) {
      sdk::Diagnosis d;
      d.code = input.diagnosis_codes[i];
      d.type = i == 0 ? "principal" : "secondary";
      out.diagnoses.push_back(std::move(d));
    }
  }
  return out;
}

}  // namespace

std::string resubmission_id(std::string_view claim_id, int n) {
  return sdk::name_based_uuid("wasl claim resubmission\n" + std::string(claim_id) + "\n" +
                              std::to_string(n));
}

std::string resubmission_key(std::string_view id) { return "wasl-resubmit-" + std::string(id); }

Result<domain::Claim> resubmit_claim(const ClaimPollDeps& deps, const std::string& facility_id,
                                     const std::string& id, const ResubmissionInput& input,
                                     std::int64_t now_ms, const audit::AuditActor& actor) {
  WASL_ASSIGN_OR_RETURN(std::shared_ptr<sdk::BillingGateway> billing, deps.billing(facility_id));
  ClaimStore claims(*deps.cipher, *deps.audit);
  ClaimActor by;
  by.actor = actor.actor;
  by.session = actor.session;
  domain::Claim created;
  sdk::Claim request;
  {
    WASL_ASSIGN_OR_RETURN(auto tx, deps.store->begin(storage::TxMode::kReadWrite));
    WASL_ASSIGN_OR_RETURN(domain::Claim rejected, claims.get(*tx, facility_id, id));
    if (rejected.state != ClaimState::kRejected) {
      return Error(ErrorCode::kFailedPrecondition,
                   "claim " + id + " is " + std::string(domain::to_string(rejected.state)) +
                       "; only a rejected claim is resubmitted",
                   false);
    }
    WASL_ASSIGN_OR_RETURN(sdk::Claim sent, claim_as_sent(rejected));
    WASL_ASSIGN_OR_RETURN(int earlier, claims.count_resubmissions(*tx, facility_id, id));
    const std::string new_id = resubmission_id(id, earlier + 1);
    const std::string key = resubmission_key(new_id);
    request = resubmission_of(std::move(sent), new_id, key, input);
    // Sent, its answer not known yet: what the round asks about and resends
    // (claim_status_check.hpp) should the answer never be recorded.
    sdk::ClaimResponse unknown;
    unknown.request_id = key;
    unknown.status = "unknown";
    unknown.disposition = "resubmitted; the exchange's answer is not recorded yet";
    ClaimResubmission r;
    r.id = new_id;
    r.replaces = id;
    r.request = json_text(nlohmann::json(request));
    r.response = json_text(nlohmann::json(unknown));
    r.request_key = key;
    r.at_ms = now_ms;
    WASL_ASSIGN_OR_RETURN(created, claims.create_resubmission(*tx, facility_id, r, by));
    WASL_RETURN_IF_ERROR(tx->commit());
  }
  const bool preauth = request.use == "preauthorization";
  Result<sdk::ClaimResponse> answer =
      preauth ? billing->request_prior_authorization(request) : billing->submit_claim(request);
  if (answer.ok() || !answer.error().retryable) {
    Result<nlohmann::json> result = answer.ok() ? Result<nlohmann::json>(nlohmann::json(*answer))
                                                : Result<nlohmann::json>(answer.error());
    ClaimSubmission s = claim_submission_of(result, now_ms);
    if (s.state != ClaimState::kInDoubt) {
      WASL_ASSIGN_OR_RETURN(bool recorded,
                            record_if_in_doubt(deps, facility_id, created, s, actor));
      (void)recorded;  // false: a polled answer or another hub recorded it first
    }
  }
  WASL_ASSIGN_OR_RETURN(auto tx, deps.store->begin(storage::TxMode::kReadOnly));
  WASL_ASSIGN_OR_RETURN(domain::Claim now, claims.get(*tx, facility_id, created.id));
  tx->rollback();
  now.request.reset();
  now.response.reset();
  return now;
}

}  // namespace wasl::claims
