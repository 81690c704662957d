#include "hub/api/observations.hpp"

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
#include "hub/clinical/observation_store.hpp"
#include "hub/records/consultation_store.hpp"

namespace wasl::api {
namespace {

using clinical::Reporter;
using clinical::VitalKind;
using clinical::VitalObservation;
using http::Request;
using http::Response;

std::string observations_path(const std::string& consultation_id) {
  return "/v1/consultations/" + consultation_id + "/observations/";
}

struct ObservationInput {
  VitalKind kind = VitalKind::kHeartRate;
  std::string code;
  std::optional<Reporter> reported_by;
  std::optional<std::int64_t> effective_at;
  clinical::VitalValue value;
};

// A number member; absent or null: nullopt.
std::optional<double> number(const nlohmann::json& body, std::string_view name, FieldValidator& v) {
  auto it = body.find(std::string(name));
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_number()) {
    v.add(std::string(name), "wrong_type", "must be a number");
    return std::nullopt;
  }
  return it->get<double>();
}

std::optional<ObservationInput> parse_observation(const nlohmann::json& body, FieldValidator& v) {
  v.reject_unknown(
      body,
      {"kind", "code", "value", "systolic", "diastolic", "unit", "reported_by", "effective_at"},
      "");
  ObservationInput in;
  auto kind = v.enumeration(body, "kind", "", clinical::parse_vital_kind,
                            "blood_pressure, heart_rate, body_temperature, oxygen_saturation, "
                            "respiratory_rate, body_weight, blood_glucose",
                            /*required=*/false);
  auto code = v.text(body, "code", "", 16, /*required=*/false);
  in.reported_by = v.enumeration(body, "reported_by", "", clinical::parse_reporter,
                                 "patient, clinician", /*required=*/false);
  in.effective_at = v.timestamp(body, "effective_at", "", /*required=*/false);
  auto unit = v.text(body, "unit", "", 16, /*required=*/true);
  in.value.value = number(body, "value", v);
  in.value.systolic = number(body, "systolic", v);
  in.value.diastolic = number(body, "diastolic", v);
  std::optional<VitalKind> kind_of_code;
  if (code) {
    kind_of_code = clinical::kind_of_loinc(*code);
    if (!kind_of_code) {
      v.add("code", "unknown_value",
            "must be the LOINC code of a vital sign: 85354-9, 8867-4, 8310-5, 59408-5, 2708-6, "
            "9279-1, 29463-7, 2339-0");
    } else if (kind && *kind != *kind_of_code) {
      v.add("code", "unknown_value", "is not a code of the kind given");
    }
  } else if (!kind && (!body.contains("kind") || body["kind"].is_null())) {
    v.add("kind", "required", "give the kind or the LOINC code");
  }
  if (!v.ok() || !unit || (!kind && !kind_of_code)) return std::nullopt;
  in.kind = kind ? *kind : *kind_of_code;
  in.code = code ? *code : std::string(clinical::loinc_codes(in.kind).front());
  in.value.unit = std::move(*unit);
  for (clinical::VitalProblem& p : clinical::check_vital(in.kind, in.value)) {
    v.add(std::move(p.field), std::move(p.code), std::move(p.message));
  }
  if (!v.ok()) return std::nullopt;
  return in;
}

// 404 unless the consultation is the caller's facility's.
std::optional<Response> check_observation_consultation(ApiContext& ctx, const Request& request,
                                                       storage::Transaction& tx,
                                                       const access::Principal& principal,
                                                       const std::string& consultation_id) {
  records::ConsultationStore consultations(*ctx.cipher);
  auto c = consultations.get(tx, principal.facility_id, consultation_id);
  if (!c.ok()) return error_response(request, c.error(), MessageId::kConsultationNotFound);
  return std::nullopt;
}

nlohmann::json event_detail(const VitalObservation& o) {
  return {{"consultation_id", o.consultation_id},
          {"kind", std::string(clinical::to_string(o.kind))},
          {"code", o.code},
          {"reported_by", std::string(clinical::to_string(o.reported_by))}};
}

// POST /v1/consultations/{id}/observations
Response create(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string consultation_id = request.path_params.at("id");
  nlohmann::json body;
  if (auto problem = read_json_object(request, body)) return *problem;
  FieldValidator v;
  auto input = parse_observation(body, v);
  const std::int64_t now = ctx.now_ms();
  if (input) {
    // A hospital's system relays what the patient reports; only a
    // clinician reports a measurement of her own.
    if (principal.role != access::Role::kClinician && input->reported_by == Reporter::kClinician) {
      v.add("reported_by", "not_allowed", "a hospital key reports for the patient only");
    }
    if (input->effective_at && *input->effective_at > now + kEffectiveSkewMs) {
      v.add("effective_at", "out_of_range", "must not be more than 5 minutes in the future");
    }
  }
  if (!input || !v.ok()) return validation_problem(request, 422, v.take());
  return idempotent_write(
      ctx, request, principal, body, observations_path(consultation_id),
      [&](storage::Transaction& tx) -> std::variant<Written, Response> {
        if (auto missing =
                check_observation_consultation(ctx, request, tx, principal, consultation_id)) {
          return std::move(*missing);
        }
        auto id = new_resource_id();
        if (!id.ok()) return error_response(request, id.error());
        VitalObservation o;
        o.id = *id;
        o.facility_id = principal.facility_id;
        o.consultation_id = consultation_id;
        o.kind = input->kind;
        o.code = input->code;
        o.reported_by = input->reported_by.value_or(
            principal.role == access::Role::kClinician ? Reporter::kClinician : Reporter::kPatient);
        o.posted_by = clinical::author_of(principal);
        o.value = input->value;
        o.effective_at = input->effective_at.value_or(now);
        o.created_at = now;
        clinical::ObservationStore observations(*ctx.cipher);
        if (auto inserted = observations.insert(tx, o); !inserted.ok()) {
          return error_response(request, inserted.error());
        }
        Written w;
        w.response = json_response(201, clinical::observation_json(o, /*with_value=*/true));
        w.event = request_event(request, principal, "observation.create", "observation", o.id);
        w.event.detail = event_detail(o).dump();
        w.location = observations_path(consultation_id) + o.id;
        return w;
      });
}

// GET /v1/consultations/{id}/observations/{oid}
Response read(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string& cid = request.path_params.at("id");
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  if (auto missing = check_observation_consultation(ctx, request, **tx, principal, cid))
    return *missing;
  clinical::ObservationStore observations(*ctx.cipher);
  auto o = observations.get(**tx, principal.facility_id, cid, request.path_params.at("oid"));
  if (!o.ok()) return error_response(request, o.error(), MessageId::kObservationNotFound);
  const bool values = access::reads_clinical_content(principal.role);
  audit::AuditEvent event =
      request_event(request, principal, "observation.read", "observation", o->id);
  nlohmann::json detail = event_detail(*o);
  detail["content"] = values;
  event.detail = detail.dump();
  if (auto problem = commit_audited(*ctx.audit, request, **tx, event)) return *problem;
  return json_response(200, clinical::observation_json(*o, values));
}

// GET /v1/consultations/{id}/observations
Response list_observations(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string& cid = request.path_params.at("id");
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  if (auto missing = check_observation_consultation(ctx, request, **tx, principal, cid))
    return *missing;
  clinical::ObservationStore observations(*ctx.cipher);
  auto all = observations.list(**tx, principal.facility_id, cid);
  if (!all.ok()) return error_response(request, all.error());
  const bool values = access::reads_clinical_content(principal.role);
  audit::AuditEvent event =
      request_event(request, principal, "observation.list", "consultation", cid);
  event.detail = nlohmann::json{{"count", all->size()}, {"content", values}}.dump();
  if (auto problem = commit_audited(*ctx.audit, request, **tx, event)) return *problem;
  nlohmann::json items = nlohmann::json::array();
  for (const VitalObservation& o : *all) items.push_back(clinical::observation_json(o, values));
  return json_response(200, nlohmann::json{{"items", std::move(items)}});
}

}  // namespace

void add_observation_routes(http::Router& router, ApiContext& context) {
  const std::vector<std::string> json_body = {"application/json"};
  add_authorized_route(
      router, context, "POST", "/v1/consultations/{id}/observations",
      [&context](Request& r, const access::Principal& p) { return create(context, r, p); },
      route_options("Report a vital sign (LOINC code, UCUM unit, a possible value); a unit not "
                    "allowed for the code or an impossible value answers 422 naming the field.",
                    json_body));
  add_authorized_route(
      router, context, "GET", "/v1/consultations/{id}/observations",
      [&context](Request& r, const access::Principal& p) {
        return list_observations(context, r, p);
      },
      route_options("List a consultation's vital signs in the order they were taken (audited)."));
  add_authorized_route(
      router, context, "GET", "/v1/consultations/{id}/observations/{oid}",
      [&context](Request& r, const access::Principal& p) { return read(context, r, p); },
      route_options("Read a vital sign (audited)."));
}

}  // namespace wasl::api
