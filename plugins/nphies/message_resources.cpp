#include "plugins/nphies/message_resources.hpp"

#include "plugins/nphies/fhir_time.hpp"
#include "plugins/nphies/nphies_vocabulary.hpp"

namespace wasl::plugins::nphies {

namespace v = vocabulary;
using nlohmann::json;

namespace {

json coding(std::string_view system, std::string_view code) {
  return {{"coding", json::array({{{"system", system}, {"code", code}}})}};
}

}  // namespace

json coverage_resource(const sdk::Coverage& coverage, std::string id,
                       const std::string& member_id_system, const std::string& patient_url,
                       const std::string& insurer_url) {
  const std::string member = coverage.member_id.empty() ? coverage.id : coverage.member_id;
  json resource = {
      {"resourceType", "Coverage"},
      {"id", std::move(id)},
      {"identifier", json::array({{{"system", member_id_system}, {"value", member}}})},
      {"status", "active"},
      {"type", coding(v::kCoverageType, "EHCPOL")},
      {"subscriber", {{"reference", patient_url}}},
      {"beneficiary", {{"reference", patient_url}}},
      {"relationship", coding(v::kSubscriberRelationship, "self")},
      {"payor", json::array({{{"reference", insurer_url}}})},
  };
  if (!coverage.plan.empty()) {
    resource["class"] = json::array(
        {{{"type", coding("http://terminology.hl7.org/CodeSystem/coverage-class", "plan")},
          {"value", coverage.plan}}});
  }
  if (!coverage.policy_number.empty()) resource["subscriberId"] = coverage.policy_number;
  if (coverage.period_start_ms > 0 || coverage.period_end_ms > 0) {
    json period = json::object();
    if (coverage.period_start_ms > 0) period["start"] = ksa_date(coverage.period_start_ms);
    if (coverage.period_end_ms > 0) period["end"] = ksa_date(coverage.period_end_ms);
    resource["period"] = period;
  }
  return resource;
}

json provider_organization(std::string id, const std::string& license, const std::string& name) {
  json resource = {
      {"resourceType", "Organization"},
      {"id", std::move(id)},
      {"identifier", json::array({{{"system", v::kProviderLicense}, {"value", license}}})},
      {"active", true},
      {"type", json::array({coding(v::kOrganizationType, "prov")})},
  };
  if (!name.empty()) resource["name"] = name;
  return resource;
}

json insurer_organization(std::string id, const std::string& license) {
  return {
      {"resourceType", "Organization"},
      {"id", std::move(id)},
      {"identifier", json::array({{{"system", v::kPayerLicense}, {"value", license}}})},
      {"active", true},
      {"type", json::array({coding(v::kOrganizationType, "ins")})},
  };
}

json practitioner_resource(const sdk::PractitionerSummary& practitioner, std::string id) {
  std::string license;
  for (const auto& identifier : practitioner.identifiers) {
    if (identifier.system == v::kPractitionerLicense && !identifier.value.empty()) {
      license = identifier.value;
      break;
    }
  }
  if (license.empty() && !practitioner.identifiers.empty()) {
    license = practitioner.identifiers.front().value;
  }
  if (license.empty()) license = practitioner.id;
  json resource = {
      {"resourceType", "Practitioner"},
      {"id", std::move(id)},
      {"identifier", json::array({{{"type", coding(v::kV20203, "MD")},
                                   {"system", v::kPractitionerLicense},
                                   {"value", license}}})},
      {"active", true},
  };
  if (!practitioner.name.empty()) {
    resource["name"] = json::array({{{"use", "official"}, {"text", practitioner.name}}});
  }
  return resource;
}

json virtual_encounter(std::string id, const std::string& encounter_identifier_system,
                       const std::string& encounter_id, const std::string& patient_url,
                       const std::string& provider_url, std::int64_t start_ms,
                       std::int64_t end_ms) {
  json period = {{"start", ksa_instant(start_ms)}};
  if (end_ms >= start_ms && end_ms > 0) period["end"] = ksa_instant(end_ms);
  return {
      {"resourceType", "Encounter"},
      {"id", std::move(id)},
      {"identifier",
       json::array({{{"system", encounter_identifier_system}, {"value", encounter_id}}})},
      {"status", "finished"},
      {"class", {{"system", v::kActCode}, {"code", "VR"}, {"display", "virtual"}}},
      {"subject", {{"reference", patient_url}}},
      {"period", std::move(period)},
      {"serviceProvider", {{"reference", provider_url}}},
  };
}

}  // namespace wasl::plugins::nphies
