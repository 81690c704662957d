#include "hub/api/notifications.hpp"

#include <string>

#include <nlohmann/json.hpp>

#include "hub/api/api_problem.hpp"
#include "hub/api/authorization.hpp"
#include "hub/api/field_validator.hpp"
#include "hub/api/json_response.hpp"
#include "hub/api/request_audit.hpp"
#include "hub/domain/timestamp.hpp"
#include "hub/notifications/join_links.hpp"
#include "hub/notifications/opt_out_store.hpp"
#include "hub/notifications/outbox_store.hpp"
#include "hub/records/consultation_store.hpp"
#include "hub/storage/row_id.hpp"

namespace wasl::api {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

json time_or_null(const std::optional<std::int64_t>& ms) {
  return ms ? json(domain::format_timestamp(*ms)) : json(nullptr);
}

json notification_json(const notifications::OutboxRow& r) {
  return {{"id", r.id},
          {"kind", r.kind},
          {"channel", r.channel},
          {"state", r.state},
          {"reason", r.reason ? json(*r.reason) : json(nullptr)},
          {"error", r.last_error ? json(*r.last_error) : json(nullptr)},
          {"language", r.language ? json(*r.language) : json(nullptr)},
          {"attempts", r.attempts},
          {"due_at", domain::format_timestamp(r.due_at)},
          {"sent_at", time_or_null(r.sent_at)},
          {"settled_at", time_or_null(r.settled_at)},
          {"created_at", domain::format_timestamp(r.created_at)},
          {"updated_at", domain::format_timestamp(r.updated_at)}};
}

json opt_out_json(const notifications::OptOut& o) {
  return {
      {"id", o.id}, {"opted_out", true}, {"created_at", domain::format_timestamp(o.created_at)}};
}

// GET /v1/consultations/{id}/notifications
Response list(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string& id = request.path_params.at("id");
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  auto exists = records::ConsultationStore::exists(**tx, principal.facility_id, id);
  if (!exists.ok()) return error_response(request, exists.error());
  if (!*exists) return problem_response(request, 404, MessageId::kConsultationNotFound);
  auto rows = notifications::OutboxStore::of_consultation(**tx, principal.facility_id, id);
  if (!rows.ok()) return error_response(request, rows.error());
  audit::AuditEvent event =
      request_event(request, principal, "notification.list", "consultation", id);
  event.detail = json{{"count", rows->size()}}.dump();
  if (auto failed = commit_audited(*ctx.audit, request, **tx, event)) return *failed;
  json items = json::array();
  for (const auto& r : *rows) items.push_back(notification_json(r));
  return json_response(200, json{{"items", std::move(items)}});
}

// The {patient} of an opt-out route: 1 to 64 characters.
std::optional<Response> check_patient(const Request& request, const std::string& patient) {
  if (!patient.empty() && patient.size() <= 64) return std::nullopt;
  FieldValidator v;
  v.add("patient", "out_of_range", "must be a patient identifier of 1 to 64 characters");
  return validation_problem(request, 400, v.take());
}

// PUT /v1/notification-opt-outs/{patient}
Response put_opt_out(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string& patient = request.path_params.at("patient");
  if (auto bad = check_patient(request, patient)) return *bad;
  auto id = storage::new_row_id();
  if (!id.ok()) return error_response(request, id.error());
  notifications::OptOutStore opt_outs(*ctx.cipher);
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  auto put = opt_outs.put(**tx, principal.facility_id, patient, *id, ctx.now_ms());
  if (!put.ok()) return error_response(request, put.error());
  const auto& [opt_out, created] = *put;
  audit::AuditEvent event = request_event(request, principal, "notification_opt_out.put",
                                          "notification_opt_out", opt_out.id);
  event.detail = json{{"created", created}}.dump();
  if (auto failed = commit_audited(*ctx.audit, request, **tx, event)) return *failed;
  return json_response(created ? 201 : 200, opt_out_json(opt_out));
}

// GET /v1/notification-opt-outs/{patient}
Response read_opt_out(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string& patient = request.path_params.at("patient");
  if (auto bad = check_patient(request, patient)) return *bad;
  notifications::OptOutStore opt_outs(*ctx.cipher);
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  auto found = opt_outs.find(**tx, principal.facility_id, patient);
  if (!found.ok()) return error_response(request, found.error());
  if (!*found) return problem_response(request, 404, MessageId::kNotificationOptOutNotFound);
  audit::AuditEvent event = request_event(request, principal, "notification_opt_out.read",
                                          "notification_opt_out", (*found)->id);
  if (auto failed = commit_audited(*ctx.audit, request, **tx, event)) return *failed;
  return json_response(200, opt_out_json(**found));
}

// DELETE /v1/notification-opt-outs/{patient}
Response delete_opt_out(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string& patient = request.path_params.at("patient");
  if (auto bad = check_patient(request, patient)) return *bad;
  notifications::OptOutStore opt_outs(*ctx.cipher);
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  auto removed = opt_outs.remove(**tx, principal.facility_id, patient);
  if (!removed.ok()) return error_response(request, removed.error());
  if (!*removed) return problem_response(request, 404, MessageId::kNotificationOptOutNotFound);
  audit::AuditEvent event = request_event(request, principal, "notification_opt_out.delete",
                                          "notification_opt_out", (*removed)->id);
  if (auto failed = commit_audited(*ctx.audit, request, **tx, event)) return *failed;
  json body = opt_out_json(**removed);
  body["opted_out"] = false;
  return json_response(200, body);
}

bool consultation_over(domain::ConsultationStatus s) {
  using S = domain::ConsultationStatus;
  return s == S::kEnded || s == S::kArchived || s == S::kBilled || s == S::kCompleted ||
         s == S::kCancelled || s == S::kFailed;
}

// What a working join link answers: nothing about the patient.
json join_json(const ApiContext& ctx, const notifications::JoinLinkRow& link,
               const records::ConsultationFacts& facts) {
  std::string name = link.facility_id;
  if (ctx.config != nullptr) {
    auto f = ctx.config->facilities.find(link.facility_id);
    if (f != ctx.config->facilities.end() && !f->second.name.empty()) name = f->second.name;
  }
  return {{"consultation_id", link.consultation_id},
          {"facility", {{"id", link.facility_id}, {"name", name}}},
          {"status", facts.status},
          {"scheduled_at", time_or_null(facts.scheduled_at)},
          {"room_open", facts.video_room_id.has_value()},
          {"expires_at", domain::format_timestamp(link.expires_at)}};
}

// GET /join/{code}
Response join(ApiContext& ctx, Request& request) {
  const std::string& code = request.path_params.at("code");
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  auto link = notifications::JoinLinks::resolve(**tx, code);
  if (!link.ok()) return error_response(request, link.error());
  if (!*link) return problem_response(request, 404, MessageId::kJoinLinkNotFound);
  auto facts =
      records::ConsultationStore::facts(**tx, (*link)->facility_id, (*link)->consultation_id);
  if (!facts.ok()) return error_response(request, facts.error());
  const std::int64_t now = ctx.now_ms();
  const auto status = *facts ? domain::parse_consultation_status((*facts)->status) : std::nullopt;
  const bool gone = !*facts || !status || consultation_over(*status) || (*link)->expires_at <= now;
  audit::AuditEvent event;
  event.actor = "anonymous";
  event.facility_id = (*link)->facility_id;
  event.action = "join_link.resolve";
  event.entity_type = "consultation";
  event.entity_id = (*link)->consultation_id;
  event.outcome = std::string(gone ? audit::kOutcomeFailure : audit::kOutcomeSuccess);
  event.request_id = request.request_id;
  event.source_address = client_host(request.remote_address);
  event.detail = json{{"notification_id", (*link)->notification_id}, {"expired", gone}}.dump();
  if (auto failed = commit_audited(*ctx.audit, request, **tx, event)) return *failed;
  Response response = gone ? problem_response(request, 410, MessageId::kJoinLinkExpired)
                           : json_response(200, join_json(ctx, **link, **facts));
  response.set_header("Cache-Control", "no-store");
  return response;
}

}  // namespace

void add_notification_routes(http::Router& router, ApiContext& context) {
  add_authorized_route(
      router, context, "GET", "/v1/consultations/{id}/notifications",
      [&context](Request& r, const access::Principal& p) { return list(context, r, p); },
      route_options("The consultation's messages to its patient: kind, channel, state and "
                    "times, never the recipient or the text."));
  add_authorized_route(
      router, context, "PUT", "/v1/notification-opt-outs/{patient}",
      [&context](Request& r, const access::Principal& p) { return put_opt_out(context, r, p); },
      route_options("The patient named by one of their identifiers is sent no more messages."));
  add_authorized_route(
      router, context, "GET", "/v1/notification-opt-outs/{patient}",
      [&context](Request& r, const access::Principal& p) { return read_opt_out(context, r, p); },
      route_options("Whether the patient opted out of the facility's messages."));
  add_authorized_route(
      router, context, "DELETE", "/v1/notification-opt-outs/{patient}",
      [&context](Request& r, const access::Principal& p) { return delete_opt_out(context, r, p); },
      route_options("The patient is sent messages again."));
  add_authorized_route(
      router, context, "GET", "/join/{code}",
      [&context](Request& r, const access::Principal&) { return join(context, r); },
      route_options("A join link's consultation, while the link works (no key: the code is the "
                    "secret)."));
}

}  // namespace wasl::api
