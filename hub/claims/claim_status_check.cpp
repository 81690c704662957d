#include "hub/claims/claim_status_check.hpp"

#include <spdlog/spdlog.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "hub/claims/claim_actions.hpp"
#include "hub/claims/claim_store.hpp"
#include "wasl/sdk/billing.hpp"
#include "wasl/sdk/json_member.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::claims {

using domain::ClaimState;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

namespace {

// What a round needs of one in_doubt claim: the request as it was sent and
// the idempotency key it was sent with.
struct InDoubt {
  domain::Claim claim;
  sdk::Claim request;
  std::string key;
  nlohmann::json response;  // the last answer recorded (status "unknown")
};

// Reads the claim's request and the key its "unknown" answer names; nullopt
// when either is missing or unreadable.
std::optional<InDoubt> in_doubt_of(domain::Claim claim) {
  if (!claim.request || !claim.response) return std::nullopt;
  InDoubt d;
  try {
    d.request = nlohmann::json::parse(*claim.request).get<sdk::Claim>();
    d.response = nlohmann::json::parse(*claim.response);
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
  if (!d.response.is_object()) return std::nullopt;
  d.key = sdk::string_member(d.response, "request_id");
  if (d.key.empty()) return std::nullopt;
  d.request.idempotency_key = d.key;
  d.claim = std::move(claim);
  return d;
}

// The in_doubt claims of the facility, oldest first, with their documents.
Result<std::vector<domain::Claim>> in_doubt_claims(const ClaimPollDeps& deps,
                                                   const std::string& facility_id) {
  ClaimStore claims(*deps.cipher, *deps.audit);
  WASL_ASSIGN_OR_RETURN(auto tx, deps.store->begin(storage::TxMode::kReadOnly));
  ClaimQuery q;
  q.state = ClaimState::kInDoubt;
  q.limit = kMaxStatusChecks;
  WASL_ASSIGN_OR_RETURN(std::vector<domain::Claim> listed, claims.list(*tx, facility_id, q));
  std::vector<domain::Claim> out;
  out.reserve(listed.size());
  for (const domain::Claim& c : listed) {
    WASL_ASSIGN_OR_RETURN(domain::Claim full, claims.get(*tx, facility_id, c.id));
    out.push_back(std::move(full));
  }
  tx->rollback();
  return out;
}

}  // namespace

Result<bool> record_if_in_doubt(const ClaimPollDeps& deps, const std::string& facility_id,
                                const domain::Claim& claim, const ClaimSubmission& submission,
                                const audit::AuditActor& actor) {
  ClaimStore claims(*deps.cipher, *deps.audit);
  WASL_ASSIGN_OR_RETURN(auto tx, deps.store->begin(storage::TxMode::kReadWrite));
  WASL_ASSIGN_OR_RETURN(domain::Claim now, claims.get(*tx, facility_id, claim.id));
  if (now.state != ClaimState::kInDoubt) {
    tx->rollback();
    return false;
  }
  ClaimActor by;
  by.actor = actor.actor;
  by.session = actor.session;
  if (claim.run_id) by.run_id = *claim.run_id;
  WASL_RETURN_IF_ERROR(claims.record_submission(*tx, facility_id, claim.id, submission, by));
  WASL_RETURN_IF_ERROR(tx->commit());
  return true;
}

Result<ClaimStatusCheckResult> check_in_doubt_claims(const ClaimPollDeps& deps,
                                                     const std::string& facility_id,
                                                     std::int64_t now_ms,
                                                     const audit::AuditActor& actor) {
  auto facility = deps.config->facilities.find(facility_id);
  if (facility == deps.config->facilities.end() || !facility->second.billing ||
      facility->second.bindings.count("billing") == 0) {
    return Error(ErrorCode::kNotFound,
                 "billing.check_status: facility " + facility_id + " has no billing binding",
                 false);
  }
  const std::string& provider_license = facility->second.billing->provider_license;
  WASL_ASSIGN_OR_RETURN(std::vector<domain::Claim> claims, in_doubt_claims(deps, facility_id));
  ClaimStatusCheckResult out;
  if (claims.empty()) return out;
  WASL_ASSIGN_OR_RETURN(std::shared_ptr<sdk::BillingGateway> billing, deps.billing(facility_id));
  for (domain::Claim& claim : claims) {
    std::optional<InDoubt> d = in_doubt_of(std::move(claim));
    if (!d) {
      ++out.skipped;
      continue;
    }
    sdk::StatusCheckRequest check;
    check.idempotency_key = "wasl-status-" + d->claim.id + "-" + std::to_string(now_ms);
    check.request_id = d->key;
    check.provider_license = provider_license;
    check.payer_license =
        d->request.payer_license.empty() ? d->request.coverage.payer_id : d->request.payer_license;
    if (deps.keep_alive) deps.keep_alive();
    auto status = billing->check_status(check);
    if (!status.ok()) {
      spdlog::warn("billing.check_status for claim {} of facility {}: {}", d->claim.id, facility_id,
                   status.error().message);
      ++out.in_doubt;
      continue;
    }
    ++out.checked;
    // Queued there, and the claim names the message its answer will answer.
    // One that went out in a batch whose answer was never recorded (the hub
    // stopped meanwhile) does not: it is resent alone below, which the
    // exchange answers "queued" naming that message.
    if (status->status == "queued" && d->claim.request_message_id) {
      ClaimSubmission s;
      s.state = ClaimState::kQueued;
      s.at_ms = now_ms;
      nlohmann::json response = d->response;
      response["status"] = "queued";
      response["outcome"] = "queued";
      response["status_check"] = nlohmann::json(*status);
      s.response = response.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      WASL_ASSIGN_OR_RETURN(bool moved, record_if_in_doubt(deps, facility_id, d->claim, s, actor));
      if (moved) ++out.queued;
      continue;
    }
    if (status->status != "queued" && status->status != "complete" &&
        status->status != "not_held") {
      spdlog::warn("billing.check_status for claim {} of facility {} answered status '{}'",
                   d->claim.id, facility_id, status->status);
      ++out.in_doubt;
      continue;
    }
    // A cancellation of it on its way: a resend would submit what the
    // operator is withdrawing. The cancellation's answer settles it.
    if (d->claim.cancellation && d->claim.cancellation->state == "sending") {
      ++out.in_doubt;
      continue;
    }
    // Held and adjudicated, not held, or queued under a message the claim
    // does not name: the same message again.
    const bool preauth = d->request.use == "preauthorization";
    Result<sdk::ClaimResponse> answer = preauth ? billing->request_prior_authorization(d->request)
                                                : billing->submit_claim(d->request);
    Result<nlohmann::json> result = answer.ok() ? Result<nlohmann::json>(nlohmann::json(*answer))
                                                : Result<nlohmann::json>(answer.error());
    if (!answer.ok() && answer.error().retryable) {
      spdlog::warn("resending claim {} of facility {}: {}", d->claim.id, facility_id,
                   answer.error().message);
      ++out.in_doubt;
      continue;
    }
    ClaimSubmission s = claim_submission_of(result, now_ms);
    if (s.state == ClaimState::kInDoubt) {
      ++out.in_doubt;
      continue;
    }
    WASL_ASSIGN_OR_RETURN(bool moved, record_if_in_doubt(deps, facility_id, d->claim, s, actor));
    if (moved) ++out.resent;
  }
  return out;
}

Result<std::vector<domain::Claim>> unanswered_claims(const ClaimPollDeps& deps,
                                                     const std::string& facility_id,
                                                     std::int64_t now_ms) {
  auto facility = deps.config->facilities.find(facility_id);
  if (facility == deps.config->facilities.end() || !facility->second.billing) {
    return std::vector<domain::Claim>();
  }
  const std::int64_t cutoff = now_ms - facility->second.billing->max_unanswered_age.count();
  ClaimStore claims(*deps.cipher, *deps.audit);
  WASL_ASSIGN_OR_RETURN(auto tx, deps.store->begin(storage::TxMode::kReadOnly));
  std::vector<domain::Claim> out;
  for (ClaimState state : {ClaimState::kInDoubt, ClaimState::kQueued}) {
    ClaimQuery q;
    q.state = state;
    q.limit = 500;
    for (;;) {
      WASL_ASSIGN_OR_RETURN(std::vector<domain::Claim> page, claims.list(*tx, facility_id, q));
      if (!page.empty()) q.after = std::make_pair(page.back().created_at, page.back().id);
      bool past_cutoff = false;
      for (domain::Claim& c : page) {
        // Sent no earlier than created: a claim created after the cutoff
        // and every later one are young enough.
        if (c.created_at > cutoff) {
          past_cutoff = true;
          break;
        }
        if (c.submitted_at.value_or(c.created_at) <= cutoff) out.push_back(std::move(c));
      }
      if (past_cutoff || page.size() < q.limit) break;
    }
  }
  tx->rollback();
  return out;
}

}  // namespace wasl::claims
