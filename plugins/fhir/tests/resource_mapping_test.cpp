// Mapping over the official FHIR R4 examples of the read types
// (../shared/data/fhir) and over Saudi fixtures with Arabic names, national
// id and iqama.
#include "plugins/fhir/resource_mapping.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace wasl::plugins::fhir {
namespace {

using nlohmann::json;

json example(const std::string& file) {
  std::ifstream in(std::string(WASL_SHARED_DATA_DIR) + "/fhir/" + file);
  std::stringstream text;
  text << in.rdbuf();
  json parsed = json::parse(text.str(), nullptr, false);
  EXPECT_TRUE(parsed.is_object()) << file;
  return parsed;
}

// An Arabic-named Saudi patient, as an EHR in the Kingdom carries it: the
// Arabic name with its language extension and text, a Latin transliteration,
// national id and iqama, and only the KSA gender extension.
json saudi_patient() {
  return json::parse(R"({
    "resourceType": "Patient", "id": "sa-1",
    "identifier": [
      {"system": "http://nphies.sa/identifier/nationalid", "value": "1098765432"},
      {"system": "http://nphies.sa/identifier/iqama", "value": "2123456789"}],
    "name": [
      {"use": "official", "text": "فاطمة عبدالله الزهراني", "family": "الزهراني",
       "given": ["فاطمة", "عبدالله"],
       "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/language", "valueCode": "ar"}]},
      {"use": "usual", "family": "Al-Zahrani", "given": ["Fatimah"]}],
    "_gender": {"extension": [{
      "url": "http://nphies.sa/fhir/ksa/nphies-fs/StructureDefinition/extension-ksa-administrative-gender",
      "valueCodeableConcept": {"coding": [{
        "system": "http://nphies.sa/terminology/CodeSystem/ksa-administrative-gender", "code": "female"}]}}]},
    "birthDate": "1990-03-14",
    "telecom": [{"system": "email", "value": "f@example.sa"},
                {"system": "phone", "value": "+966112345678", "use": "home"},
                {"system": "phone", "value": "+966551234567", "use": "mobile"}],
    "communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "ar"}]}, "preferred": true}]
  })");
}

TEST(FhirResourceMapping, OfficialPatientExample) {
  auto patient = to_patient(example("Patient-example.json"));
  ASSERT_TRUE(patient.ok()) << patient.error().message;
  EXPECT_EQ(patient->id, "example");
  EXPECT_EQ(patient->given_name, "Peter James");
  EXPECT_EQ(patient->family_name, "Chalmers");
  EXPECT_EQ(patient->gender, "male");
  EXPECT_EQ(patient->birth_date, "1974-12-25");
  EXPECT_EQ(patient->phone, "(03) 3410 5613");  // the mobile one
  ASSERT_EQ(patient->identifiers.size(), 1u);
  EXPECT_EQ(patient->identifiers[0].system, "urn:oid:1.2.36.146.595.217.0.1");
  EXPECT_EQ(patient->identifiers[0].value, "12345");
  EXPECT_EQ(patient->raw, example("Patient-example.json"));
}

TEST(FhirResourceMapping, OfficialPractitionerExample) {
  auto practitioner = to_practitioner(example("Practitioner-example.json"));
  ASSERT_TRUE(practitioner.ok()) << practitioner.error().message;
  EXPECT_EQ(practitioner->id, "example");
  EXPECT_EQ(practitioner->name, "Dr Adam Careful");
  ASSERT_EQ(practitioner->identifiers.size(), 1u);
  EXPECT_EQ(practitioner->identifiers[0].value, "23");
  EXPECT_FALSE(practitioner->specialty.empty());
}

TEST(FhirResourceMapping, OfficialAppointmentExample) {
  auto appointment = to_appointment(example("Appointment-example.json"));
  ASSERT_TRUE(appointment.ok()) << appointment.error().message;
  EXPECT_EQ(appointment->id, "example");
  EXPECT_EQ(appointment->status, "booked");
  EXPECT_EQ(appointment->patient_id, "example");
  EXPECT_EQ(appointment->practitioner_id, "example");
  EXPECT_EQ(appointment->start_ms, *parse_fhir_time("2013-12-10T09:00:00Z"));
  EXPECT_EQ(appointment->end_ms, appointment->start_ms + 2 * 3600 * 1000);
  EXPECT_EQ(appointment->service_type, "52");
}

TEST(FhirResourceMapping, OfficialCoverageExample) {
  auto coverage = to_coverage(example("Coverage-9876B1.json"));
  ASSERT_TRUE(coverage.ok()) << coverage.error().message;
  EXPECT_EQ(coverage->id, "9876B1");
  EXPECT_EQ(coverage->status, "active");
  EXPECT_EQ(coverage->patient_id, "4");
  EXPECT_EQ(coverage->payer_id, "2");
  EXPECT_EQ(coverage->policy_number, "12345");
  EXPECT_EQ(coverage->plan, "B37FC");
  EXPECT_EQ(coverage->period_start_ms, *parse_fhir_time("2011-05-23"));
  EXPECT_EQ(coverage->period_end_ms, *parse_fhir_time("2012-05-23"));
}

TEST(FhirResourceMapping, ArabicNamesRoundTripByteForByte) {
  const json source = saudi_patient();
  auto patient = to_patient(source);
  ASSERT_TRUE(patient.ok()) << patient.error().message;
  EXPECT_EQ(patient->given_name, "فاطمة عبدالله");
  EXPECT_EQ(patient->family_name, "الزهراني");
  // Through the SDK's wire form and back, every name survives unchanged.
  json wire = json::parse(json(*patient).dump());
  auto back = wire.get<sdk::PatientSummary>();
  EXPECT_EQ(back.raw["name"][0]["text"].get<std::string>(), "فاطمة عبدالله الزهراني");
  EXPECT_EQ(back.raw.dump(), source.dump());
  EXPECT_EQ(back.given_name, "فاطمة عبدالله");
}

TEST(FhirResourceMapping, SaudiIdentifiersGenderExtensionAndMobile) {
  auto patient = to_patient(saudi_patient());
  ASSERT_TRUE(patient.ok());
  ASSERT_EQ(patient->identifiers.size(), 2u);
  EXPECT_EQ(patient->identifiers[0].system, "http://nphies.sa/identifier/nationalid");
  EXPECT_EQ(patient->identifiers[0].value, "1098765432");
  EXPECT_EQ(patient->identifiers[1].system, "http://nphies.sa/identifier/iqama");
  EXPECT_EQ(patient->gender, "female");
  EXPECT_EQ(patient->phone, "+966551234567");
  EXPECT_EQ(patient->email, "f@example.sa");  // the only e-mail, without a use
  EXPECT_EQ(patient->language, "ar");
  EXPECT_EQ(patient->birth_date, "1990-03-14");
}

TEST(FhirResourceMapping, RefusesAnotherResourceType) {
  EXPECT_EQ(to_patient(example("Practitioner-example.json")).error().code,
            sdk::ErrorCode::kInvalidArgument);
  EXPECT_FALSE(to_coverage(example("Patient-example.json")).ok());
}

TEST(FhirResourceMapping, FhirTimes) {
  EXPECT_EQ(*parse_fhir_time("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*parse_fhir_time("1970-01-01T03:00:00+03:00"), 0);
  EXPECT_EQ(*parse_fhir_time("1970-01-01T00:00:01.250Z"), 1250);
  EXPECT_EQ(*parse_fhir_time("1970-01-02"), 86400000);
  EXPECT_FALSE(parse_fhir_time("yesterday"));
  EXPECT_FALSE(parse_fhir_time("2024-13-01"));
  EXPECT_FALSE(parse_fhir_time("2024-01-01T10:00:00+0300"));
}

TEST(FhirResourceMapping, ReferenceIds) {
  EXPECT_EQ(reference_id({{"reference", "Patient/7"}}, "Patient"), "7");
  EXPECT_EQ(reference_id({{"reference", "https://ehr/fhir/Patient/7/_history/2"}}, "Patient"), "7");
  EXPECT_EQ(reference_id({{"reference", "Practitioner/7"}}, "Patient"), "");
  EXPECT_EQ(reference_id({{"reference", "XPatient/7"}}, "Patient"), "");
}

}  // namespace
}  // namespace wasl::plugins::fhir
