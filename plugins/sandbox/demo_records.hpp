// The fixed demo people and coverage the sandbox EHR answers with. Invented
// data: no real person. The patient's name is Arabic, to show UTF-8 text
// round-tripping byte for byte.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "wasl/sdk/types.hpp"

namespace wasl::plugins::sandbox {

inline constexpr std::string_view kDemoPatientId = "sandbox-patient-1";
inline constexpr std::string_view kDemoPractitionerId = "sandbox-practitioner-1";
inline constexpr std::string_view kDemoCoverageId = "sandbox-coverage-1";
inline constexpr std::int64_t kAppointmentMinutes = 30;

// The demo patient, answered under the id asked for.
sdk::PatientSummary demo_patient(const std::string& id);

// The demo practitioner, answered under the id asked for.
sdk::PractitionerSummary demo_practitioner(const std::string& id);

// The active coverage of `patient_id` (the demo patient when empty).
sdk::Coverage demo_coverage(const std::string& patient_id);

// A FHIR Appointment for the stored row, with the demo patient and practitioner.
sdk::Appointment demo_appointment(const std::string& id, std::int64_t start_ms,
                                  const std::string& status, std::int64_t version);

}  // namespace wasl::plugins::sandbox
