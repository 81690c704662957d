#include "plugins/moh/message_bundle.hpp"

#include <gtest/gtest.h>

#include "plugins/moh/fhir_terms.hpp"
#include "plugins/moh/tests/sample_reports.hpp"

namespace wasl::plugins::moh {
namespace {

using nlohmann::json;

const json& resource_of(const json& bundle, const std::string& type) {
  for (const auto& e : bundle["entry"]) {
    if (e["resource"]["resourceType"] == type) return e["resource"];
  }
  static const json kNone;
  ADD_FAILURE() << "no " << type;
  return kNone;
}

TEST(MessageBundle, CarriesTheEncounterPatientPractitionerAndFacility) {
  auto report = read_consultation_report(testing::sample_consultation_report());
  ASSERT_TRUE(report.ok()) << report.error().message;
  json bundle = message_bundle(*report);
  EXPECT_EQ(bundle["type"], "message");
  EXPECT_EQ(bundle["identifier"]["value"], "wasl-0123456789abcdef0123456789abcdef");
  EXPECT_EQ(bundle["timestamp"], "2025-03-01T12:00:00+03:00");
  ASSERT_EQ(bundle["entry"].size(), 5u);
  const json& header = bundle["entry"][0]["resource"];
  EXPECT_EQ(header["resourceType"], "MessageHeader");
  EXPECT_EQ(header["eventCoding"]["code"], "telehealth-consultation-report");
  EXPECT_EQ(header["focus"][0]["reference"], bundle["entry"][1]["fullUrl"]);

  const json& encounter = resource_of(bundle, "Encounter");
  EXPECT_EQ(encounter["class"]["code"], "VR");
  EXPECT_EQ(encounter["class"]["system"], "http://terminology.hl7.org/CodeSystem/v3-ActCode");
  EXPECT_EQ(encounter["status"], "finished");
  EXPECT_EQ(encounter["period"]["start"], "2025-03-01T08:00:00+03:00");
  EXPECT_EQ(encounter["period"]["extension"][0]["valueString"], "1446-09-01");
  EXPECT_EQ(encounter["serviceType"]["text"], "Telemedicine consultation");
  EXPECT_EQ(encounter["length"]["value"], 1800);
  ASSERT_EQ(encounter["extension"].size(), 2u);
  EXPECT_EQ(encounter["extension"][0]["url"], std::string(terms::kConsultationOutcomeExtension));
  EXPECT_EQ(encounter["extension"][0]["valueCoding"]["code"], "held");
  EXPECT_EQ(encounter["extension"][1]["url"], std::string(terms::kAttendeeSecondsExtension));
  EXPECT_EQ(encounter["extension"][1]["valueQuantity"]["value"], 3410);

  const json& patient = resource_of(bundle, "Patient");
  ASSERT_EQ(patient["identifier"].size(), 1u);
  EXPECT_EQ(patient["identifier"][0]["system"], std::string(terms::kIqamaSystem));
  EXPECT_EQ(patient["identifier"][0]["value"], "2123456789");
  EXPECT_FALSE(patient.contains("name"));

  EXPECT_EQ(resource_of(bundle, "Practitioner")["identifier"][0]["value"], "PR-0001");
  const json& organization = resource_of(bundle, "Organization");
  EXPECT_EQ(organization["identifier"][0]["system"], std::string(terms::kProviderLicenseSystem));
  EXPECT_EQ(organization["identifier"][0]["value"], "10000000000001");
}

TEST(MessageBundle, TheSameReportGivesTheSameBundle) {
  auto report = read_consultation_report(testing::sample_consultation_report());
  ASSERT_TRUE(report.ok());
  EXPECT_EQ(message_bundle(*report).dump(), message_bundle(*report).dump());
}

TEST(MessageBundle, ANameOnlyWhenTheHubSentOne) {
  auto report = read_consultation_report(testing::sample_consultation_report(true));
  ASSERT_TRUE(report.ok());
  const json bundle = message_bundle(*report);
  const json& patient = resource_of(bundle, "Patient");
  EXPECT_EQ(patient["name"][0]["family"], "الزهراني");
}

TEST(MessageBundle, CancelledConsultationsAreCancelledEncounters) {
  EXPECT_STREQ(encounter_status("cancelled"), "cancelled");
  EXPECT_STREQ(encounter_status("no_show"), "cancelled");
  EXPECT_STREQ(encounter_status("clinician_no_show"), "cancelled");
  EXPECT_STREQ(encounter_status("billed"), "finished");
  EXPECT_STREQ(encounter_status("in_session"), "in-progress");
  EXPECT_STREQ(encounter_status("failed"), "unknown");
}

// A no-show is a cancelled Encounter whose outcome extension says who did
// not come; a report without attendance (a hub before it) carries none.
TEST(MessageBundle, ANoShowSaysSoInItsOutcome) {
  auto r = testing::sample_consultation_report();
  r.body["consultation"]["status"] = "no_show";
  r.body["duration_seconds"] = 0;
  r.body["attendance"] = {{"outcome", "no_show"},
                          {"attendee_seconds", 0},
                          {"attendee_minutes", 0},
                          {"patient_joined", false},
                          {"clinician_joined", true}};
  auto report = read_consultation_report(r);
  ASSERT_TRUE(report.ok()) << report.error().message;
  const json bundle = message_bundle(*report);
  const json& encounter = resource_of(bundle, "Encounter");
  EXPECT_EQ(encounter["status"], "cancelled");
  EXPECT_EQ(encounter["extension"][0]["valueCoding"]["code"], "no-show");
  EXPECT_EQ(encounter["extension"][0]["valueCoding"]["system"],
            std::string(terms::kConsultationOutcomeSystem));

  r.body.erase("attendance");
  auto plain = read_consultation_report(r);
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(resource_of(message_bundle(*plain), "Encounter").contains("extension"));

  r.body["attendance"] = {{"outcome", "maybe"}};
  EXPECT_FALSE(read_consultation_report(r).ok());
}

TEST(ReportBody, MissingOrWrongMembersAreNamed) {
  auto expect = [](sdk::Report r, const std::string& member) {
    auto read = read_consultation_report(r);
    ASSERT_FALSE(read.ok()) << member;
    EXPECT_EQ(read.error().code, sdk::ErrorCode::kInvalidArgument);
    EXPECT_NE(read.error().message.find("'" + member + "'"), std::string::npos)
        << read.error().message;
    EXPECT_EQ(read.error().message.find("2123456789"), std::string::npos);
  };
  auto r = testing::sample_consultation_report();
  r.body["patient"]["identifiers"] = json::array();
  expect(r, "patient.identifiers");
  r = testing::sample_consultation_report();
  r.body["patient"]["identifiers"][0]["kind"] = "mrn";
  expect(r, "patient.identifiers[].kind");
  r = testing::sample_consultation_report();
  r.body.erase("facility");
  expect(r, "facility");
  r = testing::sample_consultation_report();
  r.body["facility"]["language"] = "fr";
  expect(r, "facility.language");
  r = testing::sample_consultation_report();
  r.body["period"]["label"] = "../../etc";
  expect(r, "period.label");
  r = testing::sample_consultation_report();
  r.idempotency_key.clear();
  EXPECT_FALSE(read_consultation_report(r).ok());
}

}  // namespace
}  // namespace wasl::plugins::moh
