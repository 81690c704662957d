#include "hub/api/consultation_request.hpp"

#include <set>

#include "hub/domain/timestamp.hpp"
#include "hub/workflow/language/value_template.hpp"

namespace wasl::api {
namespace {

constexpr std::string_view kTypes =
    "doctor_patient, medical_team, family, second_opinion, emergency, follow_up, "
    "remote_monitoring, training";

bool is_birth_date(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  int month = (s[5] - '0') * 10 + (s[6] - '0');
  int day = (s[8] - '0') * 10 + (s[9] - '0');
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

bool is_workflow_name(const std::string& s) {
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::optional<domain::PatientSummary> read_patient_summary(const nlohmann::json& p,
                                                           FieldValidator& v) {
  const std::string prefix = "patient";
  domain::PatientSummary s;
  bool any = false;
  if (auto name = v.text(p, "name", prefix, kMaxNameChars, false)) {
    s.name = *name;
    any = true;
  }
  if (const nlohmann::json* ids = v.array(p, "identifiers", prefix, 10, false)) {
    for (std::size_t i = 0; i < ids->size(); ++i) {
      std::string item_prefix = prefix + ".identifiers[" + std::to_string(i) + "]";
      const nlohmann::json& item = (*ids)[i];
      if (!item.is_object()) {
        v.add(item_prefix, "wrong_type", "must be an object {kind, value}");
        continue;
      }
      v.reject_unknown(item, {"kind", "value"}, item_prefix);
      auto kind = v.enumeration(item, "kind", item_prefix, domain::parse_patient_identifier_kind,
                                "national_id, iqama, mrn", true);
      auto value = v.text(item, "value", item_prefix, kMaxIdentifierChars, true);
      if (kind && value) s.identifiers.push_back({*kind, *value});
    }
    any = any || !ids->empty();
  }
  if (auto phone = v.text(p, "phone", prefix, 32, false)) {
    s.phone = phone;
    any = true;
  }
  if (auto email = v.text(p, "email", prefix, 254, false)) {
    if (email->find('@') == std::string::npos) {
      v.add(prefix + ".email", "invalid_format", "must be an email address");
    }
    s.email = email;
    any = true;
  }
  if (auto gender = v.text(p, "gender", prefix, 16, false)) {
    if (*gender != "male" && *gender != "female" && *gender != "other" && *gender != "unknown") {
      v.add(prefix + ".gender", "unknown_value", "must be one of: male, female, other, unknown");
    }
    s.gender = gender;
    any = true;
  }
  if (auto birth = v.text(p, "birth_date", prefix, 10, false)) {
    if (!is_birth_date(*birth)) {
      v.add(prefix + ".birth_date", "invalid_format", "must be a date YYYY-MM-DD");
    }
    s.birth_date = birth;
    any = true;
  }
  if (auto pref = v.enumeration(p, "gender_preference", prefix, domain::parse_gender_preference,
                                "none, female, male", false)) {
    s.gender_preference = *pref;
    any = true;
  }
  if (const nlohmann::json* codes = v.array(p, "diagnosis_codes", prefix, 20, false)) {
    for (std::size_t i = 0; i < codes->size(); ++i) {
      const nlohmann::json& code = (*codes)[i];
      std::string field = prefix + ".diagnosis_codes[" + std::to_string(i) + "]";
      if (!code.is_string()) {
        v.add(field, "wrong_type", "must be a string");
      } else if (code.get_ref<const std::string&>().empty() ||
                 code.get_ref<const std::string&>().size() > 16) {
        v.add(field, "too_long", "must be 1 to 16 characters");
      } else {
        s.diagnosis_codes.push_back(code.get<std::string>());
      }
    }
    any = any || !codes->empty();
  }
  if (!any) return std::nullopt;
  if (s.name.empty()) v.add(prefix + ".name", "required", "is required with an inline summary");
  return s;
}

}  // namespace

ConsultationRequest parse_consultation_request(const nlohmann::json& body, std::int64_t now_ms,
                                               std::int64_t past_tolerance_ms, FieldValidator& v) {
  ConsultationRequest r;
  v.reject_unknown(body,
                   {"type", "workflow", "appointment_id", "scheduled_at", "patient", "practitioner",
                    "notes", "slot", "service"},
                   "");
  auto type = v.enumeration(body, "type", "", domain::parse_consultation_type, kTypes, true);
  if (type) r.type = *type;
  const bool emergency = type && *type == domain::ConsultationType::kEmergency;

  if (auto workflow = v.text(body, "workflow", "", 64, false)) {
    if (!is_workflow_name(*workflow)) {
      v.add("workflow", "invalid_format", "must be a workflow name: a-z, 0-9, '_' or '-'");
    }
    r.workflow = workflow;
  }
  r.appointment_id = v.fhir_id(body, "appointment_id", "", false);
  r.slot = v.fhir_id(body, "slot", "", false);
  r.service = v.fhir_id(body, "service", "", false);
  const bool booking = body.contains("slot") || body.contains("service");
  if (body.contains("slot") && body.contains("service")) {
    v.add("slot", "conflict", "give a slot or a service, not both");
  }
  if (booking && body.contains("appointment_id")) {
    v.add("appointment_id", "conflict", "the booking of the slot makes the appointment");
  }
  if (body.contains("slot") && body.contains("scheduled_at")) {
    v.add("scheduled_at", "conflict", "the slot's start is the consultation's time");
  }
  r.scheduled_at = v.timestamp(body, "scheduled_at", "", !emergency && !booking);
  if (r.scheduled_at && !emergency && *r.scheduled_at < now_ms - past_tolerance_ms) {
    v.add("scheduled_at", "in_past", "must not be in the past (allowed only for emergency)");
  }
  if (emergency && !r.scheduled_at) r.scheduled_at = now_ms;

  if (const nlohmann::json* p = v.object(body, "patient", "", true)) {
    v.reject_unknown(*p,
                     {"id", "name", "identifiers", "phone", "email", "gender", "birth_date",
                      "gender_preference", "diagnosis_codes"},
                     "patient");
    r.patient_id = v.fhir_id(*p, "id", "patient", false);
    r.patient = read_patient_summary(*p, v);
    if (!r.patient_id && !r.patient && v.ok()) {
      v.add("patient", "required", "needs an id or an inline summary with a name");
    }
    if (booking && !p->contains("id")) {
      v.add("patient.id", "required", "is required to book a slot in the EHR");
    }
  }
  if (const nlohmann::json* p = v.object(body, "practitioner", "", false)) {
    v.reject_unknown(*p, {"id", "name", "identifier"}, "practitioner");
    r.practitioner_id = v.fhir_id(*p, "id", "practitioner", false);
    auto name = v.text(*p, "name", "practitioner", kMaxNameChars, false);
    auto identifier = v.text(*p, "identifier", "practitioner", kMaxIdentifierChars, false);
    if (name) {
      r.practitioner = domain::PractitionerSummary{*name, identifier};
    } else if (identifier) {
      v.add("practitioner.name", "required", "is required with an inline summary");
    }
    if (!r.practitioner_id && !name && !identifier && v.ok()) {
      v.add("practitioner", "required", "needs an id or an inline summary with a name");
    }
  }
  r.notes = v.text(body, "notes", "", kMaxNotesChars, false);
  return r;
}

nlohmann::json trigger_of(const ConsultationRequest& r) {
  nlohmann::json t = nlohmann::json::object();
  t["type"] = std::string(domain::to_string(r.type));
  if (r.appointment_id) t["appointment_id"] = *r.appointment_id;
  if (r.patient_id) t["patient_id"] = *r.patient_id;
  if (r.practitioner_id) t["practitioner_id"] = *r.practitioner_id;
  if (r.scheduled_at) t["scheduled_at"] = domain::format_timestamp(*r.scheduled_at);
  if (r.notes) t["notes"] = *r.notes;
  return t;
}

std::vector<std::string> trigger_members_read(const workflow::WorkflowDefinition& definition) {
  std::set<std::string> names;
  auto scan = [&names](const workflow::Step& step) {
    std::vector<workflow::ReferenceSite> sites;
    std::vector<workflow::TemplateProblem> problems;
    if (!step.with.is_null()) workflow::collect_references(step.with, "with", sites, problems);
    if (!step.correlation.empty()) {
      workflow::collect_references(nlohmann::json(step.correlation), "correlation", sites,
                                   problems);
    }
    for (const auto& site : sites) {
      if (site.reference.root == workflow::ReferenceRoot::kTrigger &&
          !site.reference.path.empty()) {
        names.insert(site.reference.path.front());
      }
    }
  };
  for (const auto& step : definition.steps) scan(step);
  for (const auto& step : definition.compensations) scan(step);
  return {names.begin(), names.end()};
}

std::string request_field_for_trigger(const std::string& name) {
  if (name == "type" || name == "appointment_id" || name == "scheduled_at" || name == "notes") {
    return name;
  }
  if (name == "patient_id") return "patient.id";
  if (name == "practitioner_id") return "practitioner.id";
  return {};
}

void apply_to(const ConsultationRequest& r, domain::Consultation& c) {
  c.type = r.type;
  c.scheduled_at = r.scheduled_at;
  if (r.appointment_id) c.appointment_ref = "Appointment/" + *r.appointment_id;
  if (r.patient_id) c.patient.reference = "Patient/" + *r.patient_id;
  c.patient.summary = r.patient;
  if (r.practitioner_id) c.practitioner.reference = "Practitioner/" + *r.practitioner_id;
  c.practitioner.summary = r.practitioner;
}

}  // namespace wasl::api
