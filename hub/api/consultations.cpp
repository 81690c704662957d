#include "hub/api/consultations.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <utf8.h>
#include <nlohmann/json.hpp>

#include "hub/access/route_access.hpp"
#include "hub/api/api_problem.hpp"
#include "hub/api/authorization.hpp"
#include "hub/api/availability.hpp"
#include "hub/api/consultation_request.hpp"
#include "hub/api/consultation_view.hpp"
#include "hub/api/field_validator.hpp"
#include "hub/api/idempotent_request.hpp"
#include "hub/api/json_body.hpp"
#include "hub/api/json_response.hpp"
#include "hub/api/key_reservation.hpp"
#include "hub/api/request_audit.hpp"
#include "hub/api/resource_id.hpp"
#include "hub/api/workflow_choice.hpp"
#include "hub/attendance/attendance_store.hpp"
#include "hub/clinical/observation_store.hpp"
#include "hub/consultations/ehr_bookings.hpp"
#include "hub/crypto/digest.hpp"
#include "hub/domain/timestamp.hpp"
#include "hub/notifications/consultation_notices.hpp"
#include "hub/records/consultation_store.hpp"
#include "hub/records/idempotency_store.hpp"
#include "hub/records/stored_text.hpp"
#include "hub/workflow/run_repository.hpp"
#include "hub/workflow/run_timeline_mask.hpp"
#include "hub/workflow/run_timeline_query.hpp"

namespace wasl::api {
namespace {

using http::Request;
using http::Response;
using Tx = std::unique_ptr<storage::Transaction>;

constexpr const char* kCollection = "/v1/consultations/";

void count(ApiContext& ctx, const std::string& name, const std::string& help,
           const observability::Labels& labels) {
  if (ctx.metrics != nullptr) ctx.metrics->counter_add(name, help, labels, 1);
}

// 409: the appointment already has a live consultation in the facility.
Response appointment_taken(const Request& request, const std::string& appointment_id,
                           const std::string& consultation_id) {
  return problem_response(request, 409, MessageId::kAppointmentHasConsultation,
                          {appointment_id, consultation_id});
}

// POST /v1/consultations
Response create_consultation(ApiContext& ctx, Request& request,
                             const access::Principal& principal) {
  std::optional<std::string> key;
  if (auto problem = read_idempotency_key(request, /*required=*/true, key)) return *problem;
  nlohmann::json body;
  if (auto problem = read_json_object(request, body)) return *problem;

  const std::int64_t now = ctx.now_ms();
  FieldValidator validator;
  ConsultationRequest parsed =
      parse_consultation_request(body, now, ctx.options.past_tolerance.count(), validator);
  if (!validator.ok()) return validation_problem(request, 422, validator.take());

  auto chosen = choose_workflow(*ctx.definitions, ctx.config, principal.facility_id,
                                parsed.workflow, parsed.type, validator);
  if (!chosen.ok()) return error_response(request, chosen.error());
  if (!validator.ok()) return validation_problem(request, 422, validator.take());
  const auto& definition = **chosen;

  // A booking supplies the appointment, the time and (from the slot's
  // schedule) the practitioner.
  const bool booking = parsed.slot || parsed.service;
  nlohmann::json trigger = trigger_of(parsed);
  for (const std::string& member : trigger_members_read(definition)) {
    if (trigger.contains(member)) continue;
    if (booking &&
        (member == "appointment_id" || member == "scheduled_at" || member == "practitioner_id")) {
      continue;
    }
    std::string field = request_field_for_trigger(member);
    if (field.empty()) continue;  // not supplied by this API; the run reports it
    validator.add(field, "required", "is required by workflow '" + definition.name + "'");
  }
  if (!validator.ok()) return validation_problem(request, 422, validator.take());

  const std::string fingerprint = request_fingerprint(request, body);
  records::IdempotencyStore idempotency(*ctx.cipher);
  records::ConsultationStore consultations(*ctx.cipher);

  // A booking is an outside effect: the key is claimed and committed
  // before the EHR is asked (a second request under it gets 409, not a
  // second booking) and freed again unless the consultation commits.
  std::optional<KeyReservation> reservation;
  std::optional<sdk::BookedSlot> booked;
  if (booking) {
    auto claim_tx = ctx.store->begin(storage::TxMode::kReadWrite);
    if (!claim_tx.ok()) return error_response(request, claim_tx.error());
    auto claimed = idempotency.begin(**claim_tx, principal.facility_id, *key, fingerprint, now);
    if (!claimed.ok()) return error_response(request, claimed.error());
    if (auto answer = idempotency_answer(request, *claimed, kCollection)) {
      (*claim_tx)->rollback();
      return *answer;
    }
    if (auto committed = (*claim_tx)->commit(); !committed.ok()) {
      return error_response(request, committed.error());
    }
    reservation.emplace(ctx, principal.facility_id, key);
    BookingChoice choice;
    choice.slot = parsed.slot;
    choice.service = parsed.service;
    choice.from_ms = std::max(now, parsed.scheduled_at.value_or(now));
    choice.patient_id = parsed.patient_id.value_or("");
    choice.practitioner_id = parsed.practitioner_id.value_or("");
    // The same request again (its answer lost, the hub stopped) finds its
    // own Appointment in the EHR by this identifier instead of a second one.
    choice.idempotency_key = std::string(consultations::kHubBookingKeyPrefix) +
                             crypto::sha256_hex(principal.facility_id + "\n" + *key).substr(0, 40);
    auto outcome = book_slot(ctx, request, principal.facility_id, choice);
    if (auto* problem = std::get_if<Response>(&outcome)) return std::move(*problem);
    booked = std::get<sdk::BookedSlot>(std::move(outcome));
    parsed.appointment_id = booked->appointment_id;
    parsed.scheduled_at = booked->start_ms;
    if (!parsed.practitioner_id && !booked->practitioner_id.empty()) {
      parsed.practitioner_id = booked->practitioner_id;
    }
    trigger = trigger_of(parsed);
  }

  auto begun_tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!begun_tx.ok()) return error_response(request, begun_tx.error());
  Tx tx = std::move(begun_tx).value();

  if (!booking) {
    auto claimed = idempotency.begin(*tx, principal.facility_id, *key, fingerprint, now);
    if (!claimed.ok()) return error_response(request, claimed.error());
    if (auto answer = idempotency_answer(request, *claimed, kCollection)) {
      tx->rollback();
      return *answer;
    }
  }

  auto id = new_resource_id();
  if (!id.ok()) return error_response(request, id.error());
  domain::Consultation c;
  c.id = *id;
  c.facility_id = principal.facility_id;
  c.workflow_name = definition.name;
  c.status = domain::ConsultationStatus::kScheduled;
  apply_to(parsed, c);
  c.created_at = now;
  c.updated_at = now;

  // One live consultation per appointment in the facility (a cancelled one
  // leaves it free). The look-up answers the common case with the existing
  // consultation's id; a concurrent request that committed first is refused
  // by the unique index consultations_live_appointment, and the winner is
  // then read in a transaction of its own (the failed one is unusable on
  // PostgreSQL). Nothing is written either way, and the key stays free
  // (rolled back here; a booking's reservation frees its own).
  if (c.appointment_ref) {
    auto live =
        records::ConsultationStore::live_by_appointment(*tx, c.facility_id, *c.appointment_ref);
    if (!live.ok()) return error_response(request, live.error());
    if (*live) {
      tx->rollback();
      return appointment_taken(request, *parsed.appointment_id, **live);
    }
  }
  if (auto inserted = consultations.insert(*tx, c); !inserted.ok()) {
    if (inserted.error().code == sdk::ErrorCode::kInvalidArgument) {
      validator.add("patient", "invalid_format",
                    "an identifier or the phone number cannot be normalized");
      return validation_problem(request, 422, validator.take());
    }
    if (inserted.error().code == sdk::ErrorCode::kAlreadyExists && c.appointment_ref) {
      tx->rollback();
      auto read = ctx.store->begin(storage::TxMode::kReadOnly);
      if (!read.ok()) return error_response(request, read.error());
      auto live = records::ConsultationStore::live_by_appointment(**read, c.facility_id,
                                                                  *c.appointment_ref);
      if (live.ok() && *live) return appointment_taken(request, *parsed.appointment_id, **live);
    }
    return error_response(request, inserted.error());
  }

  workflow::StartRunRequest start;
  start.workflow = definition.name;  // its latest deployed version
  start.facility_id = principal.facility_id;
  start.consultation_id = c.id;
  start.trigger = std::move(trigger);
  auto run = ctx.engine->start_run(*tx, start);
  if (!run.ok()) return error_response(request, run.error());
  // The stored version number (a file's own `version:` may lag behind it).
  auto version = ctx.engine->run_workflow_version(*tx, *run);
  if (!version.ok()) return error_response(request, version.error());
  c.workflow_version = *version;
  if (auto set = records::ConsultationStore::set_workflow(*tx, c.facility_id, c.id, definition.name,
                                                          *version, now);
      !set.ok()) {
    return error_response(request, set.error());
  }

  Response response = json_response(201, consultation_view(c, principal.role));
  if (auto done = idempotency.complete(*tx, principal.facility_id, *key, {201, response.body});
      !done.ok()) {
    return error_response(request, done.error());
  }
  audit::AuditEvent event =
      request_event(request, principal, "consultation.create", "consultation", c.id);
  nlohmann::json detail{{"workflow", definition.name},
                        {"version", *version},
                        {"run_id", *run},
                        {"type", std::string(domain::to_string(c.type))}};
  if (booked) {
    detail["slot"] = booked->slot_id;
    detail["appointment_id"] = booked->appointment_id;
    if (parsed.service) detail["service"] = *parsed.service;
  }
  event.detail = detail.dump();
  if (auto appended = ctx.audit->append(*tx, event); !appended.ok()) {
    return error_response(request, appended.error());
  }
  if (auto committed = tx->commit(); !committed.ok()) {
    return error_response(request, committed.error());
  }
  if (reservation) reservation->keep();
  count(ctx, "wasl_api_consultations_created_total", "Consultations created through the API.",
        {{"type", std::string(domain::to_string(c.type))}});
  response.set_header("Location", kCollection + c.id);
  return response;
}

// GET /v1/consultations/{id}
Response read(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string& id = request.path_params["id"];
  records::ConsultationStore consultations(*ctx.cipher);
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  auto c = consultations.get(**tx, principal.facility_id, id);
  if (!c.ok()) return error_response(request, c.error(), MessageId::kConsultationNotFound);
  auto appended = ctx.audit->append(
      **tx, request_event(request, principal, "consultation.read", "consultation", id));
  if (!appended.ok()) return error_response(request, appended.error());
  if (auto committed = (*tx)->commit(); !committed.ok()) {
    return error_response(request, committed.error());
  }
  return json_response(200, consultation_view(*c, principal.role));
}

// GET /v1/consultations
Response list(ApiContext& ctx, Request& request, const access::Principal& principal) {
  FieldValidator v;
  records::ConsultationFilter filter;
  int limit = records::kDefaultListLimit;
  std::string cursor;
  for (const auto& [name, value] : request.query) {
    if (name == "status") {
      filter.status = domain::parse_consultation_status(value);
      if (!filter.status) {
        v.add("status", "unknown_value",
              "must be one of: scheduled, waiting_room, in_session, ended, archived, billed, "
              "completed, cancelled, failed, no_show, clinician_no_show");
      }
    } else if (name == "from" || name == "to") {
      auto t = domain::parse_timestamp(value);
      if (!t) {
        v.add(name, "invalid_format", "must be an RFC 3339 date-time");
      } else {
        (name == "from" ? filter.scheduled_from : filter.scheduled_to) = *t;
      }
    } else if (name == "workflow") {
      if (value.empty() || value.size() > kMaxWorkflowNameChars ||
          !utf8::is_valid(value.begin(), value.end())) {
        v.add(name, "too_long", "must be 1 to 128 characters");
      } else {
        filter.workflow = value;
      }
    } else if (name == "patient_identifier") {
      if (!utf8::is_valid(value.begin(), value.end()) || value.empty() ||
          static_cast<std::size_t>(utf8::distance(value.begin(), value.end())) >
              kMaxIdentifierChars) {
        v.add(name, "too_long", "must be 1 to 64 characters");
      } else {
        filter.patient_identifier = value;
      }
    } else if (name == "limit") {
      char* end = nullptr;
      long n = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || n < 1 || n > records::kMaxListLimit) {
        v.add("limit", "out_of_range",
              "must be a whole number from 1 to " + std::to_string(records::kMaxListLimit));
      } else {
        limit = static_cast<int>(n);
      }
    } else if (name == "cursor") {
      cursor = value;
    } else {
      v.add(name.substr(0, 64), "unknown_field", "is not a parameter of this resource");
    }
  }
  if (filter.scheduled_from && filter.scheduled_to &&
      *filter.scheduled_from >= *filter.scheduled_to) {
    v.add("from", "out_of_range", "must be before 'to'");
  }
  if (!v.ok()) return validation_problem(request, 400, v.take());

  records::ConsultationStore consultations(*ctx.cipher);
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  auto page = consultations.list(**tx, principal.facility_id, filter, limit, cursor);
  if (!page.ok()) {
    if (page.error().code == sdk::ErrorCode::kInvalidArgument) {
      v.add(cursor.empty() ? "patient_identifier" : "cursor", "invalid_format",
            cursor.empty() ? "cannot be read as a national ID, iqama, MRN or phone number"
                           : "is not a cursor this server issued");
      return validation_problem(request, 400, v.take());
    }
    return error_response(request, page.error());
  }
  nlohmann::json items = nlohmann::json::array();
  for (const auto& c : page->items) items.push_back(consultation_view(c, principal.role));
  nlohmann::json answer = {{"items", std::move(items)}, {"next_cursor", nullptr}};
  if (page->next_cursor) answer["next_cursor"] = *page->next_cursor;
  // The same key reading the same answer again (a screen refreshing itself)
  // was audited already: ReadAuditWindow.
  const std::string digest = crypto::sha256_hex(answer.dump());
  const bool repeat =
      ctx.read_audits != nullptr &&
      ctx.read_audits->repeats(principal.actor(), request.raw_target, digest, ctx.now_ms());
  if (!repeat) {
    audit::AuditEvent event =
        request_event(request, principal, "consultation.list", "consultation", "");
    event.detail = nlohmann::json{{"count", page->items.size()},
                                  {"by_patient_identifier", filter.patient_identifier.has_value()}}
                       .dump();
    if (auto appended = ctx.audit->append(**tx, event); !appended.ok()) {
      return error_response(request, appended.error());
    }
  }
  if (auto committed = (*tx)->commit(); !committed.ok()) {
    return error_response(request, committed.error());
  }
  if (!repeat && ctx.read_audits != nullptr) {
    ctx.read_audits->remember(principal.actor(), request.raw_target, digest, ctx.now_ms());
  }
  return json_response(200, answer);
}

struct ConsultationAndRun {
  domain::Consultation consultation;
  std::optional<std::string> run_id;
};

// Reads the consultation (404 when not in the principal's facility) and its run.
std::variant<ConsultationAndRun, Response> load_consultation(
    ApiContext& ctx, const Request& request, const access::Principal& principal,
    storage::TxMode mode = storage::TxMode::kReadOnly) {
  const std::string& id = request.path_params.at("id");
  records::ConsultationStore consultations(*ctx.cipher);
  auto tx = ctx.store->begin(mode);
  if (!tx.ok()) return error_response(request, tx.error());
  auto c = consultations.get(**tx, principal.facility_id, id);
  if (!c.ok()) return error_response(request, c.error(), MessageId::kConsultationNotFound);
  auto run = ctx.engine->consultation_run(**tx, principal.facility_id, id);
  if (!run.ok()) return error_response(request, run.error());
  (*tx)->rollback();
  return ConsultationAndRun{std::move(c).value(), std::move(run).value()};
}

// `value` with what the log redactor detects (identity numbers, phones,
// e-mails, the members the domain declares as PHI) made "[redacted:…]":
// the second net under the allow-list, for a value declared not PHI that
// holds PHI all the same.
nlohmann::json redacted(const nlohmann::json& value) {
  auto text = records::redact_stored_text(
      value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  return parsed.is_discarded() ? nlohmann::json("[redacted]") : parsed;
}

// Masks every attempt's input and output for a role that does not read PHI.
void mask_step_payloads(workflow::RunTimeline& t, const workflow::WorkflowDefinition* definition) {
  workflow::mask_timeline_phi(t, definition);
  for (auto& a : t.attempts) {
    if (!a.input.is_null()) a.input = redacted(a.input);
    if (!a.input_template.is_null()) a.input_template = redacted(a.input_template);
    if (!a.output.is_null()) a.output = redacted(a.output);
  }
}

// The joins, leaves and room end recorded for the consultation, in time order.
sdk::Result<std::vector<workflow::PresenceEntry>> attendance_entries(
    ApiContext& ctx, const std::string& facility_id, const std::string& consultation_id) {
  WASL_ASSIGN_OR_RETURN(auto tx, ctx.store->begin(storage::TxMode::kReadOnly));
  WASL_ASSIGN_OR_RETURN(
      auto events,
      attendance::AttendanceStore(*ctx.cipher).events_of(*tx, facility_id, consultation_id));
  tx->rollback();
  std::vector<workflow::PresenceEntry> out;
  out.reserve(events.size());
  for (const attendance::AttendanceEvent& e : events) {
    out.push_back({std::string(attendance::to_string(e.mark)), e.occurred_at_ms, e.participant_id,
                   e.provider_participant_id, e.role});
  }
  return out;
}

// The vital signs reported in the consultation, in the order taken; the
// values only for a role that reads clinical content.
sdk::Result<nlohmann::json> observation_entries(ApiContext& ctx, const std::string& facility_id,
                                                const std::string& consultation_id,
                                                bool with_values) {
  WASL_ASSIGN_OR_RETURN(auto tx, ctx.store->begin(storage::TxMode::kReadOnly));
  WASL_ASSIGN_OR_RETURN(
      auto observations,
      clinical::ObservationStore(*ctx.cipher).list(*tx, facility_id, consultation_id));
  tx->rollback();
  nlohmann::json out = nlohmann::json::array();
  for (const clinical::VitalObservation& o : observations) {
    out.push_back(clinical::observation_json(o, with_values));
  }
  return out;
}

// GET /v1/consultations/{id}/timeline: every attempt with its step's input
// and output (PHI masked by allow-list, workflow/run_timeline_mask.hpp,
// unless the role reads PHI; an unmasked read is audited as
// consultation.timeline_read), the run's next attempt, and the vital signs
// reported (kind, time, who; the value for hospital and clinician keys).
Response timeline(ApiContext& ctx, Request& request, const access::Principal& principal) {
  auto loaded = load_consultation(ctx, request, principal);
  if (auto* r = std::get_if<Response>(&loaded)) return std::move(*r);
  auto& found = std::get<ConsultationAndRun>(loaded);
  if (!found.run_id) return problem_response(request, 404, MessageId::kNoRun);
  workflow::RunRepository payloads(ctx.store->dialect(), *ctx.definitions, ctx.cipher);
  auto t = workflow::read_run_timeline(*ctx.store, *ctx.definitions, *found.run_id, &payloads);
  if (!t.ok()) return error_response(request, t.error(), MessageId::kNoRun);
  if (t->facility_id != principal.facility_id) {
    return problem_response(request, 404, MessageId::kNoRun);
  }
  if (auto presence = attendance_entries(ctx, principal.facility_id, found.consultation.id);
      presence.ok()) {
    t->attendance = std::move(presence).value();
  } else {
    return error_response(request, presence.error());
  }
  auto observations = observation_entries(ctx, principal.facility_id, found.consultation.id,
                                          access::reads_clinical_content(principal.role));
  if (!observations.ok()) return error_response(request, observations.error());
  if (!access::reads_phi(principal.role)) {
    auto definition = ctx.definitions->get(t->workflow, t->version);
    mask_step_payloads(*t, definition.ok() ? definition->get() : nullptr);
  } else {
    audit::AuditEvent event = request_event(request, principal, "consultation.timeline_read",
                                            "consultation", found.consultation.id);
    event.detail =
        nlohmann::json{{"run_id", t->run_id}, {"observations", observations->size()}}.dump();
    auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
    if (!tx.ok()) return error_response(request, tx.error());
    if (auto appended = ctx.audit->append(**tx, event); !appended.ok()) {
      return error_response(request, appended.error());
    }
    if (auto committed = (*tx)->commit(); !committed.ok()) {
      return error_response(request, committed.error());
    }
  }
  nlohmann::json body = t->to_json();
  body["observations"] = std::move(observations).value();
  return json_response(200, body);
}

// POST /v1/consultations/{id}/cancel: the run's cancellation, the
// consultation's new status and the audit event commit together.
Response cancel(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string& id = request.path_params.at("id");
  records::ConsultationStore consultations(*ctx.cipher);
  auto begun_tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!begun_tx.ok()) return error_response(request, begun_tx.error());
  Tx tx = std::move(begun_tx).value();
  auto current = consultations.get(*tx, principal.facility_id, id);
  if (!current.ok())
    return error_response(request, current.error(), MessageId::kConsultationNotFound);
  if (domain::is_terminal(current->status)) {
    return problem_response(request, 409, MessageId::kConsultationEnded,
                            {std::string(domain::to_string(current->status))});
  }
  auto run = ctx.engine->consultation_run(*tx, principal.facility_id, id);
  if (!run.ok()) return error_response(request, run.error());
  bool run_cancelled = false;
  if (*run) {
    auto cancelled = ctx.engine->cancel(*tx, **run);
    if (!cancelled.ok() && cancelled.error().code != sdk::ErrorCode::kFailedPrecondition &&
        cancelled.error().code != sdk::ErrorCode::kNotFound) {
      return error_response(request, cancelled.error());
    }
    run_cancelled = cancelled.ok();
  }
  const std::int64_t now = ctx.now_ms();
  auto updated = records::ConsultationStore::update_status(*tx, principal.facility_id, id,
                                                           domain::ConsultationStatus::kCancelled,
                                                           now, current->status, now);
  if (!updated.ok()) return error_response(request, updated.error());
  if (ctx.config != nullptr) {
    // Its scheduled messages are withdrawn; a patient already told is told.
    auto withdrawn =
        notifications::consultation_cancelled(*tx, *ctx.config, principal.facility_id, id, "", now);
    if (!withdrawn.ok()) return error_response(request, withdrawn.error());
  }
  current->status = domain::ConsultationStatus::kCancelled;
  current->updated_at = now;
  current->ended_at = now;
  audit::AuditEvent event =
      request_event(request, principal, "consultation.cancel", "consultation", id);
  if (*run) event.detail = nlohmann::json{{"run_id", **run}}.dump();
  if (auto appended = ctx.audit->append(*tx, event); !appended.ok()) {
    return error_response(request, appended.error());
  }
  if (auto committed = tx->commit(); !committed.ok()) {
    return error_response(request, committed.error());
  }
  if (run_cancelled) ctx.engine->work_available();
  if (ctx.notifications_queued) ctx.notifications_queued();
  return json_response(202, consultation_view(*current, principal.role));
}

// POST /v1/consultations/{id}/retry: the run's resumption and the audit
// event commit together.
Response retry_consultation(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string& id = request.path_params.at("id");
  records::ConsultationStore consultations(*ctx.cipher);
  auto begun_tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!begun_tx.ok()) return error_response(request, begun_tx.error());
  Tx tx = std::move(begun_tx).value();
  auto c = consultations.get(*tx, principal.facility_id, id);
  if (!c.ok()) return error_response(request, c.error(), MessageId::kConsultationNotFound);
  auto run = ctx.engine->consultation_run(*tx, principal.facility_id, id);
  if (!run.ok()) return error_response(request, run.error());
  if (!*run) return problem_response(request, 404, MessageId::kNoRun);
  const std::string run_id = **run;
  auto retried = ctx.engine->retry(*tx, run_id);
  if (!retried.ok()) {
    tx->rollback();
    if (retried.error().code == sdk::ErrorCode::kFailedPrecondition) {
      auto t = ctx.engine->timeline(run_id);
      std::string status = t.ok() ? t->status : "not failed";
      return problem_response(request, 409, MessageId::kRunNotRetryable, {status});
    }
    return error_response(request, retried.error(), MessageId::kNoRun);
  }
  audit::AuditEvent event =
      request_event(request, principal, "consultation.retry", "consultation", id);
  event.detail = nlohmann::json{{"run_id", run_id}}.dump();
  if (auto appended = ctx.audit->append(*tx, event); !appended.ok()) {
    return error_response(request, appended.error());
  }
  if (auto committed = tx->commit(); !committed.ok()) {
    return error_response(request, committed.error());
  }
  ctx.engine->work_available();
  auto t = ctx.engine->timeline(run_id);
  if (!t.ok()) return error_response(request, t.error(), MessageId::kNoRun);
  return json_response(202, t->to_json());
}

}  // namespace

void add_consultation_routes(http::Router& router, ApiContext& context) {
  const std::vector<std::string> json_body = {"application/json"};
  add_authorized_route(
      router, context, "POST", "/v1/consultations",
      [&context](Request& r, const access::Principal& p) {
        return create_consultation(context, r, p);
      },
      route_options("Book a consultation and start its workflow.", json_body));
  add_authorized_route(
      router, context, "GET", "/v1/consultations",
      [&context](Request& r, const access::Principal& p) { return list(context, r, p); },
      route_options("List consultations, newest first."));
  add_authorized_route(
      router, context, "GET", "/v1/consultations/{id}",
      [&context](Request& r, const access::Principal& p) { return read(context, r, p); },
      route_options("Read a consultation."));
  add_authorized_route(
      router, context, "GET", "/v1/consultations/{id}/timeline",
      [&context](Request& r, const access::Principal& p) { return timeline(context, r, p); },
      route_options("Every workflow step of a consultation."));
  add_authorized_route(
      router, context, "POST", "/v1/consultations/{id}/cancel",
      [&context](Request& r, const access::Principal& p) { return cancel(context, r, p); },
      route_options("Cancel a consultation and its workflow."));
  add_authorized_route(
      router, context, "POST", "/v1/consultations/{id}/retry",
      [&context](Request& r, const access::Principal& p) {
        return retry_consultation(context, r, p);
      },
      route_options("Retry a failed consultation workflow."));
}

}  // namespace wasl::api
