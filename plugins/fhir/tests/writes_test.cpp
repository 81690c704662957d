// The Encounter and DocumentReference the plugin writes, and the FHIR
// instants in them. The same resources validated by a real FHIR server
// (the peer) are in tests/integration/fhir.
#include "plugins/fhir/writes.hpp"

#include <gtest/gtest.h>

#include "plugins/fhir/resource_mapping.hpp"
#include "plugins/fhir/tests/test_settings.hpp"
#include "wasl/sdk/timestamp.hpp"

namespace wasl::plugins::fhir {
namespace {

using nlohmann::json;

FhirSettings settings() {
  return testing::test_settings(
      {{"base_url", "https://ehr.test/fhir"}, {"auth", "none"}, {"service_provider", "kfsh"}});
}

sdk::EncounterRequest sample_encounter_request() {
  sdk::EncounterRequest r;
  r.idempotency_key = "c-42/encounter";
  r.appointment_id = "a1";
  r.patient_id = "p1";
  r.practitioner_id = "d1";
  r.start_ms = 1700000000000;
  r.end_ms = 1700001800000;
  return r;
}

TEST(FhirWrites, EncounterIsVirtualWithItsBusinessIdentifier) {
  auto encounter = encounter_resource(sample_encounter_request(), settings());
  ASSERT_TRUE(encounter.ok()) << encounter.error().message;
  const json expected = json::parse(R"({
    "resourceType": "Encounter",
    "identifier": [{"use": "official", "system": "urn:wasl:idempotency-key", "value": "c-42/encounter"}],
    "status": "finished",
    "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "VR", "display": "virtual"},
    "subject": {"reference": "Patient/p1"},
    "participant": [{"individual": {"reference": "Practitioner/d1"}}],
    "appointment": [{"reference": "Appointment/a1"}],
    "period": {"start": "2023-11-14T22:13:20.000Z", "end": "2023-11-14T22:43:20.000Z"},
    "serviceProvider": {"reference": "Organization/kfsh"}
  })");
  EXPECT_EQ(*encounter, expected);
}

TEST(FhirWrites, EncounterRefusesWhatR4Cannot) {
  auto r = sample_encounter_request();
  r.status = "done";
  EXPECT_EQ(encounter_resource(r, settings()).error().code, sdk::ErrorCode::kInvalidArgument);
  r = sample_encounter_request();
  r.patient_id = "../Patient";
  EXPECT_FALSE(encounter_resource(r, settings()).ok());
  r = sample_encounter_request();
  r.end_ms = r.start_ms - 1;
  EXPECT_FALSE(encounter_resource(r, settings()).ok());
  r = sample_encounter_request();
  r.idempotency_key.clear();
  EXPECT_FALSE(encounter_resource(r, settings()).ok());
}

// The attendance: the clinician's two periods as two participants naming
// the practitioner, the interpreter's as a translator, the patient's (the
// subject, who cannot be a participant in R4) as extensions; a period
// still open has no end.
TEST(FhirWrites, EncounterCarriesEachParticipantsPeriods) {
  auto r = sample_encounter_request();
  r.participants = {
      {"patient", "", {{1700000060000, 1700000600000}, {1700000700000, 1700001800000}}},
      {"clinician", "d1", {{1700000000000, 1700000900000}, {1700001000000, 1700001800000}}},
      {"interpreter", "", {{1700000100000, 0}}},
      {"guest", "", {{1700000200000, 1700000300000}}},
      {"clinician", "d7", {{1700000400000, 1700000500000}}},
  };
  auto encounter = encounter_resource(r, settings());
  ASSERT_TRUE(encounter.ok()) << encounter.error().message;
  const json expected_participants = json::parse(R"([
    {"type": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "PPRF", "display": "primary performer"}]}],
     "period": {"start": "2023-11-14T22:13:20.000Z", "end": "2023-11-14T22:28:20.000Z"},
     "individual": {"reference": "Practitioner/d1"}},
    {"type": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "PPRF", "display": "primary performer"}]}],
     "period": {"start": "2023-11-14T22:30:00.000Z", "end": "2023-11-14T22:43:20.000Z"},
     "individual": {"reference": "Practitioner/d1"}},
    {"type": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/participant-type", "code": "translator", "display": "Translator"}]}],
     "period": {"start": "2023-11-14T22:15:00.000Z"}},
    {"type": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "PART", "display": "Participation"}]}],
     "period": {"start": "2023-11-14T22:16:40.000Z", "end": "2023-11-14T22:18:20.000Z"}},
    {"type": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "SPRF", "display": "secondary performer"}]}],
     "period": {"start": "2023-11-14T22:20:00.000Z", "end": "2023-11-14T22:21:40.000Z"},
     "individual": {"reference": "Practitioner/d7"}}
  ])");
  EXPECT_EQ((*encounter)["participant"], expected_participants);
  const json expected_subject = json::parse(R"([
    {"url": "urn:wasl:fhir:encounter-subject-period",
     "valuePeriod": {"start": "2023-11-14T22:14:20.000Z", "end": "2023-11-14T22:23:20.000Z"}},
    {"url": "urn:wasl:fhir:encounter-subject-period",
     "valuePeriod": {"start": "2023-11-14T22:25:00.000Z", "end": "2023-11-14T22:43:20.000Z"}}
  ])");
  EXPECT_EQ((*encounter)["extension"], expected_subject);
  EXPECT_EQ((*encounter)["subject"]["reference"], "Patient/p1");
}

// A practitioner the attendance never saw is still the Encounter's
// performer of record, without a period.
TEST(FhirWrites, ThePractitionerStaysWhenTheAttendanceHasNoneOfItsPeriods) {
  auto r = sample_encounter_request();
  r.participants = {{"patient", "", {{1700000060000, 1700000600000}}}};
  auto encounter = encounter_resource(r, settings());
  ASSERT_TRUE(encounter.ok()) << encounter.error().message;
  EXPECT_EQ((*encounter)["participant"],
            json::parse(R"([{"individual": {"reference": "Practitioner/d1"}}])"));
  EXPECT_EQ((*encounter)["extension"].size(), 1u);
}

TEST(FhirWrites, AttendanceR4CannotHoldIsRefused) {
  auto r = sample_encounter_request();
  r.participants = {{"visitor", "", {{1700000060000, 1700000600000}}}};
  EXPECT_EQ(encounter_resource(r, settings()).error().code, sdk::ErrorCode::kInvalidArgument);
  r.participants = {{"patient", "", {{1700000600000, 1700000060000}}}};
  EXPECT_FALSE(encounter_resource(r, settings()).ok());
  r.participants = {{"patient", "", {{0, 1700000060000}}}};
  EXPECT_FALSE(encounter_resource(r, settings()).ok());
  r.participants = {{"clinician", "../d1", {{1700000060000, 1700000600000}}}};
  EXPECT_FALSE(encounter_resource(r, settings()).ok());
  r.participants = {{"guest", "", {}}};
  r.participants[0].periods.assign(kMaxEncounterPeriods + 1, {1700000060000, 1700000600000});
  EXPECT_FALSE(encounter_resource(r, settings()).ok());
}

TEST(FhirWrites, RecordingDocumentLinksTheArchiveWithItsDigestAndSize) {
  sdk::DocumentRequest r;
  r.idempotency_key = "c-42/recording";
  r.patient_id = "p1";
  r.encounter_id = "e9";
  r.type_code = "11488-4";
  r.title = "Consultation recording";
  r.content_type = "video/mp4";
  r.url = "https://hub.test/v1/recordings/r1/content";
  r.size_bytes = 1048576;
  r.sha256_hex = std::string(64, 'a');
  auto document = document_reference_resource(r, settings());
  ASSERT_TRUE(document.ok()) << document.error().message;
  EXPECT_EQ((*document)["identifier"][0]["value"], "c-42/recording");
  EXPECT_EQ((*document)["status"], "current");
  EXPECT_EQ((*document)["type"]["coding"][0]["system"], "http://loinc.org");
  EXPECT_EQ((*document)["context"]["encounter"][0]["reference"], "Encounter/e9");
  const json& attachment = (*document)["content"][0]["attachment"];
  EXPECT_EQ(attachment["url"], r.url);
  EXPECT_EQ(attachment["size"], 1048576);
  EXPECT_EQ(attachment["extension"][0]["url"], kSha256Extension);
  EXPECT_EQ(attachment["extension"][0]["valueString"], r.sha256_hex);
  EXPECT_FALSE(attachment.contains("data"));
}

TEST(FhirWrites, DocumentNeedsExactlyOneContentAndAGoodDigest) {
  sdk::DocumentRequest r;
  r.idempotency_key = "k";
  r.patient_id = "p1";
  r.content_type = "text/plain";
  EXPECT_FALSE(document_reference_resource(r, settings()).ok());  // neither
  r.data_base64 = "bm90ZQ==";
  auto note = document_reference_resource(r, settings());
  ASSERT_TRUE(note.ok());
  EXPECT_EQ((*note)["content"][0]["attachment"]["data"], "bm90ZQ==");
  r.url = "https://hub.test/x";
  EXPECT_FALSE(document_reference_resource(r, settings()).ok());  // both
  r.url.clear();
  r.sha256_hex = "abc";
  EXPECT_FALSE(document_reference_resource(r, settings()).ok());
}

TEST(FhirWrites, InstantsRoundTrip) {
  EXPECT_EQ(sdk::format_iso8601(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(sdk::format_iso8601(951782400123), "2000-02-29T00:00:00.123Z");
  EXPECT_EQ(sdk::format_iso8601(-1), "1969-12-31T23:59:59.999Z");
  for (std::int64_t ms : {0LL, 1700000000000LL, 4102444799999LL}) {
    EXPECT_EQ(*parse_fhir_time(sdk::format_iso8601(ms)), ms);
  }
}

TEST(FhirWrites, AppointmentStatuses) {
  EXPECT_TRUE(is_appointment_status("fulfilled"));
  EXPECT_TRUE(is_appointment_status("checked-in"));
  EXPECT_FALSE(is_appointment_status("done"));
}

}  // namespace
}  // namespace wasl::plugins::fhir
