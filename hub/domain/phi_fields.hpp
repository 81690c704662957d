// The PHI the domain types hold, by the JSON member names their to_json
// writes. Each type that carries PHI declares its members beside its to_json
// (consultation.cpp, participant.cpp), the SDK's types here; phi_json_members()
// is their union.
// The log redactor and the error text stored in clear redact the values of
// these members wherever they appear in JSON text, so a new PHI member is
// covered once its type declares it, and a test holds each declaration to
// what to_json writes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace wasl::domain {

const std::vector<std::string_view>& patient_summary_phi_members();
const std::vector<std::string_view>& practitioner_summary_phi_members();
const std::vector<std::string_view>& participant_phi_members();
// The patient and her coverage as provider plugins report them
// (sdk::PatientSummary, sdk::Coverage), which workflows pass from step to
// step; `raw` is the provider's own resource (a FHIR Patient or Coverage).
const std::vector<std::string_view>& provider_patient_phi_members();
const std::vector<std::string_view>& provider_coverage_phi_members();

// Every PHI member name the domain types declare, each once.
std::vector<std::string> phi_json_members();

}  // namespace wasl::domain
