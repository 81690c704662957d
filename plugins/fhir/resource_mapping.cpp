#include "plugins/fhir/resource_mapping.hpp"

#include "wasl/sdk/json_member.hpp"
#include "wasl/sdk/timestamp.hpp"

namespace wasl::plugins::fhir {
namespace {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

const json& array_at(const json& object, const char* key) {
  static const json kEmpty = json::array();
  if (!object.is_object()) return kEmpty;
  auto it = object.find(key);
  return it != object.end() && it->is_array() ? *it : kEmpty;
}

Error wrong_type(std::string_view expected) {
  return Error(ErrorCode::kInvalidArgument,
               "the EHR answered a resource that is not a " + std::string(expected), false);
}

std::vector<sdk::Identifier> identifiers(const json& resource) {
  std::vector<sdk::Identifier> out;
  for (const auto& id : array_at(resource, "identifier")) {
    std::string value = sdk::string_member(id, "value");
    if (value.empty()) continue;
    out.push_back({sdk::string_member(id, "system"), std::move(value)});
  }
  return out;
}

const json* chosen_name(const json& resource) {
  const json& names = array_at(resource, "name");
  for (const char* use : {"official", "usual"}) {
    for (const auto& name : names) {
      if (sdk::string_member(name, "use") == use) return &name;
    }
  }
  return names.empty() ? nullptr : &names.front();
}

std::string given(const json& name) {
  std::string out;
  for (const auto& part : array_at(name, "given")) {
    if (!part.is_string()) continue;
    if (!out.empty()) out += ' ';
    out += part.get<std::string>();
  }
  return out;
}

std::string full_name(const json& name) {
  std::string out;
  for (const auto& part : array_at(name, "prefix")) {
    if (part.is_string()) out += part.get<std::string>() + " ";
  }
  std::string g = given(name);
  std::string f = sdk::string_member(name, "family");
  if (g.empty() && f.empty()) return sdk::string_member(name, "text");
  out += g;
  if (!g.empty() && !f.empty()) out += ' ';
  return out + f;
}

std::string first_coding_code(const json& codeable) {
  for (const auto& coding : array_at(codeable, "coding")) {
    if (std::string code = sdk::string_member(coding, "code"); !code.empty()) return code;
  }
  return sdk::string_member(codeable, "text");
}

std::string ksa_gender(const json& patient) {
  auto element = patient.find("_gender");
  if (element == patient.end()) return {};
  for (const auto& ext : array_at(*element, "extension")) {
    if (sdk::string_member(ext, "url") != kKsaGenderExtension) continue;
    std::string code = first_coding_code(sdk::object_member(ext, "valueCodeableConcept"));
    if (code == "male" || code == "female" || code == "other" || code == "unknown") return code;
    if (code == "M") return "male";
    if (code == "F") return "female";
    if (code == "U") return "unknown";
    if (code == "N" || code == "O") return "other";
    return "unknown";
  }
  return {};
}

// The first contact point of `system` ("phone", "email"), a preferred
// `use` first ("mobile" for a phone, "home" for an e-mail); empty when there is none.
std::string contact(const json& resource, std::string_view system, std::string_view preferred) {
  std::string first;
  for (const auto& telecom : array_at(resource, "telecom")) {
    if (sdk::string_member(telecom, "system") != system) continue;
    std::string value = sdk::string_member(telecom, "value");
    if (value.empty()) continue;
    if (sdk::string_member(telecom, "use") == preferred) return value;
    if (first.empty()) first = value;
  }
  return first;
}

}  // namespace

std::optional<std::int64_t> parse_fhir_time(std::string_view text) {
  sdk::Iso8601Forms fhir;
  fhir.date_only = true;       // date
  fhir.without_offset = true;  // dateTime without a zone
  return sdk::parse_iso8601(text, fhir);
}

std::string reference_id(const json& reference, std::string_view type) {
  std::string ref = sdk::string_member(reference, "reference");
  if (auto history = ref.find("/_history/"); history != std::string::npos) ref.resize(history);
  const std::string prefix = std::string(type) + "/";
  auto at = ref.rfind(prefix);
  if (at == std::string::npos || (at != 0 && ref[at - 1] != '/')) return {};
  std::string id = ref.substr(at + prefix.size());
  return id.find('/') == std::string::npos ? id : std::string();
}

Result<sdk::PatientSummary> to_patient(const json& patient) {
  if (sdk::string_member(patient, "resourceType") != "Patient") return wrong_type("Patient");
  sdk::PatientSummary out;
  out.id = sdk::string_member(patient, "id");
  out.identifiers = identifiers(patient);
  if (const json* name = chosen_name(patient)) {
    out.given_name = given(*name);
    out.family_name = sdk::string_member(*name, "family");
    if (out.given_name.empty() && out.family_name.empty())
      out.given_name = sdk::string_member(*name, "text");
  }
  out.birth_date = sdk::string_member(patient, "birthDate");
  out.gender = sdk::string_member(patient, "gender");
  if (out.gender.empty()) out.gender = ksa_gender(patient);
  out.phone = contact(patient, "phone", "mobile");
  out.email = contact(patient, "email", "home");
  for (const auto& communication : array_at(patient, "communication")) {
    std::string language = first_coding_code(sdk::object_member(communication, "language"));
    if (language.empty()) continue;
    out.language = language;
    if (sdk::bool_member(communication, "preferred", false)) break;
  }
  out.raw = patient;
  return out;
}

Result<sdk::PractitionerSummary> to_practitioner(const json& practitioner) {
  if (sdk::string_member(practitioner, "resourceType") != "Practitioner")
    return wrong_type("Practitioner");
  sdk::PractitionerSummary out;
  out.id = sdk::string_member(practitioner, "id");
  out.identifiers = identifiers(practitioner);
  if (const json* name = chosen_name(practitioner)) out.name = full_name(*name);
  for (const auto& qualification : array_at(practitioner, "qualification")) {
    const json code = sdk::object_member(qualification, "code");
    out.specialty = sdk::string_member(code, "text");
    if (out.specialty.empty()) out.specialty = first_coding_code(code);
    if (!out.specialty.empty()) break;
  }
  out.raw = practitioner;
  return out;
}

Result<sdk::Appointment> to_appointment(const json& appointment) {
  if (sdk::string_member(appointment, "resourceType") != "Appointment")
    return wrong_type("Appointment");
  sdk::Appointment out;
  out.id = sdk::string_member(appointment, "id");
  out.status = sdk::string_member(appointment, "status");
  for (const auto& participant : array_at(appointment, "participant")) {
    const json actor = sdk::object_member(participant, "actor");
    if (out.patient_id.empty()) out.patient_id = reference_id(actor, "Patient");
    if (out.practitioner_id.empty()) out.practitioner_id = reference_id(actor, "Practitioner");
  }
  out.start_ms = parse_fhir_time(sdk::string_member(appointment, "start")).value_or(0);
  out.end_ms = parse_fhir_time(sdk::string_member(appointment, "end")).value_or(0);
  for (const auto& service : array_at(appointment, "serviceType")) {
    out.service_type = first_coding_code(service);
    if (!out.service_type.empty()) break;
  }
  if (auto meta = appointment.find("meta"); meta != appointment.end()) {
    out.version_id = sdk::string_member(*meta, "versionId");
  }
  out.raw = appointment;
  return out;
}

Result<sdk::Coverage> to_coverage(const json& coverage) {
  if (sdk::string_member(coverage, "resourceType") != "Coverage") return wrong_type("Coverage");
  sdk::Coverage out;
  out.id = sdk::string_member(coverage, "id");
  out.status = sdk::string_member(coverage, "status");
  out.patient_id = reference_id(sdk::object_member(coverage, "beneficiary"), "Patient");
  for (const auto& payor : array_at(coverage, "payor")) {
    out.payer_id = sdk::string_member(sdk::object_member(payor, "identifier"), "value");
    if (out.payer_id.empty()) out.payer_id = reference_id(payor, "Organization");
    if (!out.payer_id.empty()) break;
  }
  out.member_id = sdk::string_member(coverage, "subscriberId");
  for (const auto& id : array_at(coverage, "identifier")) {
    out.policy_number = sdk::string_member(id, "value");
    if (!out.policy_number.empty()) break;
  }
  if (out.member_id.empty()) out.member_id = out.policy_number;
  for (const auto& c : array_at(coverage, "class")) {
    if (first_coding_code(sdk::object_member(c, "type")) == "plan") {
      out.plan = sdk::string_member(c, "value");
      break;
    }
  }
  const json period = sdk::object_member(coverage, "period");
  out.period_start_ms = parse_fhir_time(sdk::string_member(period, "start")).value_or(0);
  out.period_end_ms = parse_fhir_time(sdk::string_member(period, "end")).value_or(0);
  out.raw = coverage;
  return out;
}

}  // namespace wasl::plugins::fhir
