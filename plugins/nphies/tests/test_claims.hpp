// Requests for the NPHIES plugin's tests: a patient, practitioner, coverage,
// eligibility request and claim as the hub builds them. Test-only.
#pragma once

#include <nlohmann/json.hpp>

#include "plugins/nphies/settings.hpp"
#include "wasl/sdk/testing/schema_settings.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::plugins::nphies::testing {

// Settings as the hub hands them over: checked against schema.json, its
// defaults filled in; `profile_version` empty keeps the schema's default.
inline nlohmann::json test_settings_json(const std::string& profile_version = "") {
  nlohmann::json given = {{"base_url", "https://exchange.test"},
                          {"provider_base_url", "http://hospital.test"}};
  if (!profile_version.empty()) given["profile_version"] = profile_version;
  return sdk::testing::settings_from_schema(WASL_SOURCE_DIR "/plugins/nphies/schema.json", given);
}

inline NphiesSettings test_settings(const std::string& profile_version = "") {
  return parse_settings(test_settings_json(profile_version));
}

inline sdk::PatientSummary test_patient() {
  sdk::PatientSummary p;
  p.id = "patient-7";
  p.identifiers = {{"urn:oid:2.16.840.1.113883.3.1814", "2098765432"},
                   {"http://hospital.test/mrn", "MRN-1"}};
  p.given_name = "فاطمة";
  p.family_name = "الزهراني";
  p.birth_date = "1990-04-12";
  p.gender = "female";
  return p;
}

inline sdk::Coverage test_coverage() {
  sdk::Coverage c;
  c.id = "cov-1";
  c.status = "active";
  c.patient_id = "patient-7";
  c.payer_id = "N-I-00001";
  c.member_id = "M-10001";
  c.plan = "Gold";
  return c;
}

inline sdk::Claim test_claim(const std::string& key = "wasl-0123456789abcdef0123456789abcdef") {
  sdk::Claim claim;
  claim.idempotency_key = key;
  claim.patient_id = "patient-7";
  claim.coverage = test_coverage();
  claim.practitioner_id = "practitioner-3";
  claim.facility_id = "hospital-a";
  claim.encounter_id = "enc-9";
  claim.service_start_ms = 1763715600000;  // 2025-11-21T09:00:00Z
  claim.service_end_ms = 1763717400000;
  sdk::ClaimItem item;
  item.service_code = "83600-00-10";
  item.code_system = "http://nphies.sa/terminology/CodeSystem/services";
  item.unit_price = 150;
  item.tax = 22.5;
  claim.items = {item};
  claim.claim_type = "professional";
  claim.claim_subtype = "op";
  claim.provider_license = "N-F-00001";
  claim.payer_license = "N-I-00001";
  claim.provider_name = "Hospital A";
  claim.patient = test_patient();
  claim.practitioner.id = "practitioner-3";
  claim.practitioner.name = "Dr. Khalid Al-Harbi";
  claim.practitioner.identifiers = {{"http://nphies.sa/license/practitioner-license", "N-P-00003"}};
  claim.diagnoses = {sdk::Diagnosis{"Z71.9"}};
  return claim;
}

inline sdk::EligibilityRequest test_eligibility(const std::string& key = "wasl-eligibility-1") {
  sdk::EligibilityRequest r;
  r.idempotency_key = key;
  r.patient_id = "patient-7";
  r.coverage = test_coverage();
  r.facility_id = "hospital-a";
  r.service_date_ms = 1763715600000;
  r.provider_license = "N-F-00001";
  r.provider_name = "Hospital A";
  r.patient = test_patient();
  return r;
}

}  // namespace wasl::plugins::nphies::testing
