#include "hub/api/participants.hpp"

#include <string>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>

#include "hub/api/api_problem.hpp"
#include "hub/api/authorization.hpp"
#include "hub/api/consultation_request.hpp"
#include "hub/api/field_validator.hpp"
#include "hub/api/idempotent_request.hpp"
#include "hub/api/json_body.hpp"
#include "hub/api/json_response.hpp"
#include "hub/api/key_reservation.hpp"
#include "hub/api/request_audit.hpp"
#include "hub/api/resource_id.hpp"
#include "hub/consultations/admission.hpp"
#include "hub/domain/timestamp.hpp"
#include "hub/notifications/consultation_notices.hpp"
#include "hub/records/consultation_store.hpp"
#include "hub/records/idempotency_store.hpp"
#include "hub/records/participant_store.hpp"
#include "wasl/sdk/base64.hpp"
#include "wasl/sdk/json_member.hpp"

namespace wasl::api {
namespace {

using domain::Participant;
using domain::ParticipantRole;
using domain::ParticipantState;
using http::Request;
using http::Response;

constexpr std::string_view kRoles =
    "doctor, patient, nurse, specialist, family_member, interpreter, observer";

// The role a video provider understands for a participant role.
std::string provider_role(ParticipantRole role) {
  if (domain::is_clinician(role)) return "clinician";
  switch (role) {
    case ParticipantRole::kInterpreter: return "interpreter";
    case ParticipantRole::kObserver: return "observer";
    default: return "patient";
  }
}

std::string participants_path(const std::string& consultation_id) {
  return "/v1/consultations/" + consultation_id + "/participants/";
}

// Where a consultation's session happens.
struct Room {
  std::string instance;  // video plugin instance
  std::string room_id;   // provider room id; empty until the workflow opened it
};

// The instance: the one recorded on the consultation with its room, else the
// one the consultation's run kept from its start, else the facility's
// current binding (a rebound facility's open consultations stay on the
// provider that holds their room).
sdk::Result<Room> room_of(const ApiContext& ctx, storage::Transaction& tx,
                          const domain::Consultation& c) {
  Room room;
  if (c.video_instance) room.instance = *c.video_instance;
  if (room.instance.empty()) {
    WASL_ASSIGN_OR_RETURN(auto kept,
                          ctx.engine->consultation_run_bindings(tx, c.facility_id, c.id));
    workflow::RoleBindings current;
    if (ctx.config != nullptr) {
      auto f = ctx.config->facilities.find(c.facility_id);
      if (f != ctx.config->facilities.end()) current = f->second.bindings;
    }
    room.instance = workflow::bound_instance(kept, current, "video");
  }
  if (c.video_room_id) room.room_id = *c.video_room_id;
  return room;
}

// A provider's refusal of what the request asked for (invalid, not in a
// state that allows it, a concurrent change) is the client's 4xx, classified
// as every store and plugin error is (error_response); an outage is 503;
// anything else is the provider's failure, 502.
Response provider_failure(const Request& request, const sdk::Error& error) {
  switch (error.code) {
    case sdk::ErrorCode::kInvalidArgument:
    case sdk::ErrorCode::kFailedPrecondition:
    case sdk::ErrorCode::kAlreadyExists:
    case sdk::ErrorCode::kConflict: return error_response(request, error);
    default: break;
  }
  if (error.retryable) {
    Response r = problem_response(request, 503, MessageId::kVideoUnavailable);
    auto after = error.retry_after.value_or(std::chrono::milliseconds(2000));
    r.set_header("Retry-After", std::to_string(std::max<std::int64_t>(1, after.count() / 1000)));
    return r;
  }
  return problem_response(request, 502, MessageId::kVideoRefused);
}

Response room_not_ready(const Request& request) {
  Response r = problem_response(request, 409, MessageId::kRoomNotReady);
  r.set_header("Retry-After", "5");
  return r;
}

// Whether a participant who waits gets a join token at once: the room is
// open and its provider holds tokens outside the room until admission
// (sdk::VideoProvider::kWaitingRoomTokens, declared by the plugin, e.g.
// Janus). Other providers' tokens open the room as soon as they exist, so
// their waiting participants get one only when admitted.
bool token_while_waiting(const ApiContext& ctx, const Room& room) {
  return !room.instance.empty() && !room.room_id.empty() &&
         ctx.video_has_feature(room.instance, sdk::VideoProvider::kWaitingRoomTokens);
}

// A join token for `p` in `room`, from the video plugin. `waiting`: asked
// with participant.status "waiting", a token the room refuses until the
// same participant is asked for again without it (the admission).
std::variant<sdk::JoinToken, Response> issue_token(const ApiContext& ctx, const Request& request,
                                                   const Room& room, const Participant& p,
                                                   bool waiting = false) {
  if (room.instance.empty()) return problem_response(request, 503, MessageId::kNoVideoBinding);
  if (room.room_id.empty()) return room_not_ready(request);
  auto provider = ctx.video_provider(room.instance);
  if (!provider.ok()) return problem_response(request, 503, MessageId::kNoVideoBinding);
  sdk::JoinTokenRequest ask;
  ask.idempotency_key = "participant:" + p.id;
  ask.room_id = room.room_id;
  ask.participant.identity = p.id;
  ask.participant.display_name = p.display_name;
  ask.participant.role = provider_role(p.role);
  if (waiting) ask.participant.status = "waiting";
  ask.ttl_seconds = static_cast<int>(ctx.options.join_token_ttl.count());
  auto token = (*provider)->issue_join_token(ask);
  if (!token.ok()) return provider_failure(request, token.error());
  if (token->expires_at_ms <= 0) {
    token->expires_at_ms = ctx.now_ms() + ctx.options.join_token_ttl.count() * 1000;
  }
  return std::move(token).value();
}

// The language the join page opens in: the facility's language for patients
// whose own is neither Arabic nor English (notifications.default_language,
// Arabic unless configured); the page has a switch.
std::string join_page_language(const ApiContext& ctx, const std::string& facility_id) {
  if (ctx.config == nullptr) return "ar";
  auto f = ctx.config->facilities.find(facility_id);
  if (f == ctx.config->facilities.end() || !f->second.notifications) return "ar";
  return f->second.notifications->default_language == "en" ? "en" : "ar";
}

// The join page's link for a Janus VideoRoom token:
// <server.public_url>/join/#<credential>, the credential base64url (no
// padding) of compact JSON naming the Janus API, room, token, feed, the
// participant's name and role, the page's language, the ICE servers and the
// expiry. It travels in the fragment, which a browser never sends to a
// server. Nothing for another provider's token, whose own client is used.
std::optional<std::string> join_url(const ApiContext& ctx, const Participant& p,
                                    const sdk::JoinToken& token) {
  const nlohmann::json& raw = token.raw;
  if (ctx.config == nullptr || !raw.is_object() ||
      sdk::string_member(raw, "plugin") != "janus.plugin.videoroom" || !raw.contains("api_url") ||
      !raw["api_url"].is_string() || !raw.contains("room") || !raw.contains("feed_id")) {
    return std::nullopt;
  }
  nlohmann::json credential = {
      {"v", 1},
      {"api", raw["api_url"]},
      {"room", raw["room"]},
      {"token", token.token},
      {"feed", raw["feed_id"]},
      {"name", p.display_name},
      {"role", provider_role(p.role)},
      {"lang", join_page_language(ctx, p.facility_id)},
      {"ice", raw.contains("ice_servers") ? raw["ice_servers"] : nlohmann::json::array()},
      {"exp", token.expires_at_ms}};
  std::string base = ctx.config->server.public_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/join/#" + sdk::base64url_encode(credential.dump());
}

nlohmann::json participant_json(const ApiContext& ctx, const Participant& p,
                                const std::optional<sdk::JoinToken>& token, const Room& room,
                                const std::optional<domain::GenderPreference>& preference) {
  nlohmann::json j = p;
  if (preference) j["gender_preference"] = std::string(domain::to_string(*preference));
  if (token) {
    j["join"] = {{"token", token->token},
                 {"expires_at", domain::format_timestamp(token->expires_at_ms)},
                 {"provider_participant_id", token->provider_participant_id},
                 {"video_instance", room.instance},
                 {"room_id", room.room_id},
                 {"provider", token->raw.is_null() ? nlohmann::json::object() : token->raw}};
    if (auto url = join_url(ctx, p, *token)) j["join"]["url"] = *url;
  }
  return j;
}

std::optional<Response> check_open(const Request& request, const domain::Consultation& c) {
  if (domain::is_terminal(c.status) || c.status == domain::ConsultationStatus::kEnded) {
    return problem_response(request, 409, MessageId::kConsultationEnded,
                            {std::string(domain::to_string(c.status))});
  }
  return std::nullopt;
}

struct AddRequest {
  ParticipantRole role = ParticipantRole::kPatient;
  std::string display_name;
  bool family_consent = false;
  std::optional<domain::GenderPreference> gender_preference;
  // The EHR's reference of the clinician being added ("Practitioner/3").
  std::optional<std::string> practitioner;
};

constexpr std::size_t kMaxReferenceChars = 256;

std::optional<AddRequest> parse_add(const nlohmann::json& body, FieldValidator& v) {
  AddRequest a;
  v.reject_unknown(
      body, {"role", "display_name", "family_consent", "gender_preference", "practitioner"}, "");
  auto role = v.enumeration(body, "role", "", domain::parse_participant_role, kRoles, true);
  auto name = v.text(body, "display_name", "", kMaxNameChars, true);
  auto consent = v.boolean(body, "family_consent", "", false);
  a.gender_preference = v.enumeration(body, "gender_preference", "",
                                      domain::parse_gender_preference, "none, female, male", false);
  a.practitioner = v.text(body, "practitioner", "", kMaxReferenceChars, false);
  if (role && a.practitioner && !domain::is_clinician(*role)) {
    v.add("practitioner", "not_allowed", "is given for a clinician only");
  }
  if (role && *role == ParticipantRole::kFamilyMember && !consent.value_or(false)) {
    v.add("family_consent", "consent_required",
          "must be true: the patient's consent is required before a family member is added");
  }
  if (role && a.gender_preference && *role != ParticipantRole::kPatient) {
    v.add("gender_preference", "not_allowed", "is recorded for the patient only");
  }
  if (!v.ok() || !role || !name) return std::nullopt;
  a.role = *role;
  a.display_name = *name;
  a.family_consent = consent.value_or(false);
  return a;
}

// POST /v1/consultations/{id}/participants
Response add(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string consultation_id = request.path_params.at("id");
  std::optional<std::string> key;
  if (auto problem = read_idempotency_key(request, /*required=*/false, key)) return *problem;
  nlohmann::json body;
  if (auto problem = read_json_object(request, body)) return *problem;
  FieldValidator v;
  auto parsed = parse_add(body, v);
  if (!parsed) return validation_problem(request, 422, v.take());

  const std::string fingerprint = request_fingerprint(request, body);
  const std::string location_prefix = participants_path(consultation_id);
  records::ConsultationStore consultations(*ctx.cipher);
  records::ParticipantStore participants(*ctx.cipher);
  records::IdempotencyStore idempotency(*ctx.cipher);
  const std::int64_t now = ctx.now_ms();

  // First look, and the reservation of the Idempotency-Key, committed before
  // the provider is called (no transaction is held during the call): a
  // replay or a concurrent request with the key answers 409 while this one
  // runs and the stored answer after it, and never reaches the provider.
  domain::Consultation consultation;
  Room room;
  bool key_practitioner_admitted = false;
  {
    auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
    if (!tx.ok()) return error_response(request, tx.error());
    if (key) {
      auto begun = idempotency.begin(**tx, principal.facility_id, *key, fingerprint, now);
      if (!begun.ok()) return error_response(request, begun.error());
      if (auto answer = idempotency_answer(request, *begun, location_prefix)) return *answer;
    }
    auto c = consultations.get(**tx, principal.facility_id, consultation_id);
    if (!c.ok()) return error_response(request, c.error(), MessageId::kConsultationNotFound);
    consultation = std::move(c).value();
    if (auto closed = check_open(request, consultation)) return *closed;
    auto where = room_of(ctx, **tx, consultation);
    if (!where.ok()) return error_response(request, where.error());
    room = std::move(where).value();
    auto present = participants.count_present(**tx, principal.facility_id, consultation_id);
    if (!present.ok()) return error_response(request, present.error());
    const int limit = ctx.participant_limit(consultation.type);
    if (*present >= limit) {
      return problem_response(request, 409, MessageId::kParticipantLimit, {std::to_string(limit)});
    }
    if (principal.role == access::Role::kClinician && principal.practitioner) {
      auto admitted = participants.practitioner_admitted(**tx, principal.facility_id,
                                                         consultation_id, *principal.practitioner);
      if (!admitted.ok()) return error_response(request, admitted.error());
      key_practitioner_admitted = *admitted;
    }
    if (key) {
      if (auto committed = (*tx)->commit(); !committed.ok()) {
        return error_response(request, committed.error());
      }
    }
  }
  KeyReservation reservation(ctx, principal.facility_id, key);
  const int limit = ctx.participant_limit(consultation.type);

  auto id = new_resource_id();
  if (!id.ok()) return error_response(request, id.error());
  Participant p;
  p.id = *id;
  p.consultation_id = consultation_id;
  p.facility_id = principal.facility_id;
  p.role = parsed->role;
  p.display_name = parsed->display_name;
  p.family_consent = parsed->family_consent;
  p.created_at = now;
  p.practitioner =
      consultations::participant_practitioner(parsed->role, parsed->practitioner, principal);
  const std::optional<std::string_view> because = consultations::admitted_because(
      parsed->role, parsed->practitioner, principal, consultation, key_practitioner_admitted);
  const bool admit_now = because.has_value();
  p.state = admit_now ? ParticipantState::kAdmitted : ParticipantState::kWaiting;
  if (admit_now) p.admitted_at = now;

  std::optional<sdk::JoinToken> token;
  if (admit_now || token_while_waiting(ctx, room)) {
    auto issued = issue_token(ctx, request, room, p, /*waiting=*/!admit_now);
    if (auto* r = std::get_if<Response>(&issued)) return std::move(*r);
    token = std::get<sdk::JoinToken>(std::move(issued));
    p.provider_participant_id = token->provider_participant_id;
    p.token_expires_at = token->expires_at_ms;
  }

  auto begun_tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!begun_tx.ok()) return error_response(request, begun_tx.error());
  auto& tx = **begun_tx;
  // Re-read under the row lock taken by touching the consultation, so
  // concurrent adds cannot overrun the limit (PostgreSQL; SQLite has one
  // writer anyway).
  auto current = consultations.get(tx, principal.facility_id, consultation_id);
  if (!current.ok())
    return error_response(request, current.error(), MessageId::kConsultationNotFound);
  if (auto closed = check_open(request, *current)) return *closed;
  auto touched = records::ConsultationStore::update_status(
      tx, principal.facility_id, consultation_id, current->status, now, current->status);
  if (!touched.ok()) return error_response(request, touched.error());
  auto present = participants.count_present(tx, principal.facility_id, consultation_id);
  if (!present.ok()) return error_response(request, present.error());
  if (*present >= limit) {
    return problem_response(request, 409, MessageId::kParticipantLimit, {std::to_string(limit)});
  }
  if (auto inserted = participants.insert(tx, p); !inserted.ok()) {
    return error_response(request, inserted.error(), MessageId::kConsultationNotFound);
  }
  if (admit_now && domain::is_clinician(p.role) && ctx.config != nullptr) {
    // A clinician in the room: the patient is told "the clinician is ready".
    auto queued = notifications::clinician_admitted(tx, *ctx.config, principal.facility_id,
                                                    consultation_id, now);
    if (!queued.ok()) return error_response(request, queued.error());
  }
  if (parsed->gender_preference) {
    // Recorded with the patient's participant row.
    auto recorded =
        participants.set_gender_preference(tx, p.facility_id, p.id, *parsed->gender_preference);
    if (!recorded.ok()) return error_response(request, recorded.error());
  }
  Response response =
      json_response(201, participant_json(ctx, p, token, room, parsed->gender_preference));
  if (key) {
    if (auto done = idempotency.complete(tx, principal.facility_id, *key, {201, response.body});
        !done.ok()) {
      return error_response(request, done.error());
    }
  }
  audit::AuditEvent event =
      request_event(request, principal, "participant.add", "participant", p.id);
  nlohmann::json detail{{"consultation_id", consultation_id},
                        {"role", std::string(domain::to_string(p.role))},
                        {"state", std::string(domain::to_string(p.state))},
                        {"token_issued", token.has_value()}};
  if (because) detail["admitted_because"] = std::string(*because);
  event.detail = detail.dump();
  if (auto appended = ctx.audit->append(tx, event); !appended.ok()) {
    return error_response(request, appended.error());
  }
  if (auto committed = tx.commit(); !committed.ok()) {
    return error_response(request, committed.error());
  }
  reservation.keep();
  if (admit_now && domain::is_clinician(p.role) && ctx.notifications_queued) {
    ctx.notifications_queued();
  }
  if (ctx.metrics != nullptr) {
    ctx.metrics->counter_add("wasl_api_participants_added_total",
                             "Participants added through the API.",
                             {{"state", std::string(domain::to_string(p.state))}}, 1);
  }
  response.set_header("Location", location_prefix + p.id);
  return response;
}

struct Loaded {
  domain::Consultation consultation;
  Participant participant;
  Room room;
};

std::variant<Loaded, Response> load_participant(ApiContext& ctx, const Request& request,
                                                const access::Principal& principal) {
  const std::string& cid = request.path_params.at("id");
  const std::string& pid = request.path_params.at("pid");
  records::ConsultationStore consultations(*ctx.cipher);
  records::ParticipantStore participants(*ctx.cipher);
  auto tx = ctx.store->begin(storage::TxMode::kReadOnly);
  if (!tx.ok()) return error_response(request, tx.error());
  auto c = consultations.get(**tx, principal.facility_id, cid);
  if (!c.ok()) return error_response(request, c.error(), MessageId::kConsultationNotFound);
  auto p = participants.get(**tx, principal.facility_id, cid, pid);
  if (!p.ok()) return error_response(request, p.error(), MessageId::kParticipantNotFound);
  auto room = room_of(ctx, **tx, *c);
  if (!room.ok()) return error_response(request, room.error());
  (*tx)->rollback();
  return Loaded{std::move(c).value(), std::move(p).value(), std::move(room).value()};
}

// POST /v1/consultations/{id}/participants/{pid}/admit
Response admit(ApiContext& ctx, Request& request, const access::Principal& principal) {
  auto loaded = load_participant(ctx, request, principal);
  if (auto* r = std::get_if<Response>(&loaded)) return std::move(*r);
  auto& found = std::get<Loaded>(loaded);
  if (auto closed = check_open(request, found.consultation)) return *closed;
  if (found.participant.state == ParticipantState::kRemoved) {
    return problem_response(request, 409, MessageId::kParticipantRemoved);
  }
  const Room& room = found.room;
  auto issued = issue_token(ctx, request, room, found.participant);
  if (auto* r = std::get_if<Response>(&issued)) return std::move(*r);
  sdk::JoinToken token = std::get<sdk::JoinToken>(std::move(issued));

  records::ParticipantStore participants(*ctx.cipher);
  const std::string& cid = found.consultation.id;
  const std::string& pid = found.participant.id;
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  const bool was_waiting = found.participant.state == ParticipantState::kWaiting;
  auto admitted = participants.admit(**tx, principal.facility_id, cid, pid, ctx.now_ms());
  if (!admitted.ok()) {
    if (admitted.error().code == sdk::ErrorCode::kFailedPrecondition) {
      return problem_response(request, 409, MessageId::kParticipantRemoved);
    }
    return error_response(request, admitted.error(), MessageId::kParticipantNotFound);
  }
  auto recorded = participants.set_token(**tx, principal.facility_id, cid, pid,
                                         token.provider_participant_id, token.expires_at_ms);
  if (!recorded.ok()) return error_response(request, recorded.error());
  admitted->provider_participant_id = token.provider_participant_id;
  admitted->token_expires_at = token.expires_at_ms;
  const bool clinician = domain::is_clinician(found.participant.role);
  if (clinician && ctx.config != nullptr) {
    auto queued = notifications::clinician_admitted(**tx, *ctx.config, principal.facility_id, cid,
                                                    ctx.now_ms());
    if (!queued.ok()) return error_response(request, queued.error());
  }
  audit::AuditEvent event =
      request_event(request, principal, "participant.admit", "participant", pid);
  event.detail = nlohmann::json{{"consultation_id", cid}, {"from_waiting", was_waiting}}.dump();
  if (auto appended = ctx.audit->append(**tx, event); !appended.ok()) {
    return error_response(request, appended.error());
  }
  if (auto committed = (*tx)->commit(); !committed.ok()) {
    return error_response(request, committed.error());
  }
  if (clinician && ctx.notifications_queued) ctx.notifications_queued();
  return json_response(200, participant_json(ctx, *admitted, token, room, std::nullopt));
}

// DELETE /v1/consultations/{id}/participants/{pid}
Response remove(ApiContext& ctx, Request& request, const access::Principal& principal) {
  auto loaded = load_participant(ctx, request, principal);
  if (auto* r = std::get_if<Response>(&loaded)) return std::move(*r);
  auto& found = std::get<Loaded>(loaded);
  const Participant& p = found.participant;
  const Room& room = found.room;
  if (p.state != ParticipantState::kRemoved && p.provider_participant_id && !room.room_id.empty()) {
    auto provider = ctx.video_provider(room.instance);
    if (!provider.ok()) return problem_response(request, 503, MessageId::kNoVideoBinding);
    sdk::ParticipantRef ref{"remove:" + p.id, room.room_id, *p.provider_participant_id};
    auto removed = (*provider)->remove_participant(ref);
    if (!removed.ok() && removed.error().code != sdk::ErrorCode::kNotFound) {
      return provider_failure(request, removed.error());
    }
  }
  records::ParticipantStore participants(*ctx.cipher);
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  auto removed =
      participants.remove(**tx, principal.facility_id, found.consultation.id, p.id, ctx.now_ms());
  if (!removed.ok())
    return error_response(request, removed.error(), MessageId::kParticipantNotFound);
  audit::AuditEvent event =
      request_event(request, principal, "participant.remove", "participant", p.id);
  event.detail = nlohmann::json{{"consultation_id", found.consultation.id},
                                {"was", std::string(domain::to_string(p.state))}}
                     .dump();
  if (auto appended = ctx.audit->append(**tx, event); !appended.ok()) {
    return error_response(request, appended.error());
  }
  if (auto committed = (*tx)->commit(); !committed.ok()) {
    return error_response(request, committed.error());
  }
  return json_response(200, nlohmann::json(*removed));
}

// POST /v1/consultations/{id}/end-session: ends the consultation's video
// session at its provider, on the instance and room the hub recorded for it
// (the caller names neither). The run is left alone: the provider's own
// room.ended event (Janus's "destroyed", Twilio's room-ended, ...) drives it
// as when the provider ends a room by itself, so the session's normal path
// follows (attendance, recording, encounter, claim); hence 202. A room
// already ended answers the same (end_room of an ended room succeeds, and a
// room the provider no longer knows is ended too). 409 when the
// consultation has no room.
Response end_session(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string& cid = request.path_params.at("id");
  Room room;
  {
    records::ConsultationStore consultations(*ctx.cipher);
    auto tx = ctx.store->begin(storage::TxMode::kReadOnly);
    if (!tx.ok()) return error_response(request, tx.error());
    auto c = consultations.get(**tx, principal.facility_id, cid);
    if (!c.ok()) return error_response(request, c.error(), MessageId::kConsultationNotFound);
    auto where = room_of(ctx, **tx, *c);
    if (!where.ok()) return error_response(request, where.error());
    room = std::move(where).value();
    (*tx)->rollback();
  }
  if (room.room_id.empty()) return problem_response(request, 409, MessageId::kNoVideoRoom);
  auto provider = ctx.video_provider(room.instance);
  if (!provider.ok()) return problem_response(request, 503, MessageId::kNoVideoBinding);
  auto ended = (*provider)->end_room({"end-session:" + cid, room.room_id});
  if (!ended.ok() && ended.error().code != sdk::ErrorCode::kNotFound) {
    return provider_failure(request, ended.error());
  }

  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  audit::AuditEvent event =
      request_event(request, principal, "consultation.end_session", "consultation", cid);
  event.detail =
      nlohmann::json{{"video_instance", room.instance}, {"room_id", room.room_id}}.dump();
  if (auto appended = ctx.audit->append(**tx, event); !appended.ok()) {
    return error_response(request, appended.error());
  }
  if (auto committed = (*tx)->commit(); !committed.ok()) {
    return error_response(request, committed.error());
  }
  return json_response(202, nlohmann::json{{"consultation_id", cid},
                                           {"video_instance", room.instance},
                                           {"room_id", room.room_id},
                                           {"room_status", "ended"}});
}

// GET /v1/consultations/{id}/participants/{pid}
Response read_participant(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string& cid = request.path_params.at("id");
  const std::string& pid = request.path_params.at("pid");
  records::ConsultationStore consultations(*ctx.cipher);
  records::ParticipantStore participants(*ctx.cipher);
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  auto c = consultations.get(**tx, principal.facility_id, cid);
  if (!c.ok()) return error_response(request, c.error(), MessageId::kConsultationNotFound);
  auto p = participants.get(**tx, principal.facility_id, cid, pid);
  if (!p.ok()) return error_response(request, p.error(), MessageId::kParticipantNotFound);
  audit::AuditEvent event =
      request_event(request, principal, "participant.read", "participant", pid);
  if (auto appended = ctx.audit->append(**tx, event); !appended.ok()) {
    return error_response(request, appended.error());
  }
  if (auto committed = (*tx)->commit(); !committed.ok()) {
    return error_response(request, committed.error());
  }
  return json_response(200, nlohmann::json(*p));
}

// GET /v1/consultations/{id}/participants
Response list_participants(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string& cid = request.path_params.at("id");
  records::ConsultationStore consultations(*ctx.cipher);
  records::ParticipantStore participants(*ctx.cipher);
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  auto c = consultations.get(**tx, principal.facility_id, cid);
  if (!c.ok()) return error_response(request, c.error(), MessageId::kConsultationNotFound);
  auto all = participants.list(**tx, principal.facility_id, cid);
  if (!all.ok()) return error_response(request, all.error());
  audit::AuditEvent event =
      request_event(request, principal, "participant.list", "consultation", cid);
  event.detail = nlohmann::json{{"count", all->size()}}.dump();
  if (auto appended = ctx.audit->append(**tx, event); !appended.ok()) {
    return error_response(request, appended.error());
  }
  if (auto committed = (*tx)->commit(); !committed.ok()) {
    return error_response(request, committed.error());
  }
  nlohmann::json items = nlohmann::json::array();
  for (const auto& p : *all) items.push_back(p);
  return json_response(
      200, nlohmann::json{{"items", std::move(items)}, {"limit", ctx.participant_limit(c->type)}});
}

}  // namespace

void add_participant_routes(http::Router& router, ApiContext& context) {
  const std::vector<std::string> json_body = {"application/json"};
  add_authorized_route(
      router, context, "POST", "/v1/consultations/{id}/participants",
      [&context](Request& r, const access::Principal& p) { return add(context, r, p); },
      route_options("Add a participant. A clinician added by a clinician key bound to the "
                    "consultation's practitioner, or to a practitioner already admitted to it, "
                    "gets a join token at once; everyone else waits to be admitted. A waiting "
                    "participant in an open room of a provider that holds tokens outside the "
                    "room (video.waiting_room_tokens, e.g. Janus) gets its token at once too; "
                    "the room refuses it until the participant is admitted.",
                    json_body));
  add_authorized_route(
      router, context, "GET", "/v1/consultations/{id}/participants",
      [&context](Request& r, const access::Principal& p) {
        return list_participants(context, r, p);
      },
      route_options("List a consultation's participants."));
  add_authorized_route(
      router, context, "GET", "/v1/consultations/{id}/participants/{pid}",
      [&context](Request& r, const access::Principal& p) {
        return read_participant(context, r, p);
      },
      route_options("Read a participant."));
  add_authorized_route(
      router, context, "POST", "/v1/consultations/{id}/participants/{pid}/admit",
      [&context](Request& r, const access::Principal& p) { return admit(context, r, p); },
      route_options("Admit a participant from the waiting room; issues a join token (the "
                    "token given while waiting, where the provider held one, now admitted)."));
  add_authorized_route(
      router, context, "DELETE", "/v1/consultations/{id}/participants/{pid}",
      [&context](Request& r, const access::Principal& p) { return remove(context, r, p); },
      route_options("Remove a participant from the consultation and its room."));
  add_authorized_route(
      router, context, "POST", "/v1/consultations/{id}/end-session",
      [&context](Request& r, const access::Principal& p) { return end_session(context, r, p); },
      route_options("End the consultation's video session at its provider. The provider's "
                    "room-ended event then moves the workflow on as when the provider ends "
                    "the room itself (recording, encounter, claim)."));
}

}  // namespace wasl::api
