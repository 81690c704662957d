#include "plugins/sandbox/demo_records.hpp"

namespace wasl::plugins::sandbox {
namespace {

using nlohmann::json;

constexpr const char* kNationalIdSystem = "http://nphies.sa/identifier/nationalid";
constexpr const char* kLicenseSystem = "http://nphies.sa/license/practitioner-license";
constexpr std::int64_t kCoverageStartMs = 1704067200000;  // 2024-01-01T00:00:00Z
constexpr std::int64_t kCoverageEndMs = 4102444800000;    // 2100-01-01T00:00:00Z

}  // namespace

sdk::PatientSummary demo_patient(const std::string& id) {
  sdk::PatientSummary p;
  p.id = id;
  p.identifiers = {{kNationalIdSystem, "1000000001"}};
  p.given_name = "فاطمة";
  p.family_name = "الزهراني";
  p.birth_date = "1990-04-12";
  p.gender = "female";
  p.phone = "+966500000001";
  p.language = "ar";
  p.raw = {{"resourceType", "Patient"},
           {"id", id},
           {"identifier", {{{"system", kNationalIdSystem}, {"value", "1000000001"}}}},
           {"name", {{{"use", "official"}, {"family", p.family_name}, {"given", {p.given_name}}}}},
           {"gender", p.gender},
           {"birthDate", p.birth_date},
           {"telecom", {{{"system", "phone"}, {"value", p.phone}}}},
           {"communication", {{{"language", {{"coding", {{{"code", "ar"}}}}}}}}}};
  return p;
}

sdk::PractitionerSummary demo_practitioner(const std::string& id) {
  sdk::PractitionerSummary p;
  p.id = id;
  p.identifiers = {{kLicenseSystem, "SANDBOX-LIC-0001"}};
  p.name = "Dr. Khalid Al-Harbi";
  p.specialty = "Family medicine";
  p.raw = {{"resourceType", "Practitioner"},
           {"id", id},
           {"identifier", {{{"system", kLicenseSystem}, {"value", "SANDBOX-LIC-0001"}}}},
           {"name", {{{"text", p.name}, {"family", "Al-Harbi"}, {"given", {"Khalid"}},
                      {"prefix", {"Dr."}}}}}};
  return p;
}

sdk::Coverage demo_coverage(const std::string& patient_id) {
  sdk::Coverage c;
  c.id = std::string(kDemoCoverageId);
  c.status = "active";
  c.patient_id = patient_id.empty() ? std::string(kDemoPatientId) : patient_id;
  c.payer_id = "sandbox-payer";
  c.member_id = "SANDBOX-MEMBER-0001";
  c.policy_number = "SANDBOX-POLICY-0001";
  c.plan = "Sandbox Gold";
  c.period_start_ms = kCoverageStartMs;
  c.period_end_ms = kCoverageEndMs;
  c.raw = {{"resourceType", "Coverage"},
           {"id", c.id},
           {"status", c.status},
           {"beneficiary", {{"reference", "Patient/" + c.patient_id}}},
           {"payor", {{{"identifier", {{"value", c.payer_id}}}}}},
           {"subscriberId", c.member_id},
           {"period", {{"start", "2024-01-01"}, {"end", "2100-01-01"}}}};
  return c;
}

sdk::Appointment demo_appointment(const std::string& id, std::int64_t start_ms,
                                  const std::string& status, std::int64_t version) {
  sdk::Appointment a;
  a.id = id;
  a.status = status;
  a.patient_id = std::string(kDemoPatientId);
  a.practitioner_id = std::string(kDemoPractitionerId);
  a.start_ms = start_ms;
  a.end_ms = start_ms + kAppointmentMinutes * 60 * 1000;
  a.service_type = "virtual-consultation";
  a.version_id = std::to_string(version);
  a.raw = {{"resourceType", "Appointment"},
           {"id", id},
           {"meta", {{"versionId", a.version_id}}},
           {"status", status},
           {"serviceType", {{{"text", a.service_type}}}},
           {"participant",
            {{{"actor", {{"reference", "Patient/" + a.patient_id}}}, {"status", "accepted"}},
             {{"actor", {{"reference", "Practitioner/" + a.practitioner_id}}},
              {"status", "accepted"}}}}};
  return a;
}

}  // namespace wasl::plugins::sandbox
