#include "hub/api/clinical_notes.hpp"

#include <optional>
#include <string>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>

#include "hub/access/route_access.hpp"
#include "hub/api/api_problem.hpp"
#include "hub/api/authorization.hpp"
#include "hub/api/field_validator.hpp"
#include "hub/api/idempotent_write.hpp"
#include "hub/api/json_body.hpp"
#include "hub/api/json_response.hpp"
#include "hub/api/request_audit.hpp"
#include "hub/api/resource_id.hpp"
#include "hub/clinical/authorship.hpp"
#include "hub/clinical/note_store.hpp"
#include "hub/records/consultation_store.hpp"

namespace wasl::api {
namespace {

using clinical::ClinicalNote;
using clinical::RecordStatus;
using http::Request;
using http::Response;

constexpr std::size_t kMaxSectionChars = 20000;

std::string notes_path(const std::string& consultation_id) {
  return "/v1/consultations/" + consultation_id + "/notes/";
}

struct NoteInput {
  clinical::Language language = clinical::Language::kArabic;
  clinical::NoteContent content;
};

std::optional<NoteInput> parse_note(const nlohmann::json& body, FieldValidator& v) {
  v.reject_unknown(body, {"language", "subjective", "objective", "assessment", "plan", "text"}, "");
  auto language =
      v.enumeration(body, "language", "", clinical::parse_language, "ar, en", /*required=*/true);
  NoteInput in;
  struct Section {
    const char* name;
    std::string clinical::NoteContent::*member;
  };
  static constexpr Section kSections[] = {
      {"subjective", &clinical::NoteContent::subjective},
      {"objective", &clinical::NoteContent::objective},
      {"assessment", &clinical::NoteContent::assessment},
      {"plan", &clinical::NoteContent::plan},
      {"text", &clinical::NoteContent::text},
  };
  bool any = false;
  for (const Section& s : kSections) {
    auto value = v.text(body, s.name, "", kMaxSectionChars, false);
    if (value) {
      in.content.*(s.member) = std::move(*value);
      any = true;
    }
  }
  if (!any && v.ok()) {
    v.add("text", "required",
          "a note needs at least one of subjective, objective, assessment, plan, text");
  }
  if (!v.ok() || !language) return std::nullopt;
  in.language = *language;
  return in;
}

// 404 unless the consultation is the caller's facility's.
std::optional<Response> check_consultation(ApiContext& ctx, const Request& request,
                                           storage::Transaction& tx,
                                           const access::Principal& principal,
                                           const std::string& consultation_id) {
  records::ConsultationStore consultations(*ctx.cipher);
  auto c = consultations.get(tx, principal.facility_id, consultation_id);
  if (!c.ok()) return error_response(request, c.error(), MessageId::kConsultationNotFound);
  return std::nullopt;
}

nlohmann::json event_detail(const ClinicalNote& note) {
  return {{"consultation_id", note.consultation_id},
          {"version", note.version},
          {"status", std::string(clinical::to_string(note.status))},
          {"language", std::string(clinical::to_string(note.language))}};
}

Written written_note(const Request& request, const access::Principal& principal, int status,
                     const ClinicalNote& note, std::string action) {
  Written w;
  w.response = json_response(status, clinical::note_json(note, /*with_content=*/true));
  w.event = request_event(request, principal, std::move(action), "clinical_note", note.id);
  nlohmann::json detail = event_detail(note);
  if (note.amends) detail["amends"] = *note.amends;
  w.event.detail = detail.dump();
  if (status == 201) w.location = notes_path(note.consultation_id) + note.id;
  return w;
}

// POST /v1/consultations/{id}/notes
Response create(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string consultation_id = request.path_params.at("id");
  nlohmann::json body;
  if (auto problem = read_json_object(request, body)) return *problem;
  FieldValidator v;
  auto input = parse_note(body, v);
  if (!input) return validation_problem(request, 422, v.take());
  return idempotent_write(
      ctx, request, principal, body, notes_path(consultation_id),
      [&](storage::Transaction& tx) -> std::variant<Written, Response> {
        if (auto missing = check_consultation(ctx, request, tx, principal, consultation_id)) {
          return std::move(*missing);
        }
        auto id = new_resource_id();
        if (!id.ok()) return error_response(request, id.error());
        const std::int64_t now = ctx.now_ms();
        ClinicalNote note;
        note.id = *id;
        note.facility_id = principal.facility_id;
        note.consultation_id = consultation_id;
        note.language = input->language;
        note.content = input->content;
        note.author = clinical::author_of(principal);
        note.created_at = now;
        note.updated_at = now;
        clinical::NoteStore notes(*ctx.cipher);
        if (auto inserted = notes.insert(tx, note); !inserted.ok()) {
          return error_response(request, inserted.error());
        }
        return written_note(request, principal, 201, note, "clinical_note.create");
      });
}

// The note of the path, in the caller's facility and consultation.
std::variant<ClinicalNote, Response> load(ApiContext& ctx, const Request& request,
                                          storage::Transaction& tx,
                                          const access::Principal& principal) {
  const std::string& cid = request.path_params.at("id");
  if (auto missing = check_consultation(ctx, request, tx, principal, cid)) {
    return std::move(*missing);
  }
  clinical::NoteStore notes(*ctx.cipher);
  auto note = notes.get(tx, principal.facility_id, cid, request.path_params.at("nid"));
  if (!note.ok()) return error_response(request, note.error(), MessageId::kNoteNotFound);
  return std::move(note).value();
}

// A draft its caller may change or sign: 409 once signed, 403 to anyone
// but its author.
std::optional<Response> check_own_draft(const Request& request, const access::Principal& principal,
                                        const ClinicalNote& note) {
  if (note.status != RecordStatus::kDraft) {
    return problem_response(request, 409, MessageId::kNoteSigned);
  }
  if (!clinical::is_author(note.author, principal)) {
    return problem_response(request, 403, MessageId::kNotTheAuthor);
  }
  return std::nullopt;
}

// PUT /v1/consultations/{id}/notes/{nid}
Response update(ApiContext& ctx, Request& request, const access::Principal& principal) {
  nlohmann::json body;
  if (auto problem = read_json_object(request, body)) return *problem;
  FieldValidator v;
  auto input = parse_note(body, v);
  if (!input) return validation_problem(request, 422, v.take());
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  auto loaded = load(ctx, request, **tx, principal);
  if (auto* r = std::get_if<Response>(&loaded)) return std::move(*r);
  const ClinicalNote& note = std::get<ClinicalNote>(loaded);
  if (auto refused = check_own_draft(request, principal, note)) return *refused;
  clinical::NoteStore notes(*ctx.cipher);
  auto updated = notes.update_draft(**tx, principal.facility_id, note.consultation_id, note.id,
                                    input->language, input->content, ctx.now_ms());
  if (!updated.ok()) {
    if (updated.error().code == sdk::ErrorCode::kFailedPrecondition) {
      return problem_response(request, 409, MessageId::kNoteSigned);
    }
    return error_response(request, updated.error(), MessageId::kNoteNotFound);
  }
  Written w = written_note(request, principal, 200, *updated, "clinical_note.update");
  if (auto problem = commit_audited(*ctx.audit, request, **tx, w.event)) return *problem;
  return std::move(w.response);
}

// POST /v1/consultations/{id}/notes/{nid}/sign
Response sign(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string consultation_id = request.path_params.at("id");
  return idempotent_write(
      ctx, request, principal, nlohmann::json::object(), notes_path(consultation_id),
      [&](storage::Transaction& tx) -> std::variant<Written, Response> {
        auto loaded = load(ctx, request, tx, principal);
        if (auto* r = std::get_if<Response>(&loaded)) return std::move(*r);
        const ClinicalNote& note = std::get<ClinicalNote>(loaded);
        if (auto refused = check_own_draft(request, principal, note)) return std::move(*refused);
        clinical::NoteStore notes(*ctx.cipher);
        auto signed_note =
            notes.sign(tx, principal.facility_id, consultation_id, note.id, ctx.now_ms());
        if (!signed_note.ok()) {
          if (signed_note.error().code == sdk::ErrorCode::kFailedPrecondition) {
            return problem_response(request, 409, MessageId::kNoteSigned);
          }
          return error_response(request, signed_note.error(), MessageId::kNoteNotFound);
        }
        return written_note(request, principal, 200, *signed_note, "clinical_note.sign");
      });
}

// POST /v1/consultations/{id}/notes/{nid}/amend
Response amend(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string consultation_id = request.path_params.at("id");
  nlohmann::json body;
  if (auto problem = read_json_object(request, body)) return *problem;
  FieldValidator v;
  auto input = parse_note(body, v);
  if (!input) return validation_problem(request, 422, v.take());
  return idempotent_write(
      ctx, request, principal, body, notes_path(consultation_id),
      [&](storage::Transaction& tx) -> std::variant<Written, Response> {
        auto loaded = load(ctx, request, tx, principal);
        if (auto* r = std::get_if<Response>(&loaded)) return std::move(*r);
        const ClinicalNote& amended = std::get<ClinicalNote>(loaded);
        if (amended.status != RecordStatus::kSigned) {
          return problem_response(request, 409, MessageId::kNoteNotSigned);
        }
        clinical::NoteStore notes(*ctx.cipher);
        auto id = new_resource_id();
        if (!id.ok()) return error_response(request, id.error());
        const std::int64_t now = ctx.now_ms();
        ClinicalNote note;
        note.id = *id;
        note.facility_id = principal.facility_id;
        note.consultation_id = consultation_id;
        note.version = amended.version + 1;
        note.amends = amended.id;
        note.language = input->language;
        note.content = input->content;
        note.author = clinical::author_of(principal);
        note.created_at = now;
        note.updated_at = now;
        if (auto inserted = notes.insert(tx, note); !inserted.ok()) {
          if (inserted.error().code == sdk::ErrorCode::kAlreadyExists) {
            return problem_response(request, 409, MessageId::kNoteAmendedAlready);
          }
          return error_response(request, inserted.error());
        }
        return written_note(request, principal, 201, note, "clinical_note.amend");
      });
}

// GET /v1/consultations/{id}/notes/{nid}
Response read_note(ApiContext& ctx, Request& request, const access::Principal& principal) {
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  auto loaded = load(ctx, request, **tx, principal);
  if (auto* r = std::get_if<Response>(&loaded)) return std::move(*r);
  const ClinicalNote& note = std::get<ClinicalNote>(loaded);
  const bool content = access::reads_clinical_content(principal.role);
  audit::AuditEvent event =
      request_event(request, principal, "clinical_note.read", "clinical_note", note.id);
  nlohmann::json detail = event_detail(note);
  detail["content"] = content;
  event.detail = detail.dump();
  if (auto problem = commit_audited(*ctx.audit, request, **tx, event)) return *problem;
  return json_response(200, clinical::note_json(note, content));
}

// GET /v1/consultations/{id}/notes
Response list(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string& cid = request.path_params.at("id");
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  if (auto missing = check_consultation(ctx, request, **tx, principal, cid)) return *missing;
  clinical::NoteStore notes(*ctx.cipher);
  auto all = notes.list(**tx, principal.facility_id, cid);
  if (!all.ok()) return error_response(request, all.error());
  const bool content = access::reads_clinical_content(principal.role);
  audit::AuditEvent event =
      request_event(request, principal, "clinical_note.list", "consultation", cid);
  event.detail = nlohmann::json{{"count", all->size()}, {"content", content}}.dump();
  if (auto problem = commit_audited(*ctx.audit, request, **tx, event)) return *problem;
  nlohmann::json items = nlohmann::json::array();
  for (const ClinicalNote& n : *all) items.push_back(clinical::note_json(n, content));
  return json_response(200, nlohmann::json{{"items", std::move(items)}});
}

}  // namespace

void add_clinical_note_routes(http::Router& router, ApiContext& context) {
  const std::vector<std::string> json_body = {"application/json"};
  add_authorized_route(
      router, context, "POST", "/v1/consultations/{id}/notes",
      [&context](Request& r, const access::Principal& p) { return create(context, r, p); },
      route_options("Write a clinical note, a draft until its author signs it.", json_body));
  add_authorized_route(
      router, context, "GET", "/v1/consultations/{id}/notes",
      [&context](Request& r, const access::Principal& p) { return list(context, r, p); },
      route_options("List a consultation's notes, every version (audited)."));
  add_authorized_route(
      router, context, "GET", "/v1/consultations/{id}/notes/{nid}",
      [&context](Request& r, const access::Principal& p) { return read_note(context, r, p); },
      route_options("Read a note (audited)."));
  add_authorized_route(
      router, context, "PUT", "/v1/consultations/{id}/notes/{nid}",
      [&context](Request& r, const access::Principal& p) { return update(context, r, p); },
      route_options("Change a draft note: its author only; a signed note answers 409.", json_body));
  add_authorized_route(
      router, context, "POST", "/v1/consultations/{id}/notes/{nid}/sign",
      [&context](Request& r, const access::Principal& p) { return sign(context, r, p); },
      route_options("Sign a draft note: its author only; it never changes again."));
  add_authorized_route(
      router, context, "POST", "/v1/consultations/{id}/notes/{nid}/amend",
      [&context](Request& r, const access::Principal& p) { return amend(context, r, p); },
      route_options("Amend a signed note: a new draft version linked to it; both are kept.",
                    json_body));
}

}  // namespace wasl::api
