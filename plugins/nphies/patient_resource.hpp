// The NPHIES Patient (profile "patient") for a PatientSummary: identifiers
// mapped to the NPHIES systems (national id, iqama, passport, border number)
// with their v2-0203 types, the name, birth date and the gender with the KSA
// administrative gender extension.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "plugins/nphies/settings.hpp"
#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::plugins::nphies {

// The NPHIES system for one of the patient's identifiers, or empty when it
// maps to none: a system already of nphies.sa is kept; one named in
// settings.patient_identifier_systems maps to its kind; otherwise a
// 10-digit value is a national id (1…), an iqama (2…) or a border number
// (3…, 4…, 5…).
std::string nphies_identifier_system(const sdk::Identifier& identifier,
                                     const NphiesSettings& settings);

// kInvalidArgument when no identifier maps to an NPHIES system or the gender
// is missing (never quoting the patient's data).
sdk::Result<nlohmann::json> patient_resource(const sdk::PatientSummary& patient, std::string id,
                                             const NphiesSettings& settings);

}  // namespace wasl::plugins::nphies
