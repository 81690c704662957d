#include "hub/api/feedback.hpp"

#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "hub/access/route_access.hpp"
#include "hub/api/api_problem.hpp"
#include "hub/api/authorization.hpp"
#include "hub/api/field_validator.hpp"
#include "hub/api/json_body.hpp"
#include "hub/api/json_response.hpp"
#include "hub/api/request_audit.hpp"
#include "hub/api/resource_id.hpp"
#include "hub/domain/timestamp.hpp"
#include "hub/feedback/feedback_ehr_write.hpp"
#include "hub/feedback/feedback_store.hpp"
#include "hub/feedback/questionnaire.hpp"
#include "hub/notifications/feedback_links.hpp"
#include "hub/records/consultation_store.hpp"

namespace wasl::api {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

// Whether a link answers: unused, unexpired, its consultation neither
// cancelled nor failed (nor gone).
bool link_works(const notifications::FeedbackLinkRow& link,
                const std::optional<records::ConsultationFacts>& facts, std::int64_t now_ms) {
  if (link.used_at || link.expires_at <= now_ms || !facts) return false;
  const auto status = domain::parse_consultation_status(facts->status);
  return status && *status != domain::ConsultationStatus::kCancelled &&
         *status != domain::ConsultationStatus::kFailed;
}

// The audit event of a request made with a link's code (no key: the actor
// is anonymous, the facility the link's).
audit::AuditEvent link_event(const Request& request, const notifications::FeedbackLinkRow& link,
                             std::string_view action, bool success) {
  audit::AuditEvent event;
  event.actor = "anonymous";
  event.facility_id = link.facility_id;
  event.action = std::string(action);
  event.entity_type = "consultation";
  event.entity_id = link.consultation_id;
  event.outcome = std::string(success ? audit::kOutcomeSuccess : audit::kOutcomeFailure);
  event.request_id = request.request_id;
  event.source_address = client_host(request.remote_address);
  return event;
}

std::string facility_name(const ApiContext& ctx, const std::string& facility_id) {
  if (ctx.config != nullptr) {
    auto f = ctx.config->facilities.find(facility_id);
    if (f != ctx.config->facilities.end() && !f->second.name.empty()) return f->second.name;
  }
  return facility_id;
}

Response no_store(Response response) {
  response.set_header("Cache-Control", "no-store");
  return response;
}

// GET /feedback/{code}
Response questionnaire(ApiContext& ctx, Request& request) {
  const std::string& code = request.path_params.at("code");
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  auto link = notifications::FeedbackLinks::resolve(**tx, code);
  if (!link.ok()) return error_response(request, link.error());
  if (!*link) return no_store(problem_response(request, 404, MessageId::kFeedbackLinkNotFound));
  auto facts =
      records::ConsultationStore::facts(**tx, (*link)->facility_id, (*link)->consultation_id);
  if (!facts.ok()) return error_response(request, facts.error());
  const bool works = link_works(**link, *facts, ctx.now_ms());
  audit::AuditEvent event = link_event(request, **link, "feedback_link.resolve", works);
  event.detail = json{{"notification_id", (*link)->notification_id}, {"works", works}}.dump();
  if (auto failed = commit_audited(*ctx.audit, request, **tx, event)) return *failed;
  if (!works) return no_store(problem_response(request, 410, MessageId::kFeedbackLinkGone));
  return no_store(json_response(
      200,
      json{{"consultation_id", (*link)->consultation_id},
           {"facility",
            {{"id", (*link)->facility_id}, {"name", facility_name(ctx, (*link)->facility_id)}}},
           {"expires_at", domain::format_timestamp((*link)->expires_at)},
           {"questionnaire", feedback::questionnaire()}}));
}

// POST /feedback/{code}
Response answer(ApiContext& ctx, Request& request) {
  const std::string& code = request.path_params.at("code");
  json body;
  if (auto problem = read_json_object(request, body)) return *problem;
  feedback::CheckedResponse checked = feedback::check_response(body);
  // An unknown code answers 404 before the body is judged, so a code is
  // not confirmed by a 422.
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  auto link = notifications::FeedbackLinks::resolve(**tx, code);
  if (!link.ok()) return error_response(request, link.error());
  if (!*link) return no_store(problem_response(request, 404, MessageId::kFeedbackLinkNotFound));
  const std::int64_t now = ctx.now_ms();
  auto facts =
      records::ConsultationStore::facts(**tx, (*link)->facility_id, (*link)->consultation_id);
  if (!facts.ok()) return error_response(request, facts.error());
  if (!link_works(**link, *facts, now)) {
    return no_store(problem_response(request, 410, MessageId::kFeedbackLinkGone));
  }
  if (!checked.answer) {
    std::vector<http::FieldError> errors;
    errors.reserve(checked.problems.size());
    for (feedback::ResponseProblem& p : checked.problems) {
      errors.push_back({std::move(p.field), std::move(p.code), std::move(p.message)});
    }
    return validation_problem(request, 422, std::move(errors));
  }
  auto used = notifications::FeedbackLinks::use(**tx, code, now);
  if (!used.ok()) return error_response(request, used.error());
  if (!*used) return no_store(problem_response(request, 410, MessageId::kFeedbackLinkGone));

  records::ConsultationStore consultations(*ctx.cipher);
  auto consultation = consultations.get(**tx, (*link)->facility_id, (*link)->consultation_id);
  if (!consultation.ok()) return error_response(request, consultation.error());
  auto id = new_resource_id();
  if (!id.ok()) return error_response(request, id.error());
  feedback::FeedbackRecord record;
  record.id = *id;
  record.facility_id = (*link)->facility_id;
  record.consultation_id = (*link)->consultation_id;
  record.practitioner_ref = consultation->practitioner.reference;
  record.answer = *checked.answer;
  record.answered_at = now;
  record.resource = feedback::response_resource(record.answer, domain::format_timestamp(now));
  record.resource["id"] = record.id;
  record.resource["identifier"] = {{"system", "urn:wasl:feedback-id"}, {"value", record.id}};
  feedback::FeedbackStore store(*ctx.cipher);
  auto inserted = store.insert(**tx, record);
  if (!inserted.ok()) return error_response(request, inserted.error());
  if (!*inserted) return no_store(problem_response(request, 410, MessageId::kFeedbackLinkGone));
  if (auto requested =
          feedback::request_ehr_write(**tx, record.facility_id, record.consultation_id, now);
      !requested.ok()) {
    return error_response(request, requested.error());
  }
  audit::AuditEvent event = link_event(request, **link, "feedback.answer", true);
  event.entity_type = "feedback";
  event.entity_id = record.id;
  event.detail = json{{"consultation_id", record.consultation_id},
                      {"notification_id", (*link)->notification_id},
                      {"comment", record.answer.comment.has_value()}}
                     .dump();
  if (auto failed = commit_audited(*ctx.audit, request, **tx, event)) return *failed;
  return no_store(json_response(201, json{{"id", record.id},
                                          {"consultation_id", record.consultation_id},
                                          {"answered_at", domain::format_timestamp(now)}}));
}

json feedback_json(const feedback::FeedbackRecord& r, bool with_text) {
  json j = {{"id", r.id},
            {"consultation_id", r.consultation_id},
            {"practitioner", r.practitioner_ref ? json(*r.practitioner_ref) : json()},
            {"clinician_rating", r.answer.clinician_rating},
            {"connection_rating", r.answer.connection_rating},
            {"has_comment", r.answer.comment.has_value()},
            {"answered_at", domain::format_timestamp(r.answered_at)},
            {"ehr",
             {{"state", r.ehr_state},
              {"document_id", r.ehr_document_id ? json(*r.ehr_document_id) : json()},
              {"error", r.ehr_error ? json(*r.ehr_error) : json()}}}};
  if (with_text) {
    j["comment"] = r.answer.comment ? json(*r.answer.comment) : json();
    j["questionnaire_response"] = r.resource;
  }
  return j;
}

// GET /v1/consultations/{id}/feedback
Response read_feedback(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string& cid = request.path_params.at("id");
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  auto exists = records::ConsultationStore::exists(**tx, principal.facility_id, cid);
  if (!exists.ok()) return error_response(request, exists.error());
  if (!*exists) return problem_response(request, 404, MessageId::kConsultationNotFound);
  feedback::FeedbackStore store(*ctx.cipher);
  auto found = store.get(**tx, principal.facility_id, cid);
  if (!found.ok()) return error_response(request, found.error(), MessageId::kFeedbackNotFound);
  const bool text = access::reads_phi(principal.role);
  audit::AuditEvent event =
      request_event(request, principal, "feedback.read", "feedback", found->id);
  event.detail = json{{"consultation_id", cid}, {"content", text}}.dump();
  if (auto failed = commit_audited(*ctx.audit, request, **tx, event)) return *failed;
  return json_response(200, feedback_json(*found, text));
}

json summary_json(const feedback::RatingSummary& s) {
  auto mean = [&s](std::int64_t sum) {
    const std::optional<double> m = feedback::mean_rating(sum, s.responses);
    return m ? json(*m) : json();
  };
  return {{"responses", s.responses},
          {"clinician_rating_mean", mean(s.clinician_rating_sum)},
          {"connection_rating_mean", mean(s.connection_rating_sum)},
          {"comments", s.comments}};
}

// GET /v1/feedback/summary?from=&to=
Response summary(ApiContext& ctx, Request& request, const access::Principal& principal) {
  FieldValidator v;
  std::optional<std::int64_t> from_ms;
  std::optional<std::int64_t> to_ms;
  for (const auto& [name, value] : request.query) {
    if (name == "from" || name == "to") {
      auto t = value.size() <= 64 ? domain::parse_timestamp(value) : std::nullopt;
      if (!t) {
        v.add(name, "invalid_format", "must be an RFC 3339 date-time");
      } else {
        (name == "from" ? from_ms : to_ms) = *t;
      }
    } else {
      v.add(name.substr(0, 64), "unknown_field", "is not a parameter of this resource");
    }
  }
  for (const char* name : {"from", "to"}) {
    if (!request.query.contains(name)) v.add(name, "required", "is required");
  }
  if (from_ms && to_ms && *to_ms <= *from_ms) v.add("to", "out_of_range", "must be after from");
  if (!v.ok()) return validation_problem(request, 400, v.take());
  auto tx = ctx.store->begin(storage::TxMode::kReadOnly);
  if (!tx.ok()) return error_response(request, tx.error());
  auto s = feedback::FeedbackStore::summary(**tx, principal.facility_id, *from_ms, *to_ms);
  if (!s.ok()) return error_response(request, s.error());
  json practitioners = json::array();
  for (const feedback::RatingSummary& p : s->practitioners) {
    json row = summary_json(p);
    row["practitioner"] = p.practitioner_ref ? json(*p.practitioner_ref) : json();
    practitioners.push_back(std::move(row));
  }
  json facility = summary_json(s->facility);
  facility["id"] = principal.facility_id;
  return json_response(200, json{{"from", domain::format_timestamp(*from_ms)},
                                 {"to", domain::format_timestamp(*to_ms)},
                                 {"facility", std::move(facility)},
                                 {"practitioners", std::move(practitioners)}});
}

}  // namespace

void add_feedback_routes(http::Router& router, ApiContext& context) {
  add_authorized_route(
      router, context, "GET", "/feedback/{code}",
      [&context](Request& r, const access::Principal&) { return questionnaire(context, r); },
      route_options("The feedback questionnaire (FHIR Questionnaire) while the one-use link "
                    "works (no key: the code is the secret)."));
  add_authorized_route(
      router, context, "POST", "/feedback/{code}",
      [&context](Request& r, const access::Principal&) { return answer(context, r); },
      route_options("Answer the feedback questionnaire once (FHIR QuestionnaireResponse).",
                    {"application/json", "application/fhir+json"}));
  add_authorized_route(
      router, context, "GET", "/v1/consultations/{id}/feedback",
      [&context](Request& r, const access::Principal& p) { return read_feedback(context, r, p); },
      route_options("The patient's feedback on the consultation (free text for roles that read "
                    "PHI; audited)."));
  add_authorized_route(
      router, context, "GET", "/v1/feedback/summary",
      [&context](Request& r, const access::Principal& p) { return summary(context, r, p); },
      route_options("The facility's feedback ratings in a period, for the facility and per "
                    "practitioner."));
}

}  // namespace wasl::api
