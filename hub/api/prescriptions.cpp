#include "hub/api/prescriptions.hpp"

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
#include "hub/clinical/medication_rules.hpp"
#include "hub/clinical/prescription_store.hpp"
#include "hub/records/consultation_store.hpp"

namespace wasl::api {
namespace {

using clinical::Prescription;
using clinical::RecordStatus;
using http::Request;
using http::Response;

constexpr std::size_t kMaxCodeChars = 64;
constexpr std::size_t kMaxShortChars = 256;
constexpr std::size_t kMaxInstructionChars = 4000;
constexpr std::size_t kMaxReasonChars = 1000;
constexpr std::int64_t kMaxQuantity = 100000;
constexpr std::int64_t kMaxRefills = 12;

std::string prescriptions_path(const std::string& consultation_id) {
  return "/v1/consultations/" + consultation_id + "/prescriptions/";
}

struct PrescriptionInput {
  clinical::Language language = clinical::Language::kArabic;
  clinical::PrescriptionDetails details;
  std::optional<std::string> system;  // as the request named it, if it did
};

// An integer member in [min, max]; absent: nullopt (an error when required).
std::optional<std::int64_t> integer(const nlohmann::json& object, std::string_view name,
                                    std::string_view prefix, std::int64_t min, std::int64_t max,
                                    bool required, FieldValidator& v) {
  const std::string field = FieldValidator::path(prefix, name);
  auto it = object.find(std::string(name));
  if (it == object.end() || it->is_null()) {
    if (required) v.add(field, "required", "is required");
    return std::nullopt;
  }
  if (!it->is_number_integer()) {
    v.add(field, "wrong_type", "must be an integer");
    return std::nullopt;
  }
  const auto value = it->get<std::int64_t>();
  if (value < min || value > max) {
    v.add(field, "out_of_range",
          "must be from " + std::to_string(min) + " to " + std::to_string(max));
    return std::nullopt;
  }
  return value;
}

std::optional<PrescriptionInput> parse_prescription(const nlohmann::json& body, FieldValidator& v) {
  v.reject_unknown(body,
                   {"language", "medication", "dose", "route", "frequency", "duration", "quantity",
                    "refills", "instructions"},
                   "");
  PrescriptionInput in;
  auto language =
      v.enumeration(body, "language", "", clinical::parse_language, "ar, en", /*required=*/true);
  const nlohmann::json* medication = v.object(body, "medication", "", /*required=*/true);
  std::optional<std::string> code;
  std::optional<std::string> text;
  if (medication != nullptr) {
    v.reject_unknown(*medication, {"code", "system", "text"}, "medication");
    code = v.text(*medication, "code", "medication", kMaxCodeChars, true);
    in.system = v.text(*medication, "system", "medication", kMaxShortChars, false);
    text = v.text(*medication, "text", "medication", kMaxShortChars, true);
  }
  auto dose = v.text(body, "dose", "", kMaxShortChars, true);
  auto route = v.text(body, "route", "", kMaxShortChars, true);
  auto frequency = v.text(body, "frequency", "", kMaxShortChars, true);
  auto duration = v.text(body, "duration", "", kMaxShortChars, true);
  const nlohmann::json* quantity = v.object(body, "quantity", "", /*required=*/true);
  std::optional<std::int64_t> quantity_value;
  std::optional<std::string> quantity_unit;
  if (quantity != nullptr) {
    v.reject_unknown(*quantity, {"value", "unit"}, "quantity");
    quantity_value = integer(*quantity, "value", "quantity", 1, kMaxQuantity, true, v);
    quantity_unit = v.text(*quantity, "unit", "quantity", kMaxShortChars, true);
  }
  auto refills = integer(body, "refills", "", 0, kMaxRefills, false, v);
  auto instructions = v.text(body, "instructions", "", kMaxInstructionChars, true);
  if (!v.ok() || !language || !code || !text || !dose || !route || !frequency || !duration ||
      !quantity_value || !quantity_unit || !instructions) {
    return std::nullopt;
  }
  in.language = *language;
  clinical::PrescriptionDetails& d = in.details;
  d.medication_code = std::move(*code);
  d.medication_text = std::move(*text);
  d.dose = std::move(*dose);
  d.route = std::move(*route);
  d.frequency = std::move(*frequency);
  d.duration = std::move(*duration);
  d.quantity = *quantity_value;
  d.quantity_unit = std::move(*quantity_unit);
  d.refills = refills.value_or(0);
  d.instructions = std::move(*instructions);
  return in;
}

// 404 unless the consultation is the caller's facility's.
std::optional<Response> check_prescription_consultation(ApiContext& ctx, const Request& request,
                                                        storage::Transaction& tx,
                                                        const access::Principal& principal,
                                                        const std::string& consultation_id) {
  records::ConsultationStore consultations(*ctx.cipher);
  auto c = consultations.get(tx, principal.facility_id, consultation_id);
  if (!c.ok()) return error_response(request, c.error(), MessageId::kConsultationNotFound);
  return std::nullopt;
}

Written written_prescription(const Request& request, const access::Principal& principal, int status,
                             const Prescription& p, std::string action) {
  Written w;
  w.response = json_response(status, clinical::prescription_json(p, /*with_details=*/true));
  w.event = request_event(request, principal, std::move(action), "prescription", p.id);
  w.event.detail = nlohmann::json{{"consultation_id", p.consultation_id},
                                  {"status", std::string(clinical::to_string(p.status))}}
                       .dump();
  if (status == 201) w.location = prescriptions_path(p.consultation_id) + p.id;
  return w;
}

// POST /v1/consultations/{id}/prescriptions
Response create(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string consultation_id = request.path_params.at("id");
  nlohmann::json body;
  if (auto problem = read_json_object(request, body)) return *problem;
  FieldValidator v;
  auto input = parse_prescription(body, v);
  if (!input) return validation_problem(request, 422, v.take());
  return idempotent_write(
      ctx, request, principal, body, prescriptions_path(consultation_id),
      [&](storage::Transaction& tx) -> std::variant<Written, Response> {
        // The consultation first: another facility's answers 404 before
        // anything of this facility's rules is told.
        if (auto missing =
                check_prescription_consultation(ctx, request, tx, principal, consultation_id)) {
          return std::move(*missing);
        }
        const config::FacilityConfig* facility = nullptr;
        if (ctx.config != nullptr) {
          auto f = ctx.config->facilities.find(principal.facility_id);
          if (f != ctx.config->facilities.end()) facility = &f->second;
        }
        const std::string system_key =
            "facilities." + principal.facility_id + ".clinical.medication_system";
        if (facility == nullptr || facility->clinical.medication_system.empty()) {
          return problem_response(request, 409, MessageId::kNoMedicationSystem, {system_key});
        }
        const std::string& system = facility->clinical.medication_system;
        if (input->system && *input->system != system) {
          return validation_problem(
              request, 422,
              {http::FieldError{"medication.system", "unknown_value",
                                "must be the facility's medication code system, " + system}});
        }
        if (auto rule = clinical::blocking_rule(*facility, input->details.medication_code)) {
          return problem_response(
              request, 422, MessageId::kMedicationBlocked, {*rule},
              {http::FieldError{"medication.code", "blocked",
                                "is on " + *rule + ": never prescribed by telehealth"}});
        }
        auto id = new_resource_id();
        if (!id.ok()) return error_response(request, id.error());
        const std::int64_t now = ctx.now_ms();
        Prescription p;
        p.id = *id;
        p.facility_id = principal.facility_id;
        p.consultation_id = consultation_id;
        p.language = input->language;
        p.details = input->details;
        p.details.medication_system = system;
        p.author = clinical::author_of(principal);
        p.created_at = now;
        p.updated_at = now;
        clinical::PrescriptionStore prescriptions(*ctx.cipher);
        if (auto inserted = prescriptions.insert(tx, p); !inserted.ok()) {
          return error_response(request, inserted.error());
        }
        return written_prescription(request, principal, 201, p, "prescription.create");
      });
}

// The prescription of the path, in the caller's facility and consultation.
std::variant<Prescription, Response> load_prescription(ApiContext& ctx, const Request& request,
                                                       storage::Transaction& tx,
                                                       const access::Principal& principal) {
  const std::string& cid = request.path_params.at("id");
  if (auto missing = check_prescription_consultation(ctx, request, tx, principal, cid)) {
    return std::move(*missing);
  }
  clinical::PrescriptionStore prescriptions(*ctx.cipher);
  auto p = prescriptions.get(tx, principal.facility_id, cid, request.path_params.at("rid"));
  if (!p.ok()) return error_response(request, p.error(), MessageId::kPrescriptionNotFound);
  return std::move(p).value();
}

// POST /v1/consultations/{id}/prescriptions/{rid}/sign
Response sign_prescription(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string consultation_id = request.path_params.at("id");
  return idempotent_write(
      ctx, request, principal, nlohmann::json::object(), prescriptions_path(consultation_id),
      [&](storage::Transaction& tx) -> std::variant<Written, Response> {
        auto loaded = load_prescription(ctx, request, tx, principal);
        if (auto* r = std::get_if<Response>(&loaded)) return std::move(*r);
        const Prescription& p = std::get<Prescription>(loaded);
        if (p.status != RecordStatus::kDraft) {
          return problem_response(request, 409, MessageId::kPrescriptionNotDraft,
                                  {std::string(clinical::to_string(p.status))});
        }
        if (!clinical::is_author(p.author, principal)) {
          return problem_response(request, 403, MessageId::kNotTheAuthor);
        }
        clinical::PrescriptionStore prescriptions(*ctx.cipher);
        auto signed_p =
            prescriptions.sign(tx, principal.facility_id, consultation_id, p.id, ctx.now_ms());
        if (!signed_p.ok()) {
          if (signed_p.error().code == sdk::ErrorCode::kFailedPrecondition) {
            return problem_response(request, 409, MessageId::kPrescriptionNotDraft,
                                    {std::string(clinical::to_string(p.status))});
          }
          return error_response(request, signed_p.error(), MessageId::kPrescriptionNotFound);
        }
        return written_prescription(request, principal, 200, *signed_p, "prescription.sign");
      });
}

// POST /v1/consultations/{id}/prescriptions/{rid}/cancel
Response cancel_prescription(ApiContext& ctx, Request& request,
                             const access::Principal& principal) {
  const std::string consultation_id = request.path_params.at("id");
  nlohmann::json body;
  if (auto problem = read_json_object(request, body)) return *problem;
  FieldValidator v;
  v.reject_unknown(body, {"reason"}, "");
  auto reason = v.text(body, "reason", "", kMaxReasonChars, /*required=*/true);
  if (!v.ok() || !reason) return validation_problem(request, 422, v.take());
  return idempotent_write(
      ctx, request, principal, body, prescriptions_path(consultation_id),
      [&](storage::Transaction& tx) -> std::variant<Written, Response> {
        auto loaded = load_prescription(ctx, request, tx, principal);
        if (auto* r = std::get_if<Response>(&loaded)) return std::move(*r);
        const Prescription& p = std::get<Prescription>(loaded);
        if (p.status == RecordStatus::kCancelled) {
          return problem_response(request, 409, MessageId::kPrescriptionCancelled);
        }
        clinical::PrescriptionStore prescriptions(*ctx.cipher);
        auto cancelled = prescriptions.cancel(tx, principal.facility_id, consultation_id, p.id,
                                              principal.actor(), *reason, ctx.now_ms());
        if (!cancelled.ok()) {
          if (cancelled.error().code == sdk::ErrorCode::kFailedPrecondition) {
            return problem_response(request, 409, MessageId::kPrescriptionCancelled);
          }
          return error_response(request, cancelled.error(), MessageId::kPrescriptionNotFound);
        }
        Written w =
            written_prescription(request, principal, 200, *cancelled, "prescription.cancel");
        w.event.detail = nlohmann::json{{"consultation_id", consultation_id},
                                        {"status", "cancelled"},
                                        {"was", std::string(clinical::to_string(p.status))}}
                             .dump();
        return w;
      });
}

// GET /v1/consultations/{id}/prescriptions/{rid}
Response read(ApiContext& ctx, Request& request, const access::Principal& principal) {
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  auto loaded = load_prescription(ctx, request, **tx, principal);
  if (auto* r = std::get_if<Response>(&loaded)) return std::move(*r);
  const Prescription& p = std::get<Prescription>(loaded);
  const bool details = access::reads_clinical_content(principal.role);
  audit::AuditEvent event =
      request_event(request, principal, "prescription.read", "prescription", p.id);
  event.detail = nlohmann::json{
      {"consultation_id", p.consultation_id},
      {"status", std::string(clinical::to_string(p.status))},
      {"content",
       details}}.dump();
  if (auto problem = commit_audited(*ctx.audit, request, **tx, event)) return *problem;
  return json_response(200, clinical::prescription_json(p, details));
}

// GET /v1/consultations/{id}/prescriptions
Response list(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string& cid = request.path_params.at("id");
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  if (auto missing = check_prescription_consultation(ctx, request, **tx, principal, cid))
    return *missing;
  clinical::PrescriptionStore prescriptions(*ctx.cipher);
  auto all = prescriptions.list(**tx, principal.facility_id, cid);
  if (!all.ok()) return error_response(request, all.error());
  const bool details = access::reads_clinical_content(principal.role);
  audit::AuditEvent event =
      request_event(request, principal, "prescription.list", "consultation", cid);
  event.detail = nlohmann::json{{"count", all->size()}, {"content", details}}.dump();
  if (auto problem = commit_audited(*ctx.audit, request, **tx, event)) return *problem;
  nlohmann::json items = nlohmann::json::array();
  for (const Prescription& p : *all) items.push_back(clinical::prescription_json(p, details));
  return json_response(200, nlohmann::json{{"items", std::move(items)}});
}

}  // namespace

void add_prescription_routes(http::Router& router, ApiContext& context) {
  const std::vector<std::string> json_body = {"application/json"};
  add_authorized_route(
      router, context, "POST", "/v1/consultations/{id}/prescriptions",
      [&context](Request& r, const access::Principal& p) { return create(context, r, p); },
      route_options("Prescribe a medication (a draft until its author signs it); a medication "
                    "on the facility's block list answers 422 naming the rule.",
                    json_body));
  add_authorized_route(
      router, context, "GET", "/v1/consultations/{id}/prescriptions",
      [&context](Request& r, const access::Principal& p) { return list(context, r, p); },
      route_options("List a consultation's prescriptions, cancelled ones included (audited)."));
  add_authorized_route(
      router, context, "GET", "/v1/consultations/{id}/prescriptions/{rid}",
      [&context](Request& r, const access::Principal& p) { return read(context, r, p); },
      route_options("Read a prescription (audited)."));
  add_authorized_route(
      router, context, "POST", "/v1/consultations/{id}/prescriptions/{rid}/sign",
      [&context](Request& r, const access::Principal& p) {
        return sign_prescription(context, r, p);
      },
      route_options("Sign a draft prescription: its author only."));
  add_authorized_route(
      router, context, "POST", "/v1/consultations/{id}/prescriptions/{rid}/cancel",
      [&context](Request& r, const access::Principal& p) {
        return cancel_prescription(context, r, p);
      },
      route_options("Cancel a prescription with a reason; it is kept, never deleted.", json_body));
}

}  // namespace wasl::api
