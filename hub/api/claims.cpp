#include "hub/api/claims.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hub/api/api_problem.hpp"
#include "hub/api/authorization.hpp"
#include "hub/api/field_validator.hpp"
#include "hub/api/idempotent_request.hpp"
#include "hub/api/json_response.hpp"
#include "hub/api/list_params.hpp"
#include "hub/api/request_audit.hpp"
#include "hub/claims/claim_store.hpp"
#include "hub/domain/timestamp.hpp"
#include "hub/records/consultation_store.hpp"
#include "hub/records/idempotency_store.hpp"
#include "hub/records/list_cursor.hpp"
#include "wasl/sdk/billing.hpp"

namespace wasl::api {
namespace {

using http::Request;
using http::Response;

constexpr const char* kClaims = "/v1/claims/";

// GET /v1/claims/{id}
Response read(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string& id = request.path_params.at("id");
  claims::ClaimStore claims(*ctx.cipher, *ctx.audit);
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  auto claim = claims.get(**tx, principal.facility_id, id);
  if (!claim.ok()) return error_response(request, claim.error(), MessageId::kClaimNotFound);
  if (auto failed = commit_audited(*ctx.audit, request, **tx,
                                   request_event(request, principal, "claim.read", "claim", id))) {
    return *failed;
  }
  return json_response(200, nlohmann::json(*claim));
}

// GET /v1/consultations/{id}/claims
Response list(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string& cid = request.path_params.at("id");
  records::ConsultationStore consultations(*ctx.cipher);
  claims::ClaimStore claims(*ctx.cipher, *ctx.audit);
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  auto c = consultations.get(**tx, principal.facility_id, cid);
  if (!c.ok()) return error_response(request, c.error(), MessageId::kConsultationNotFound);
  auto all = claims.list_for_consultation(**tx, principal.facility_id, cid);
  if (!all.ok()) return error_response(request, all.error());
  audit::AuditEvent event = request_event(request, principal, "claim.list", "consultation", cid);
  event.detail = nlohmann::json{{"count", all->size()}}.dump();
  if (auto failed = commit_audited(*ctx.audit, request, **tx, event)) return *failed;
  nlohmann::json items = nlohmann::json::array();
  for (const auto& claim : *all) items.push_back(claim);
  return json_response(200, nlohmann::json{{"items", std::move(items)}});
}

// GET /v1/claims?state=…&since=…&limit=…&cursor=…: the facility's claims,
// oldest first, for the revenue-cycle team (e.g. everything still queued).
Response list_all(ApiContext& ctx, Request& request, const access::Principal& principal) {
  FieldValidator v;
  claims::ClaimQuery q;
  ListParams paging;
  paging.limit = static_cast<std::size_t>(records::kDefaultListLimit);
  for (const auto& [name, value] : request.query) {
    if (name == "state") {
      q.state = domain::parse_claim_state(value);
      if (!q.state) {
        v.add("state", "unknown_value",
              "must be one of: draft, submitted, queued, in_doubt, approved, partial, rejected, "
              "error, cancelled, paid, partially_paid");
      }
    } else if (name == "since") {
      auto t = domain::parse_timestamp(value);
      if (!t) {
        v.add(name, "invalid_format", "must be an RFC 3339 date-time");
      } else {
        q.since_ms = *t;
      }
    } else if (!read_list_param(name, value, v, paging)) {
      v.add(name.substr(0, 64), "unknown_field", "is not a parameter of this resource");
    }
  }
  if (!v.ok()) return validation_problem(request, 400, v.take());
  q.limit = paging.limit;
  q.after = paging.after;
  claims::ClaimStore claims(*ctx.cipher, *ctx.audit);
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  const std::size_t wanted = q.limit;
  q.limit = wanted + 1;  // one more tells whether a next page exists
  auto found = claims.list(**tx, principal.facility_id, q);
  if (!found.ok()) return error_response(request, found.error());
  std::vector<domain::Claim>& page = *found;
  const nlohmann::json next = cut_page(page, wanted, [](const domain::Claim& last) {
    return records::ListCursor{last.created_at, last.id};
  });
  audit::AuditEvent event = request_event(request, principal, "claim.list", "claim", "");
  nlohmann::json detail = {{"count", page.size()}};
  if (q.state) detail["state"] = std::string(domain::to_string(*q.state));
  event.detail = detail.dump();
  if (auto failed = commit_audited(*ctx.audit, request, **tx, event)) return *failed;
  nlohmann::json items = nlohmann::json::array();
  for (const auto& claim : page) items.push_back(claim);
  return json_response(200, nlohmann::json{{"items", std::move(items)}, {"next_cursor", next}});
}

// POST /v1/claims/poll: the operator's billing.poll, now, for the caller's
// facility.
Response poll(ApiContext& ctx, Request& request, const access::Principal& principal) {
  if (!ctx.poll_claims) {
    return error_response(
        request, sdk::Error(sdk::ErrorCode::kUnavailable, "claim polling is not available", true));
  }
  auto polled = ctx.poll_claims(principal.facility_id, principal.actor());
  if (!polled.ok()) {
    const sdk::Error& e = polled.error();
    if (e.code == sdk::ErrorCode::kNotFound) {
      return problem_response(request, 409, MessageId::kNoBillingBinding);
    }
    // The instance's own failure (its message names it, e.g. an expired
    // client certificate): the exchange was not reached or refused.
    if (e.retryable) {
      http::Response r =
          problem_response(request, 503, MessageId::kBillingUnavailable, {e.message});
      auto after = e.retry_after.value_or(std::chrono::milliseconds(5000));
      r.set_header("Retry-After",
                   std::to_string(std::max<std::int64_t>(1, (after.count() + 999) / 1000)));
      return r;
    }
    return problem_response(request, 502, MessageId::kBillingRefused, {e.message});
  }
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  audit::AuditEvent event = request_event(request, principal, "claim.poll", "claim", "");
  event.detail = polled->dump();
  if (auto failed = commit_audited(*ctx.audit, request, **tx, event)) return *failed;
  return json_response(200, *polled);
}

// Whether the run stopped, failed, at a step that submits a claim.
bool failed_at_submission(ApiContext& ctx, const workflow::RunTimeline& run) {
  if (run.status != "failed" || run.failed_step.empty()) return false;
  auto definition = ctx.definitions->get(run.workflow, run.version);
  if (!definition.ok()) return false;
  const workflow::Step* step = (*definition)->find_step(run.failed_step);
  return step != nullptr && step->kind == workflow::StepKind::kCall &&
         step->call == sdk::BillingGateway::kSubmitClaim;
}

// POST /v1/claims/{id}/retry: the Idempotency-Key, the run's resumption at
// its submission and the audit event commit in one transaction, before the
// engine resubmits; a replay or a concurrent request with the same key
// waits for that transaction and gets its answer, never a second
// submission.
Response retry(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string id = request.path_params.at("id");
  std::optional<std::string> key;
  if (auto problem = read_idempotency_key(request, /*required=*/false, key)) return *problem;
  const std::string fingerprint = request_fingerprint(request, nlohmann::json::object());
  claims::ClaimStore claims(*ctx.cipher, *ctx.audit);
  records::IdempotencyStore idempotency(*ctx.cipher);
  const std::int64_t now = ctx.now_ms();

  // First look: a replay is answered before the claim's state is judged.
  domain::Claim claim;
  std::optional<std::string> run_id;
  {
    auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
    if (!tx.ok()) return error_response(request, tx.error());
    if (key) {
      auto begun = idempotency.begin(**tx, principal.facility_id, *key, fingerprint, now);
      if (!begun.ok()) return error_response(request, begun.error());
      if (auto answer = idempotency_answer(request, *begun, kClaims)) return *answer;
    }
    auto found = claims.get(**tx, principal.facility_id, id);
    if (!found.ok()) return error_response(request, found.error(), MessageId::kClaimNotFound);
    claim = std::move(found).value();
    if (claim.run_id) {
      run_id = claim.run_id;  // the run that built and submitted this claim
    } else {
      auto run = ctx.engine->consultation_run(**tx, principal.facility_id, claim.consultation_id);
      if (!run.ok()) return error_response(request, run.error());
      run_id = std::move(run).value();
    }
    (*tx)->rollback();  // the key is claimed for real in the transaction below
  }
  const std::string state(domain::to_string(claim.state));
  if (claim.state != domain::ClaimState::kError && claim.state != domain::ClaimState::kDraft) {
    return problem_response(request, 409, MessageId::kClaimNotRetryable, {state});
  }
  if (!run_id) return problem_response(request, 409, MessageId::kNoRun);
  auto timeline = ctx.engine->timeline(*run_id);
  if (!timeline.ok()) return error_response(request, timeline.error(), MessageId::kNoRun);
  if (!failed_at_submission(ctx, *timeline)) {
    if (claim.state == domain::ClaimState::kDraft) {
      return problem_response(request, 409, MessageId::kClaimNotRetryable, {state});
    }
    const std::string& at =
        timeline->failed_step.empty() ? timeline->current_step : timeline->failed_step;
    return problem_response(request, 409, MessageId::kClaimRunNotAtSubmission,
                            {timeline->status, at});
  }

  nlohmann::json answer = claim;
  answer["run_id"] = *run_id;
  Response response = json_response(202, answer);
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  if (key) {
    auto begun = idempotency.begin(**tx, principal.facility_id, *key, fingerprint, now);
    if (!begun.ok()) return error_response(request, begun.error());
    if (auto replayed = idempotency_answer(request, *begun, kClaims)) return *replayed;
  }
  auto retried = ctx.engine->retry(**tx, *run_id);
  if (!retried.ok()) {
    (*tx)->rollback();
    if (retried.error().code == sdk::ErrorCode::kFailedPrecondition) {
      return problem_response(request, 409, MessageId::kRunNotRetryable, {"not failed"});
    }
    return error_response(request, retried.error(), MessageId::kNoRun);
  }
  if (key) {
    if (auto done = idempotency.complete(**tx, principal.facility_id, *key, {202, response.body});
        !done.ok()) {
      return error_response(request, done.error());
    }
  }
  audit::AuditEvent event = request_event(request, principal, "claim.retry", "claim", id);
  event.detail = nlohmann::json{{"run_id", *run_id}, {"state", state}}.dump();
  if (auto failed = commit_audited(*ctx.audit, request, **tx, event)) return *failed;
  ctx.engine->work_available();
  return response;
}

}  // namespace

void add_claim_routes(http::Router& router, ApiContext& context) {
  add_authorized_route(
      router, context, "GET", "/v1/consultations/{id}/claims",
      [&context](Request& r, const access::Principal& p) { return list(context, r, p); },
      route_options("List a consultation's insurance claims, oldest first."));
  add_authorized_route(
      router, context, "GET", "/v1/claims",
      [&context](Request& r, const access::Principal& p) { return list_all(context, r, p); },
      route_options("List the facility's insurance claims, oldest first, by state and since a "
                    "time."));
  add_authorized_route(
      router, context, "POST", "/v1/claims/poll",
      [&context](Request& r, const access::Principal& p) { return poll(context, r, p); },
      route_options("Fetch the exchange's queued claim answers now (billing.poll)."));
  add_authorized_route(
      router, context, "GET", "/v1/claims/{id}",
      [&context](Request& r, const access::Principal& p) { return read(context, r, p); },
      route_options("Read an insurance claim."));
  add_authorized_route(
      router, context, "POST", "/v1/claims/{id}/retry",
      [&context](Request& r, const access::Principal& p) { return retry(context, r, p); },
      route_options("Resubmit a claim whose submission failed."));
}

}  // namespace wasl::api
