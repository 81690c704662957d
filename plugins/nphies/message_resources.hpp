// The NPHIES resources a request message carries besides its focal resource
// and the Patient: the Coverage, the provider and insurer Organizations, the
// Practitioner and the virtual Encounter. Each answers JSON with
// resourceType and id; MessageBuilder::add() puts the profile on.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "wasl/sdk/types.hpp"

namespace wasl::plugins::nphies {

// Profile "coverage": the member id, the policy's class and payor.
nlohmann::json coverage_resource(const sdk::Coverage& coverage, std::string id,
                                 const std::string& member_id_system,
                                 const std::string& patient_url, const std::string& insurer_url);

// Profile "provider-organization".
nlohmann::json provider_organization(std::string id, const std::string& license,
                                     const std::string& name);

// Profile "insurer-organization".
nlohmann::json insurer_organization(std::string id, const std::string& license);

// Profile "practitioner": the practitioner licence when the EHR gave one
// (an identifier whose system is the NPHIES practitioner licence, or the
// first identifier otherwise).
nlohmann::json practitioner_resource(const sdk::PractitionerSummary& practitioner, std::string id);

// Profile "encounter-auth-VR": class VR (v3 ActCode, virtual), finished,
// the session's period, the patient and the provider.
nlohmann::json virtual_encounter(std::string id, const std::string& encounter_identifier_system,
                                 const std::string& encounter_id, const std::string& patient_url,
                                 const std::string& provider_url, std::int64_t start_ms,
                                 std::int64_t end_ms);

}  // namespace wasl::plugins::nphies
