#include "hub/domain/consultation.hpp"

#include <stdexcept>

#include "hub/domain/enum_names.hpp"
#include "hub/domain/json_fields.hpp"
#include "hub/domain/phi_fields.hpp"

namespace wasl::domain {

using namespace json_fields;

namespace {

constexpr EnumNames<ConsultationStatus, 11> kStatusNames{{{
    {ConsultationStatus::kScheduled, "scheduled"},
    {ConsultationStatus::kWaitingRoom, "waiting_room"},
    {ConsultationStatus::kInSession, "in_session"},
    {ConsultationStatus::kEnded, "ended"},
    {ConsultationStatus::kArchived, "archived"},
    {ConsultationStatus::kBilled, "billed"},
    {ConsultationStatus::kCompleted, "completed"},
    {ConsultationStatus::kCancelled, "cancelled"},
    {ConsultationStatus::kFailed, "failed"},
    {ConsultationStatus::kNoShow, "no_show"},
    {ConsultationStatus::kClinicianNoShow, "clinician_no_show"},
}}};

constexpr EnumNames<ConsultationType, 8> kTypeNames{{{
    {ConsultationType::kDoctorPatient, "doctor_patient"},
    {ConsultationType::kMedicalTeam, "medical_team"},
    {ConsultationType::kFamily, "family"},
    {ConsultationType::kSecondOpinion, "second_opinion"},
    {ConsultationType::kEmergency, "emergency"},
    {ConsultationType::kFollowUp, "follow_up"},
    {ConsultationType::kRemoteMonitoring, "remote_monitoring"},
    {ConsultationType::kTraining, "training"},
}}};

constexpr EnumNames<GenderPreference, 3> kGenderPreferenceNames{{{
    {GenderPreference::kNone, "none"},
    {GenderPreference::kFemale, "female"},
    {GenderPreference::kMale, "male"},
}}};

constexpr EnumNames<PatientIdentifierKind, 3> kIdentifierKindNames{{{
    {PatientIdentifierKind::kNationalId, "national_id"},
    {PatientIdentifierKind::kIqama, "iqama"},
    {PatientIdentifierKind::kMrn, "mrn"},
}}};

}  // namespace

std::string_view to_string(ConsultationStatus s) { return kStatusNames.name(s); }
std::optional<ConsultationStatus> parse_consultation_status(std::string_view name) {
  return kStatusNames.parse(name);
}
bool is_terminal(ConsultationStatus s) {
  return s == ConsultationStatus::kCompleted || s == ConsultationStatus::kCancelled ||
         s == ConsultationStatus::kFailed || s == ConsultationStatus::kArchived ||
         s == ConsultationStatus::kNoShow || s == ConsultationStatus::kClinicianNoShow;
}

std::string_view to_string(ConsultationType t) { return kTypeNames.name(t); }
std::optional<ConsultationType> parse_consultation_type(std::string_view name) {
  return kTypeNames.parse(name);
}

std::string_view to_string(GenderPreference g) { return kGenderPreferenceNames.name(g); }
std::optional<GenderPreference> parse_gender_preference(std::string_view name) {
  return kGenderPreferenceNames.parse(name);
}

std::string_view to_string(PatientIdentifierKind k) { return kIdentifierKindNames.name(k); }
std::optional<PatientIdentifierKind> parse_patient_identifier_kind(std::string_view name) {
  return kIdentifierKindNames.parse(name);
}

void to_json(nlohmann::json& j, const PatientIdentifier& v) {
  j = nlohmann::json{{"kind", to_string(v.kind)}, {"value", v.value}};
}

void from_json(const nlohmann::json& j, PatientIdentifier& v) {
  v.kind = get_enum<PatientIdentifierKind>(j, "kind", parse_patient_identifier_kind);
  v.value = j.at("value").get<std::string>();
}

// The members below that identify the patient or describe her health
// (phi_fields.hpp); gender_preference is a setting, not PHI.
const std::vector<std::string_view>& patient_summary_phi_members() {
  static const std::vector<std::string_view> kMembers{
      "name", "identifiers", "phone", "email", "gender", "birth_date", "diagnosis_codes"};
  return kMembers;
}

void to_json(nlohmann::json& j, const PatientSummary& v) {
  j = nlohmann::json::object();
  j["name"] = v.name;
  j["identifiers"] = v.identifiers;
  put_optional(j, "phone", v.phone);
  put_optional(j, "email", v.email);
  put_optional(j, "gender", v.gender);
  put_optional(j, "birth_date", v.birth_date);
  j["gender_preference"] = to_string(v.gender_preference);
  j["diagnosis_codes"] = v.diagnosis_codes;
}

void from_json(const nlohmann::json& j, PatientSummary& v) {
  v.name = j.at("name").get<std::string>();
  v.identifiers.clear();
  if (auto it = j.find("identifiers"); it != j.end() && !it->is_null()) {
    v.identifiers = it->get<std::vector<PatientIdentifier>>();
  }
  get_optional(j, "phone", v.phone);
  get_optional(j, "email", v.email);
  get_optional(j, "gender", v.gender);
  get_optional(j, "birth_date", v.birth_date);
  v.gender_preference = get_enum_or<GenderPreference>(
      j, "gender_preference", parse_gender_preference, GenderPreference::kNone);
  v.diagnosis_codes.clear();
  if (auto it = j.find("diagnosis_codes"); it != j.end() && !it->is_null()) {
    v.diagnosis_codes = it->get<std::vector<std::string>>();
  }
}

void to_json(nlohmann::json& j, const PatientRef& v) {
  j = nlohmann::json::object();
  put_optional(j, "reference", v.reference);
  put_optional(j, "summary", v.summary);
}

void from_json(const nlohmann::json& j, PatientRef& v) {
  get_optional(j, "reference", v.reference);
  get_optional(j, "summary", v.summary);
}

const std::vector<std::string_view>& practitioner_summary_phi_members() {
  static const std::vector<std::string_view> kMembers{"name", "identifier"};
  return kMembers;
}

void to_json(nlohmann::json& j, const PractitionerSummary& v) {
  j = nlohmann::json{{"name", v.name}};
  put_optional(j, "identifier", v.identifier);
}

void from_json(const nlohmann::json& j, PractitionerSummary& v) {
  v.name = j.at("name").get<std::string>();
  get_optional(j, "identifier", v.identifier);
}

void to_json(nlohmann::json& j, const PractitionerRef& v) {
  j = nlohmann::json::object();
  put_optional(j, "reference", v.reference);
  put_optional(j, "summary", v.summary);
}

void from_json(const nlohmann::json& j, PractitionerRef& v) {
  get_optional(j, "reference", v.reference);
  get_optional(j, "summary", v.summary);
}

void to_json(nlohmann::json& j, const Consultation& v) {
  j = nlohmann::json::object();
  j["id"] = v.id;
  j["facility_id"] = v.facility_id;
  put_optional(j, "workflow_name", v.workflow_name);
  put_optional(j, "workflow_version", v.workflow_version);
  j["status"] = to_string(v.status);
  j["type"] = to_string(v.type);
  put_optional(j, "appointment_ref", v.appointment_ref);
  put_time(j, "scheduled_at", v.scheduled_at);
  j["patient"] = v.patient;
  j["practitioner"] = v.practitioner;
  put_optional(j, "video_instance", v.video_instance);
  put_optional(j, "video_room_id", v.video_room_id);
  j["created_at"] = format_timestamp(v.created_at);
  j["updated_at"] = format_timestamp(v.updated_at);
  put_time(j, "ended_at", v.ended_at);
}

void from_json(const nlohmann::json& j, Consultation& v) {
  v.id = j.value("id", std::string());
  v.facility_id = j.value("facility_id", std::string());
  get_optional(j, "workflow_name", v.workflow_name);
  get_optional(j, "workflow_version", v.workflow_version);
  v.status = get_enum_or<ConsultationStatus>(j, "status", parse_consultation_status,
                                             ConsultationStatus::kScheduled);
  v.type = get_enum<ConsultationType>(j, "type", parse_consultation_type);
  get_optional(j, "appointment_ref", v.appointment_ref);
  get_time(j, "scheduled_at", v.scheduled_at);
  v.patient = j.contains("patient") ? j.at("patient").get<PatientRef>() : PatientRef{};
  v.practitioner =
      j.contains("practitioner") ? j.at("practitioner").get<PractitionerRef>() : PractitionerRef{};
  get_optional(j, "video_instance", v.video_instance);
  get_optional(j, "video_room_id", v.video_room_id);
  std::optional<std::int64_t> t;
  get_time(j, "created_at", t);
  v.created_at = t.value_or(0);
  get_time(j, "updated_at", t);
  v.updated_at = t.value_or(0);
  get_time(j, "ended_at", v.ended_at);
}

sdk::Result<Consultation> consultation_from_json(const nlohmann::json& j) {
  try {
    return j.get<Consultation>();
  } catch (const nlohmann::json::exception& e) {
    // nlohmann's messages name keys and JSON types, never values.
    return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                      std::string("the consultation JSON does not fit: ") + e.what());
  } catch (const std::invalid_argument& e) {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument, e.what());
  }
}

}  // namespace wasl::domain
