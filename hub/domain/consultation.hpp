// Consultation: one telehealth encounter, from appointment to archive, and
// the patient and practitioner it concerns.
//
// JSON wire form (the API's; snake_case; absent optionals are omitted; times
// are RFC 3339 UTC strings, see timestamp.hpp):
//
//   {"id": "…", "facility_id": "…", "workflow_name": "consultation",
//    "workflow_version": 3, "status": "scheduled", "type": "doctor_patient",
//    "appointment_ref": "Appointment/42", "scheduled_at": "2026-03-01T09:30:00.000Z",
//    "patient": {"reference": "Patient/7",
//                "summary": {"name": "…", "identifiers": [{"kind": "national_id", "value": "…"}],
//                            "phone": "…", "email": "…", "gender": "female",
//                            "birth_date": "1990-05-01", "gender_preference": "female",
//                            "diagnosis_codes": ["J06.9"]}},
//    "practitioner": {"reference": "Practitioner/3",
//                     "summary": {"name": "…", "identifier": "…"}},
//    "video_instance": "video.twilio-main", "video_room_id": "RM…",
//    "created_at": "…", "updated_at": "…", "ended_at": "…"}
//
// from_json throws nlohmann::json::exception for a missing field or a wrong
// JSON type and std::invalid_argument (naming the field, never its value)
// for an unknown enum name or a malformed time; consultation_from_json wraps
// that into a Result. Validation of limits and business rules belongs to the
// API layer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "wasl/sdk/result.hpp"

namespace wasl::domain {

enum class ConsultationStatus {
  kScheduled,
  kWaitingRoom,
  kInSession,
  kEnded,
  kArchived,
  kBilled,  // the claim is submitted
  kCompleted,
  kCancelled,
  kFailed,
  kNoShow,           // the patient never joined by the facility's no_show_after
  kClinicianNoShow,  // the patient came, no clinician joined before the room ended
};
std::string_view to_string(ConsultationStatus s);  // "scheduled", "waiting_room", …
std::optional<ConsultationStatus> parse_consultation_status(std::string_view name);
// True for completed, cancelled, failed, archived, no_show and
// clinician_no_show: nothing moves it further.
bool is_terminal(ConsultationStatus s);

enum class ConsultationType {
  kDoctorPatient,
  kMedicalTeam,
  kFamily,
  kSecondOpinion,
  kEmergency,
  kFollowUp,
  kRemoteMonitoring,
  kTraining,
};
std::string_view to_string(ConsultationType t);  // "doctor_patient", "medical_team", …
std::optional<ConsultationType> parse_consultation_type(std::string_view name);

enum class GenderPreference { kNone, kFemale, kMale };
std::string_view to_string(GenderPreference g);  // "none", "female", "male"
std::optional<GenderPreference> parse_gender_preference(std::string_view name);

enum class PatientIdentifierKind { kNationalId, kIqama, kMrn };
std::string_view to_string(PatientIdentifierKind k);  // "national_id", "iqama", "mrn"
std::optional<PatientIdentifierKind> parse_patient_identifier_kind(std::string_view name);

struct PatientIdentifier {
  PatientIdentifierKind kind = PatientIdentifierKind::kNationalId;
  std::string value;
  bool operator==(const PatientIdentifier&) const = default;
};

// PHI: stored only encrypted (consultations.patient_summary_enc).
struct PatientSummary {
  std::string name;  // UTF-8, Arabic allowed, kept byte for byte
  std::vector<PatientIdentifier> identifiers;
  std::optional<std::string> phone;
  std::optional<std::string> email;
  std::optional<std::string> gender;
  std::optional<std::string> birth_date;  // YYYY-MM-DD
  GenderPreference gender_preference = GenderPreference::kNone;
  std::vector<std::string> diagnosis_codes;
  bool operator==(const PatientSummary&) const = default;
};

struct PatientRef {
  std::optional<std::string> reference;  // e.g. "Patient/7" in the facility's EHR
  std::optional<PatientSummary> summary;
  bool operator==(const PatientRef&) const = default;
};

// PHI: stored only encrypted (consultations.practitioner_summary_enc).
struct PractitionerSummary {
  std::string name;
  std::optional<std::string> identifier;
  bool operator==(const PractitionerSummary&) const = default;
};

struct PractitionerRef {
  std::optional<std::string> reference;
  std::optional<PractitionerSummary> summary;
  bool operator==(const PractitionerRef&) const = default;
};

struct Consultation {
  std::string id;  // UUID text
  std::string facility_id;
  std::optional<std::string> workflow_name;
  std::optional<std::int64_t> workflow_version;
  ConsultationStatus status = ConsultationStatus::kScheduled;
  ConsultationType type = ConsultationType::kDoctorPatient;
  std::optional<std::string> appointment_ref;
  std::optional<std::int64_t> scheduled_at;  // epoch ms UTC
  PatientRef patient;
  PractitionerRef practitioner;
  std::optional<std::string> video_instance;
  std::optional<std::string> video_room_id;
  std::int64_t created_at = 0;  // epoch ms UTC
  std::int64_t updated_at = 0;
  std::optional<std::int64_t> ended_at;
  bool operator==(const Consultation&) const = default;
};

void to_json(nlohmann::json& j, const PatientIdentifier& v);
void from_json(const nlohmann::json& j, PatientIdentifier& v);
void to_json(nlohmann::json& j, const PatientSummary& v);
void from_json(const nlohmann::json& j, PatientSummary& v);
void to_json(nlohmann::json& j, const PatientRef& v);
void from_json(const nlohmann::json& j, PatientRef& v);
void to_json(nlohmann::json& j, const PractitionerSummary& v);
void from_json(const nlohmann::json& j, PractitionerSummary& v);
void to_json(nlohmann::json& j, const PractitionerRef& v);
void from_json(const nlohmann::json& j, PractitionerRef& v);
void to_json(nlohmann::json& j, const Consultation& v);
void from_json(const nlohmann::json& j, Consultation& v);

// from_json without exceptions: kInvalidArgument with a sentence naming the
// field at fault (never its value).
sdk::Result<Consultation> consultation_from_json(const nlohmann::json& j);

}  // namespace wasl::domain
