// ConsultationRequest: the body of POST /v1/consultations, validated.
//
//   {"type": "doctor_patient",               required; see domain::ConsultationType
//    "workflow": "consultation",              optional; default chosen by type
//    "appointment_id": "42",                  FHIR Appointment id in the facility's EHR
//    "scheduled_at": "2026-03-01T09:30:00+03:00",  required unless type is emergency
//    "patient": {"id": "7",                   FHIR Patient id, and/or an inline summary:
//                "name": "…", "identifiers": [{"kind": "national_id", "value": "…"}],
//                "phone": "…", "email": "…", "gender": "female",
//                "birth_date": "1990-05-01", "gender_preference": "female",
//                "diagnosis_codes": ["J06.9"]},
//    "practitioner": {"id": "3", "name": "…", "identifier": "…"},   optional
//    "notes": "…",                            optional, handed to the workflow
//    "slot": "khalid-0900",                   optional: a free Slot of the facility's EHR to
//                                             book (availability.hpp); or
//    "service": "telehealth-clinic"}          optional: a HealthcareService, its first free slot
//
// With slot or service (one of them), patient.id is required, appointment_id
// is not allowed (the booking makes the Appointment) and neither is
// scheduled_at with slot (the slot's start is the time); with service,
// scheduled_at is the earliest start wanted.
//
// Unknown members are refused (unknown_field), so a misspelt field never
// goes silently unused. Limits: names 200 characters, identifiers 64, phone
// 32, email 254, notes 2000, at most 10 identifiers and 20 diagnosis codes.
// FHIR ids are stored as references ("Patient/7").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/api/field_validator.hpp"
#include "hub/domain/consultation.hpp"
#include "hub/workflow/language/definition.hpp"

namespace wasl::api {

inline constexpr std::size_t kMaxNameChars = 200;
inline constexpr std::size_t kMaxIdentifierChars = 64;
inline constexpr std::size_t kMaxWorkflowNameChars = 128;
inline constexpr std::size_t kMaxNotesChars = 2000;

struct ConsultationRequest {
  domain::ConsultationType type = domain::ConsultationType::kDoctorPatient;
  std::optional<std::string> workflow;
  std::optional<std::string> appointment_id;
  std::optional<std::int64_t> scheduled_at;  // epoch ms UTC
  std::optional<std::string> patient_id;
  std::optional<domain::PatientSummary> patient;
  std::optional<std::string> practitioner_id;
  std::optional<domain::PractitionerSummary> practitioner;
  std::optional<std::string> notes;
  std::optional<std::string> slot;     // a FHIR Slot id to book
  std::optional<std::string> service;  // a FHIR HealthcareService id to book with
};

// Reads and checks `body`. Every problem goes into `validator`; the result
// is meaningful only when validator.ok(). A scheduled_at more than
// `past_tolerance_ms` before `now_ms` is refused (in_past) unless the type
// is emergency; an emergency without scheduled_at is scheduled at `now_ms`.
ConsultationRequest parse_consultation_request(const nlohmann::json& body, std::int64_t now_ms,
                                               std::int64_t past_tolerance_ms,
                                               FieldValidator& validator);

// The run's trigger (${trigger.…}): {"type", "appointment_id", "patient_id",
// "practitioner_id", "scheduled_at" (RFC 3339), "notes"}, each only when
// given. The inline summaries stay out of it: they are PHI kept encrypted
// with the consultation (${consultation.…} and the EHR serve workflows).
nlohmann::json trigger_of(const ConsultationRequest& request);

// The trigger members `definition` reads (${trigger.NAME…} in any step's
// input or correlation), by name.
std::vector<std::string> trigger_members_read(const workflow::WorkflowDefinition& definition);

// The request field that supplies trigger member `name` ("patient_id" →
// "patient.id"), or empty when the API has no such field.
std::string request_field_for_trigger(const std::string& name);

// Fills in the consultation's type, times and people from the request.
void apply_to(const ConsultationRequest& request, domain::Consultation& consultation);

}  // namespace wasl::api
