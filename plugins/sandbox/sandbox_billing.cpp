#include "plugins/sandbox/sandbox_billing.hpp"

#include <string>
#include <utility>

#include "plugins/sandbox/epoch_ms.hpp"
#include "plugins/sandbox/recorded_answer.hpp"

namespace wasl::plugins::sandbox {
namespace {

using nlohmann::json;
using sdk::ClaimResponse;
using sdk::Result;

// A complete response to request `key`, identified as `prefix` + sequence.
ClaimResponse complete(const std::string& key, const std::string& prefix, std::int64_t sequence,
                       bool approved, std::string disposition, std::int64_t at_ms) {
  ClaimResponse r;
  r.request_id = key;
  r.response_id = prefix + std::to_string(sequence);
  r.status = "complete";
  r.outcome = "complete";
  r.approved = approved;
  r.disposition = std::move(disposition);
  r.raw = {{"sandbox", true}, {"response_id", r.response_id}, {"created_ms", at_ms}};
  return r;
}

double claim_total(const sdk::Claim& claim) {
  double total = 0;
  for (const auto& item : claim.items) total += item.quantity * item.unit_price;
  return total;
}

}  // namespace

SandboxBilling::SandboxBilling(sdk::Host& host, SandboxSettings settings,
                               std::unique_ptr<StateFile> state)
    : host_(host), settings_(std::move(settings)), state_(std::move(state)) {}

Result<ClaimResponse> SandboxBilling::respond(
    std::string_view method, const std::string& key,
    const std::function<Result<ClaimResponse>(EffectScope&)>& build) {
  WASL_RETURN_IF_ERROR(require_idempotency_key(key, method));
  auto record = state_->record_effect(method, key, [&](EffectScope& scope) -> Result<json> {
    WASL_ASSIGN_OR_RETURN(ClaimResponse response, build(scope));
    return json(response);
  });
  return recorded_answer<ClaimResponse>(std::move(record), settings_.fail_first_attempt, method);
}

Result<ClaimResponse> SandboxBilling::check_eligibility(const sdk::EligibilityRequest& request) {
  std::int64_t now = epoch_ms(host_);
  bool approved = settings_.eligibility_approved;
  return respond("check_eligibility", request.idempotency_key,
                 [&](EffectScope& scope) -> Result<ClaimResponse> {
    ClaimResponse r = complete(request.idempotency_key, "sandbox-eligibility-", scope.sequence(),
                               approved,
                               approved ? "Eligible for a virtual consultation (sandbox payer)"
                                        : "Not eligible (sandbox payer, eligibility: denied)",
                               now);
    if (!approved) r.errors = {"sandbox-not-eligible"};
    return r;
  });
}

Result<ClaimResponse> SandboxBilling::request_prior_authorization(const sdk::Claim& claim) {
  std::int64_t now = epoch_ms(host_);
  return respond("request_prior_authorization", claim.idempotency_key,
                 [&](EffectScope& scope) -> Result<ClaimResponse> {
    ClaimResponse r = complete(claim.idempotency_key, "sandbox-preauth-", scope.sequence(), true,
                               "Authorized (sandbox payer)", now);
    r.pre_auth_ref = r.response_id;
    r.total_benefit = claim_total(claim);
    return r;
  });
}

Result<ClaimResponse> SandboxBilling::submit_claim(const sdk::Claim& claim) {
  std::int64_t now = epoch_ms(host_);
  return respond("submit_claim", claim.idempotency_key,
                 [&](EffectScope& scope) -> Result<ClaimResponse> {
    switch (settings_.claim_outcome) {
      case ClaimOutcome::kApproved: {
        ClaimResponse r = complete(claim.idempotency_key, "sandbox-claim-", scope.sequence(),
                                   true, "Adjudicated as payable (sandbox payer)", now);
        r.total_benefit = claim_total(claim);
        return r;
      }
      case ClaimOutcome::kRejected: {
        ClaimResponse r = complete(claim.idempotency_key, "sandbox-claim-", scope.sequence(),
                                   false, "Rejected (sandbox payer, claim_outcome: rejected)",
                                   now);
        r.errors = {"sandbox-claim-rejected"};
        return r;
      }
      case ClaimOutcome::kQueued:
        break;
    }
    ClaimResponse later = complete(claim.idempotency_key, "sandbox-claim-", scope.sequence(),
                                   true, "Adjudicated as payable (sandbox payer, after queueing)",
                                   now);
    later.total_benefit = claim_total(claim);
    WASL_RETURN_IF_ERROR(scope.queue_response(claim.idempotency_key, json(later)));
    ClaimResponse queued = later;
    queued.status = "queued";
    queued.outcome = "queued";
    queued.approved = false;
    queued.total_benefit = 0;
    queued.disposition = "Queued by the sandbox payer; the adjudication arrives through poll";
    return queued;
  });
}

Result<std::vector<ClaimResponse>> SandboxBilling::poll(const sdk::PollRequest& request) {
  constexpr std::string_view kMethod = "poll";
  WASL_RETURN_IF_ERROR(require_idempotency_key(request.idempotency_key, kMethod));
  int max = request.max_messages > 0 ? request.max_messages : 1;
  auto record = state_->record_effect(kMethod, request.idempotency_key,
                                      [&](EffectScope& scope) -> Result<json> {
    WASL_ASSIGN_OR_RETURN(auto responses, scope.take_queued(max));
    return json(std::move(responses));
  });
  return recorded_answer<std::vector<ClaimResponse>>(std::move(record),
                                                     settings_.fail_first_attempt, kMethod);
}

Result<ClaimResponse> SandboxBilling::cancel(const sdk::CancelRequest& request) {
  std::int64_t now = epoch_ms(host_);
  return respond("cancel", request.idempotency_key,
                 [&](EffectScope& scope) -> Result<ClaimResponse> {
    WASL_RETURN_IF_ERROR(scope.drop_queued(request.request_id));
    return complete(request.idempotency_key, "sandbox-cancel-", scope.sequence(), true,
                    "Cancelled (sandbox payer)", now);
  });
}

}  // namespace wasl::plugins::sandbox
