#include "hub/claims/claim_cancellation.hpp"

#include <algorithm>
#include <memory>
#include <utility>

#include "hub/claims/claim_as_sent.hpp"
#include "hub/claims/claim_store.hpp"
#include "wasl/sdk/billing.hpp"

namespace wasl::claims {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

namespace {

// The longest refusal kept on a claim: the exchange's codes, or the start of
// a permanent error's message (which never carries PHI).
constexpr std::size_t kMaxRefusalChars = 500;

std::string refusal_text(const std::vector<std::string>& codes, const std::string& text) {
  std::string out;
  for (const std::string& code : codes) out += (out.empty() ? "" : ", ") + code;
  if (!text.empty()) out += (out.empty() ? "" : ": ") + text;
  if (out.empty()) out = "refused without a reason";
  if (out.size() > kMaxRefusalChars) out.resize(kMaxRefusalChars);
  return out;
}

}  // namespace

bool is_cancel_reason(std::string_view reason) {
  return std::find(kCancelReasons.begin(), kCancelReasons.end(), reason) != kCancelReasons.end();
}

std::string_view to_string(CancelKind kind) {
  return kind == CancelKind::kCancel ? "cancel" : "nullify";
}

Result<CancellationResult> cancel_claim(const ClaimPollDeps& deps, const std::string& facility_id,
                                        const std::string& id, CancelKind kind,
                                        const std::string& reason, std::int64_t now_ms,
                                        const audit::AuditActor& actor) {
  if (!is_cancel_reason(reason)) {
    return Error(ErrorCode::kInvalidArgument,
                 "reason must be one of WI, NP, TAS, SU (NPHIES task-reason-code)", false);
  }
  WASL_ASSIGN_OR_RETURN(std::shared_ptr<sdk::BillingGateway> billing, deps.billing(facility_id));
  ClaimStore claims(*deps.cipher, *deps.audit);
  ClaimActor by;
  by.actor = actor.actor;
  by.session = actor.session;
  sdk::CancelRequest request;
  {
    WASL_ASSIGN_OR_RETURN(auto tx, deps.store->begin(storage::TxMode::kReadWrite));
    WASL_ASSIGN_OR_RETURN(domain::Claim claim, claims.get(*tx, facility_id, id));
    if (claim.run_id) by.run_id = *claim.run_id;
    WASL_ASSIGN_OR_RETURN(
        domain::ClaimCancellation recorded,
        claims.begin_cancellation(*tx, facility_id, id, to_string(kind), reason, by, now_ms));
    WASL_ASSIGN_OR_RETURN(sdk::Claim sent, claim_as_sent(claim));
    WASL_RETURN_IF_ERROR(tx->commit());
    request.idempotency_key = recorded.key;
    request.request_id = sent.idempotency_key;
    request.reason = recorded.reason;
    request.kind = recorded.kind;
    request.provider_license = sent.provider_license;
    request.payer_license =
        sent.payer_license.empty() ? sent.coverage.payer_id : sent.payer_license;
  }
  Result<sdk::ClaimResponse> answer = billing->cancel(request);
  if (!answer.ok() && answer.error().retryable) return answer.error();  // stays sending

  CancellationResult out;
  std::optional<std::string> refusal;
  if (answer.ok()) {
    out.taken = answer->approved;
    out.errors = answer->errors;
    out.disposition = answer->disposition;
    // The codes only: the payer's text is kept out of the clear columns.
    if (!out.taken) refusal = refusal_text(answer->errors, "");
  } else {
    refusal = refusal_text({}, answer.error().message);
  }
  WASL_ASSIGN_OR_RETURN(auto tx, deps.store->begin(storage::TxMode::kReadWrite));
  sdk::Status recorded = claims.record_cancellation(*tx, facility_id, id, request.idempotency_key,
                                                    out.taken, refusal, by, now_ms);
  // kFailedPrecondition: a concurrent request sent the same message and
  // recorded the same answer first; the claim is read as it left it.
  if (!recorded.ok() && recorded.error().code != ErrorCode::kFailedPrecondition) {
    return recorded.error();
  }
  WASL_ASSIGN_OR_RETURN(out.claim, claims.get(*tx, facility_id, id));
  if (recorded.ok()) {
    WASL_RETURN_IF_ERROR(tx->commit());
  } else {
    tx->rollback();
  }
  out.claim.request.reset();
  out.claim.response.reset();
  if (!answer.ok()) return answer.error();
  return out;
}

}  // namespace wasl::claims
