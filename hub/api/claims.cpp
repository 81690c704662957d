#include "hub/api/claims.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "hub/api/api_problem.hpp"
#include "hub/api/authorization.hpp"
#include "hub/api/field_validator.hpp"
#include "hub/api/idempotent_request.hpp"
#include "hub/api/json_body.hpp"
#include "hub/api/json_response.hpp"
#include "hub/api/key_reservation.hpp"
#include "hub/api/list_params.hpp"
#include "hub/api/request_audit.hpp"
#include "hub/claims/claim_as_sent.hpp"
#include "hub/claims/claim_cancellation.hpp"
#include "hub/claims/claim_resubmission.hpp"
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
Response read_claim(ApiContext& ctx, Request& request, const access::Principal& principal) {
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
Response list_claims(ApiContext& ctx, Request& request, const access::Principal& principal) {
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
              "error, cancelled, paid, partially_paid, nullified, batched");
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
  auto polled = ctx.poll_claims(principal.facility_id, request_actor(principal));
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

// A 503 for an answer the exchange did not give, with Retry-After.
Response billing_unavailable(const Request& request, const sdk::Error& e) {
  Response r = problem_response(request, 503, MessageId::kBillingUnavailable, {e.message});
  auto after = e.retry_after.value_or(std::chrono::milliseconds(5000));
  r.set_header("Retry-After",
               std::to_string(std::max<std::int64_t>(1, (after.count() + 999) / 1000)));
  return r;
}

// The problem for a failed call of the exchange made for claim requests
// (cancel, nullify, resubmit), after the claim was found and judged.
Response billing_failure(const Request& request, const sdk::Error& e) {
  if (e.retryable) return billing_unavailable(request, e);
  switch (e.code) {
    case sdk::ErrorCode::kNotFound:
      return problem_response(request, 409, MessageId::kNoBillingBinding);
    case sdk::ErrorCode::kInvalidArgument:
      return problem_response(request, 422, MessageId::kClaimExchangeRefused, {e.message});
    case sdk::ErrorCode::kFailedPrecondition:
    case sdk::ErrorCode::kAlreadyExists:
    case sdk::ErrorCode::kConflict:
    case sdk::ErrorCode::kInternal: return error_response(request, e);
    default: return problem_response(request, 502, MessageId::kBillingRefused, {e.message});
  }
}

// The claim of the caller's facility, read without audit to judge a request;
// its documents stay on the server.
std::variant<domain::Claim, Response> claim_to_judge(ApiContext& ctx, const Request& request,
                                                     storage::Transaction& tx,
                                                     const access::Principal& principal,
                                                     const std::string& id) {
  claims::ClaimStore claims(*ctx.cipher, *ctx.audit);
  auto claim = claims.get(tx, principal.facility_id, id);
  if (!claim.ok()) return error_response(request, claim.error(), MessageId::kClaimNotFound);
  return std::move(claim).value();
}

// Stores the final answer under the request's Idempotency-Key, which stays
// reserved for it; `answer` is returned either way.
Response keep_answer(ApiContext& ctx, const access::Principal& principal,
                     const std::optional<std::string>& key, KeyReservation& reservation,
                     Response answer) {
  if (!key) return answer;
  records::IdempotencyStore idempotency(*ctx.cipher);
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return answer;
  if (idempotency.complete(**tx, principal.facility_id, *key, {answer.status, answer.body}).ok() &&
      (*tx)->commit().ok()) {
    reservation.keep();
  }
  return answer;
}

// Reserves the request's Idempotency-Key in `tx` (kept by commit); the
// answer to give instead when it is a replay, or in use or malformed.
std::optional<Response> reserve_key(ApiContext& ctx, const Request& request,
                                    storage::Transaction& tx, const access::Principal& principal,
                                    const std::optional<std::string>& key,
                                    const std::string& fingerprint) {
  if (!key) return std::nullopt;
  records::IdempotencyStore idempotency(*ctx.cipher);
  auto begun = idempotency.begin(tx, principal.facility_id, *key, fingerprint, ctx.now_ms());
  if (!begun.ok()) return error_response(request, begun.error());
  return idempotency_answer(request, *begun, kClaims);
}

// POST /v1/claims/{id}/cancel and /v1/claims/{id}/nullify, body
// {"reason": "WI" | "NP" | "TAS" | "SU"}. The claim's state is judged first
// (409 naming it); then claims::cancel_claim records the cancellation on the
// claim, audited, before it goes out. The exchange took it: 200 with the
// claim (cancelled, nullified). It refused: 409 naming its codes, the claim
// unchanged. Its answer lost: 503, and the same request later sends the
// same message. An Idempotency-Key replays the first final answer.
Response cancel(ApiContext& ctx, Request& request, const access::Principal& principal,
                claims::CancelKind kind) {
  if (!ctx.cancel_claim) {
    return error_response(request, sdk::Error(sdk::ErrorCode::kUnavailable,
                                              "claim cancellation is not available", true));
  }
  const std::string id = request.path_params.at("id");
  const std::string what(claims::to_string(kind));
  std::optional<std::string> key;
  if (auto problem = read_idempotency_key(request, /*required=*/false, key)) return *problem;
  nlohmann::json body = nlohmann::json::object();
  std::optional<Response> body_problem;
  if (!request.body.empty()) body_problem = read_json_object(request, body);

  KeyReservation reservation(ctx, principal.facility_id, key);
  std::string reason;
  {
    auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
    if (!tx.ok()) return error_response(request, tx.error());
    // Another facility's claim is not found before the body is judged.
    auto judged = claim_to_judge(ctx, request, **tx, principal, id);
    if (auto* problem = std::get_if<Response>(&judged)) return *problem;
    const domain::Claim& claim = std::get<domain::Claim>(judged);
    if (body_problem) return *body_problem;
    FieldValidator v;
    v.reject_unknown(body, {"reason"}, "");
    auto given = v.text(body, "reason", "", 8, true);
    if (given && !claims::is_cancel_reason(*given)) {
      v.add("reason", "unknown_value", "must be one of: WI, NP, TAS, SU");
    }
    if (!v.ok() || !given) return validation_problem(request, 400, v.take());
    reason = *given;
    if (auto answer =
            reserve_key(ctx, request, **tx, principal, key, request_fingerprint(request, body))) {
      return *answer;
    }
    const std::string state(domain::to_string(claim.state));
    const bool pending = claim.cancellation && claim.cancellation->state == "sending";
    if (pending && claim.cancellation->kind != what) {
      return problem_response(request, 409, MessageId::kClaimCancellationPending,
                              {claim.cancellation->kind});
    }
    if (!pending && kind == claims::CancelKind::kCancel && !domain::is_cancellable(claim.state)) {
      return problem_response(request, 409, MessageId::kClaimNotCancellable, {state});
    }
    if (!pending && kind == claims::CancelKind::kNullify && !domain::is_nullifiable(claim.state)) {
      return problem_response(request, 409, MessageId::kClaimNotNullifiable, {state});
    }
    if (!claims::claim_as_sent(claim).ok()) {
      return problem_response(request, 409, MessageId::kClaimNotSent);
    }
    if (auto committed = (*tx)->commit(); !committed.ok()) {
      return error_response(request, committed.error());
    }
  }
  auto done = ctx.cancel_claim(principal.facility_id, id, kind, reason, request_actor(principal));
  if (!done.ok()) {
    if (done.error().retryable) return billing_unavailable(request, done.error());
    Response failed = billing_failure(request, done.error());
    if (failed.status == 422 || failed.status == 502) {
      return keep_answer(ctx, principal, key, reservation, std::move(failed));
    }
    return failed;
  }
  if (!done->taken) {
    std::string codes;
    for (const std::string& c : done->errors) codes += (codes.empty() ? "" : ", ") + c;
    if (!done->disposition.empty()) codes += (codes.empty() ? "" : ": ") + done->disposition;
    Response refused =
        problem_response(request, 409, MessageId::kClaimCancellationRefused, {what, codes});
    return keep_answer(ctx, principal, key, reservation, std::move(refused));
  }
  return keep_answer(ctx, principal, key, reservation,
                     json_response(200, nlohmann::json(done->claim)));
}

constexpr std::size_t kMaxResubmittedItems = 50;
constexpr std::size_t kMaxDiagnosisCodes = 12;

// The corrections of a resubmission's body; nullopt with the problems in `v`.
std::optional<claims::ResubmissionInput> resubmission_input(const nlohmann::json& body,
                                                            FieldValidator& v) {
  claims::ResubmissionInput input;
  v.reject_unknown(body, {"items", "diagnosis_codes"}, "");
  if (const nlohmann::json* items = v.array(body, "items", "", kMaxResubmittedItems, false)) {
    for (std::size_t i = 0; i < items->size(); ++i) {
      const std::string at = "items[" + std::to_string(i) + "]";
      const nlohmann::json& entry = (*items)[i];
      if (!entry.is_object()) {
        v.add(at, "wrong_type", "must be an object (service_code, quantity, unit_price, tax)");
        continue;
      }
      v.reject_unknown(entry, {"service_code", "code_system", "quantity", "unit_price", "tax"}, at);
      sdk::ClaimItem item;
      if (auto code = v.text(entry, "service_code", at, 64, true)) item.service_code = *code;
      if (auto system = v.text(entry, "code_system", at, 256, false)) item.code_system = *system;
      auto number = [&](const char* name, double& out, bool positive) {
        auto m = entry.find(name);
        if (m == entry.end()) return;
        if (!m->is_number()) {
          v.add(at + "." + name, "wrong_type", "must be a number");
          return;
        }
        out = m->get<double>();
        if (positive ? !(out > 0) : !(out >= 0)) {
          v.add(at + "." + name, "out_of_range",
                positive ? "must be more than 0" : "must be at least 0");
        }
      };
      number("quantity", item.quantity, true);
      number("unit_price", item.unit_price, false);
      number("tax", item.tax, false);
      input.items.push_back(std::move(item));
    }
  }
  if (const nlohmann::json* codes =
          v.array(body, "diagnosis_codes", "", kMaxDiagnosisCodes, false)) {
    for (std::size_t i = 0; i < codes->size(); ++i) {
      const nlohmann::json& code = (*codes)[i];
      if (!code.is_string() || code.get<std::string>().empty() ||
          code.get<std::string>().size() > 16) {
        v.add("diagnosis_codes[" + std::to_string(i) + "]", "invalid_format",
              "must be an ICD-10-AM code of 1 to 16 characters");
        continue;
      }
      input.diagnosis_codes.push_back(code.get<std::string>());
    }
  }
  if (!v.ok()) return std::nullopt;
  return input;
}

// POST /v1/claims/{id}/resubmit, body {} or {"items": [...]} /
// {"diagnosis_codes": [...]}: a rejected claim is resubmitted as a claim of
// its own (claims::resubmit_claim), stored in doubt and audited before it
// is sent; 202 with the new claim, in the state its answer left it
// (in_doubt when the answer is not known yet: the billing round settles it).
Response resubmit(ApiContext& ctx, Request& request, const access::Principal& principal) {
  if (!ctx.resubmit_claim) {
    return error_response(request, sdk::Error(sdk::ErrorCode::kUnavailable,
                                              "claim resubmission is not available", true));
  }
  const std::string id = request.path_params.at("id");
  std::optional<std::string> key;
  if (auto problem = read_idempotency_key(request, /*required=*/false, key)) return *problem;
  nlohmann::json body = nlohmann::json::object();
  std::optional<Response> body_problem;
  if (!request.body.empty()) body_problem = read_json_object(request, body);

  KeyReservation reservation(ctx, principal.facility_id, key);
  claims::ResubmissionInput input;
  {
    auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
    if (!tx.ok()) return error_response(request, tx.error());
    auto judged = claim_to_judge(ctx, request, **tx, principal, id);
    if (auto* problem = std::get_if<Response>(&judged)) return *problem;
    const domain::Claim& claim = std::get<domain::Claim>(judged);
    if (body_problem) return *body_problem;
    FieldValidator v;
    auto parsed = resubmission_input(body, v);
    if (!parsed) return validation_problem(request, 422, v.take());
    input = std::move(*parsed);
    if (auto answer =
            reserve_key(ctx, request, **tx, principal, key, request_fingerprint(request, body))) {
      return *answer;
    }
    if (claim.state != domain::ClaimState::kRejected) {
      return problem_response(request, 409, MessageId::kClaimNotResubmittable,
                              {std::string(domain::to_string(claim.state))});
    }
    if (claim.replaced_by) {
      claims::ClaimStore claims(*ctx.cipher, *ctx.audit);
      auto replacement = claims.get(**tx, principal.facility_id, *claim.replaced_by);
      if (!replacement.ok() || replacement->state != domain::ClaimState::kError) {
        return problem_response(request, 409, MessageId::kClaimResubmittedAlready,
                                {*claim.replaced_by});
      }
    }
    if (!claims::claim_as_sent(claim).ok()) {
      return problem_response(request, 409, MessageId::kClaimNotSent);
    }
    if (auto committed = (*tx)->commit(); !committed.ok()) {
      return error_response(request, committed.error());
    }
  }
  auto made = ctx.resubmit_claim(principal.facility_id, id, input, request_actor(principal));
  if (!made.ok()) return billing_failure(request, made.error());
  Response answer = json_response(202, nlohmann::json(*made));
  answer.set_header("Location", std::string(kClaims) + made->id);
  return keep_answer(ctx, principal, key, reservation, std::move(answer));
}

}  // namespace

void add_claim_routes(http::Router& router, ApiContext& context) {
  add_authorized_route(
      router, context, "GET", "/v1/consultations/{id}/claims",
      [&context](Request& r, const access::Principal& p) { return list_claims(context, r, p); },
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
      [&context](Request& r, const access::Principal& p) { return read_claim(context, r, p); },
      route_options("Read an insurance claim."));
  add_authorized_route(
      router, context, "POST", "/v1/claims/{id}/retry",
      [&context](Request& r, const access::Principal& p) { return retry(context, r, p); },
      route_options("Resubmit a claim whose submission failed."));
  add_authorized_route(
      router, context, "POST", "/v1/claims/{id}/cancel",
      [&context](Request& r, const access::Principal& p) {
        return cancel(context, r, p, claims::CancelKind::kCancel);
      },
      route_options("Cancel a claim the payer has not adjudicated yet (NPHIES cancel).",
                    {"application/json"}));
  add_authorized_route(
      router, context, "POST", "/v1/claims/{id}/nullify",
      [&context](Request& r, const access::Principal& p) {
        return cancel(context, r, p, claims::CancelKind::kNullify);
      },
      route_options("Nullify an adjudicated claim not yet paid (NPHIES nullify).",
                    {"application/json"}));
  add_authorized_route(
      router, context, "POST", "/v1/claims/{id}/resubmit",
      [&context](Request& r, const access::Principal& p) { return resubmit(context, r, p); },
      route_options("Resubmit a rejected claim as a new claim related to it as prior.",
                    {"application/json"}));
}

}  // namespace wasl::api
