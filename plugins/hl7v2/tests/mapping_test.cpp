// The mapping of segments to the SDK's summaries over the standard's example
// messages (messages/) and messages varied from them.
#include "plugins/hl7v2/mapping.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "plugins/hl7v2/hl7_time.hpp"
#include "plugins/hl7v2/tests/standard_messages.hpp"
#include "plugins/hl7v2/tests/test_settings.hpp"

namespace wasl::plugins::hl7v2 {
namespace {

using ::wasl::hl7v2::standard_message;

Er7Message parsed_message(const std::string& text) {
  auto message = Er7Message::parse(text);
  if (!message.ok()) throw std::invalid_argument(message.error().message);
  return std::move(message).value();
}

// `text` with the first occurrence of `from` replaced by `to`.
std::string text_with(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  if (at == std::string::npos) throw std::invalid_argument("no " + from + " in the message");
  return text.replace(at, from.size(), to);
}

const std::int64_t kJan2003 = *parse_hl7_time("20030110", 180);

TEST(Hl7TimeTest, ReadsEachPrecisionAndOffset) {
  EXPECT_EQ(parse_hl7_time("20030115103000+0000", 180), 1042626600000);
  EXPECT_EQ(parse_hl7_time("200301151330+0300", 0), 1042626600000);
  EXPECT_EQ(parse_hl7_time("200301151330", 180), 1042626600000);
  EXPECT_EQ(parse_hl7_time("20030115133000.25", 180), 1042626600250);
  EXPECT_EQ(parse_hl7_time("2003", 0), 1041379200000);
  EXPECT_EQ(parse_hl7_time("20030230", 0), std::nullopt);
  EXPECT_EQ(parse_hl7_time("2003011524", 0), std::nullopt);
  EXPECT_EQ(parse_hl7_time("200301151", 0), std::nullopt);
  EXPECT_EQ(parse_hl7_time("20030115+3000", 0), std::nullopt);
  EXPECT_EQ(parse_hl7_time("", 0), std::nullopt);
  EXPECT_EQ(hl7_date_to_fhir("19560129"), "1956-01-29");
  EXPECT_EQ(hl7_date_to_fhir("195601"), "1956-01");
  EXPECT_EQ(hl7_date_to_fhir("195601291200"), "1956-01-29");
  EXPECT_EQ(hl7_date_to_fhir("19561329"), std::nullopt);
  EXPECT_EQ(format_hl7_time(1042626600000, 180, true), "20030115133000+0300");
  EXPECT_EQ(format_hl7_time(1042626600000, 0, false), "20030115103000");
}

TEST(MappingTest, AppointmentOfTheS12Example) {
  const Er7Message m = parsed_message(standard_message("siu_s12"));
  auto appointment = map_appointment(m, "S12", testing::test_settings());
  ASSERT_TRUE(appointment.ok()) << appointment.error().text;
  const sdk::Appointment& a = appointment.value();
  EXPECT_EQ(a.id, "10345");
  EXPECT_EQ(a.status, "booked");
  EXPECT_EQ(a.patient_id, "191919");
  EXPECT_EQ(a.practitioner_id, "0148");
  EXPECT_EQ(a.service_type, "99213");
  // SCH-11.4 200301151030 at +0300; SCH-9/10 30 min.
  EXPECT_EQ(a.start_ms, *parse_hl7_time("200301151030+0300", 0));
  EXPECT_EQ(a.end_ms - a.start_ms, 30 * 60000);
  EXPECT_EQ(a.raw["start"], "2003-01-15T07:30:00.000Z");
  EXPECT_EQ(a.raw["participant"].size(), 2u);

  auto practitioner = map_practitioner(m, testing::test_settings());
  ASSERT_TRUE(practitioner.ok());
  ASSERT_TRUE(practitioner.value().has_value());
  EXPECT_EQ(practitioner.value()->id, "0148");
  EXPECT_EQ(practitioner.value()->name, "JAMES ADDISON");
}

TEST(MappingTest, AppointmentFallsBackAndTakesItsStatusFromTheTrigger) {
  const Hl7v2Settings settings = testing::test_settings({{"default_duration", 20}});
  std::string text = standard_message("siu_s12");
  // No filler id: the placer's; no SCH-11 nor SCH-9: AIS-4 and AIS-7/8 (in hours).
  text = text_with(text, "SCH|10345^SCHEDULER|10345^SCHEDULER|", "SCH|P-77^SCHEDULER||");
  text = text_with(text, "|30|min|^^30^200301151030^200301151100|", "||||");
  text = text_with(text, "|200301151030|0|min|30|min|Booked", "|200301151030|0|min|1|h|Booked");
  auto a = map_appointment(parsed_message(text), "S14", settings);
  ASSERT_TRUE(a.ok()) << a.error().text;
  EXPECT_EQ(a.value().id, "P-77");
  EXPECT_EQ(a.value().end_ms - a.value().start_ms, 3600000);

  // Neither duration: default_duration minutes.
  text = text_with(text, "|200301151030|0|min|1|h|Booked", "|200301151030|||||Booked");
  a = map_appointment(parsed_message(text), "S12", settings);
  ASSERT_TRUE(a.ok()) << a.error().text;
  EXPECT_EQ(a.value().end_ms - a.value().start_ms, 20 * 60000);

  const Er7Message s12 = parsed_message(standard_message("siu_s12"));
  EXPECT_EQ(map_appointment(s12, "S15", settings).value().status, "cancelled");
  EXPECT_EQ(map_appointment(s12, "S17", settings).value().status, "cancelled");
  EXPECT_EQ(map_appointment(s12, "S26", settings).value().status, "noshow");
  // SCH-25 refines a booking message's status.
  const Er7Message started =
      parsed_message(text_with(standard_message("siu_s12"), "||Booked\r", "||Started\r"));
  EXPECT_EQ(map_appointment(started, "S14", settings).value().status, "arrived");
  const Er7Message complete =
      parsed_message(text_with(standard_message("siu_s12"), "||Booked\r", "||Complete\r"));
  EXPECT_EQ(map_appointment(complete, "S14", settings).value().status, "fulfilled");
}

TEST(MappingTest, AppointmentErrorsAreAckErrors) {
  const Hl7v2Settings settings = testing::test_settings();
  const std::string s12 = standard_message("siu_s12");
  auto a = map_appointment(
      parsed_message(text_with(s12, "SCH|10345^SCHEDULER|10345^SCHEDULER|", "SCH|||")), "S12",
      settings);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().hl7_code, "101");
  EXPECT_EQ(a.error().location, "SCH^1^2^1^1");

  a = map_appointment(parsed_message(text_with(s12, "SCH|10345^SCHEDULER|10345^SCHEDULER|",
                                               "SCH|10345^SCHEDULER|10 345/x^SCHEDULER|")),
                      "S12", settings);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().hl7_code, "102");

  a = map_appointment(parsed_message(text_with(s12, "^^30^200301151030^", "^^30^2003011510XX^")),
                      "S12", settings);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().hl7_code, "102");
  EXPECT_EQ(a.error().location, "SCH^1^11^1^4");

  a = map_appointment(parsed_message(text_with(s12, "|30|min|", "|30|fortnight|")), "S12",
                      settings);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().hl7_code, "103");
  EXPECT_EQ(a.error().location, "SCH^1^10");

  // A patient without an MR identifier.
  a = map_appointment(
      parsed_message(text_with(s12, "PID|||191919^^^GENHOS^MR|", "PID|||191919^^^GENHOS^AN|")),
      "S12", settings);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().hl7_code, "101");
  EXPECT_EQ(a.error().location, "PID^1^3");
  // No PHI in the text: the id is not quoted.
  EXPECT_EQ(a.error().text.find("191919"), std::string::npos);
}

TEST(MappingTest, PatientOfTheA04Example) {
  const Er7Message m = parsed_message(standard_message("adt_a04"));
  auto patient = map_patient(m, testing::test_settings());
  ASSERT_TRUE(patient.ok()) << patient.error().text;
  const sdk::PatientSummary& p = patient.value();
  EXPECT_EQ(p.id, "191919");
  ASSERT_EQ(p.identifiers.size(), 2u);
  EXPECT_EQ(p.identifiers[0].system, "urn:wasl:hl7v2:mrn");
  EXPECT_EQ(p.identifiers[0].value, "191919");
  // USSSA^SS has no system in the Saudi defaults.
  EXPECT_EQ(p.identifiers[1].system, "");
  EXPECT_EQ(p.identifiers[1].value, "371-66-9256");
  EXPECT_EQ(p.family_name, "MASSIE");
  EXPECT_EQ(p.given_name, "JAMES A");
  EXPECT_EQ(p.birth_date, "1956-01-29");
  EXPECT_EQ(p.gender, "male");
  EXPECT_EQ(p.phone, "(900)485-5344");
  EXPECT_EQ(p.raw["resourceType"], "Patient");
  EXPECT_EQ(p.raw["identifier"][0]["type"]["coding"][0]["code"], "MR");

  // PV1-7 is the practitioner of an ADT message.
  auto practitioner = map_practitioner(m, testing::test_settings());
  ASSERT_TRUE(practitioner.ok());
  ASSERT_TRUE(practitioner.value().has_value());
  EXPECT_EQ(practitioner.value()->id, "0148");
  EXPECT_EQ(practitioner.value()->name, "ADDISON,JAMES");

  // IN1|0|0|BC1|BLUE CROSS|…: one coverage; IN1|2|""|"" carries none.
  auto coverages = map_coverages(m, p.id, testing::test_settings(), kJan2003);
  ASSERT_TRUE(coverages.ok()) << coverages.error().text;
  ASSERT_EQ(coverages.value().size(), 1u);
  const sdk::Coverage& c = coverages.value()[0];
  EXPECT_EQ(c.payer_id, "BC1");
  EXPECT_EQ(c.plan, "0");
  EXPECT_EQ(c.patient_id, "191919");
  EXPECT_EQ(c.status, "active");
  EXPECT_EQ(c.raw["payor"][0]["display"], "BLUE CROSS");
  EXPECT_TRUE(is_resource_id(c.id));
}

TEST(MappingTest, PatientIdentifiersFollowTheSettings) {
  const Hl7v2Settings settings =
      testing::test_settings({{"patient_id_from", "PI"},
                              {"identifier_systems",
                               {{"^NI", "http://nphies.sa/identifier/nationalid"},
                                {"^PRC", "http://nphies.sa/identifier/iqama"},
                                {"KFSH^PI", "urn:oid:2.16.682.1.1"},
                                {"KFSH^", "urn:kfsh:other"}}}});
  const std::string text =
      "MSH|^~\\&|HIS|KFSH|WASL||20240501101500+0300||ADT^A08^ADT_A01|9|P|2.5.1\r"
      "PID|||1098765432^^^MOI^NI~P-55^^^KFSH^PI~2123456789^^^MOI^PRC~X1^^^KFSH^XX||"
      "Ali^Ahmed^Saleh^^Dr.^^L||19800515|F|||||+966500000001^PRN^CP~^NET^Internet^a@b.sa||ara\r";
  auto patient = map_patient(parsed_message(text), settings);
  ASSERT_TRUE(patient.ok()) << patient.error().text;
  const sdk::PatientSummary& p = patient.value();
  EXPECT_EQ(p.id, "P-55");
  ASSERT_EQ(p.identifiers.size(), 4u);
  EXPECT_EQ(p.identifiers[0].system, "http://nphies.sa/identifier/nationalid");
  EXPECT_EQ(p.identifiers[1].system, "urn:oid:2.16.682.1.1");
  EXPECT_EQ(p.identifiers[2].system, "http://nphies.sa/identifier/iqama");
  EXPECT_EQ(p.identifiers[3].system, "urn:kfsh:other");
  EXPECT_EQ(p.given_name, "Ahmed Saleh");
  EXPECT_EQ(p.gender, "female");
  EXPECT_EQ(p.phone, "+966500000001");
  EXPECT_EQ(p.language, "ar");
  EXPECT_EQ(p.raw["name"][0]["use"], "official");

  const std::string bad_sex = text_with(text, "|19800515|F|", "|19800515|Q|");
  auto refused = map_patient(parsed_message(bad_sex), settings);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().hl7_code, "103");
  EXPECT_EQ(refused.error().location, "PID^1^8");
}

TEST(MappingTest, UpdateOfTheA08ExampleIsTheSamePatient) {
  auto patient = map_patient(parsed_message(standard_message("adt_a08")), testing::test_settings());
  ASSERT_TRUE(patient.ok());
  EXPECT_EQ(patient.value().id, "191919");
}

TEST(MappingTest, MergeOfTheA40Example) {
  auto merges = map_merges(parsed_message(standard_message("adt_a40")), testing::test_settings());
  ASSERT_TRUE(merges.ok()) << merges.error().text;
  ASSERT_EQ(merges.value().size(), 1u);
  EXPECT_EQ(merges.value()[0].prior_id, "MR2");
  EXPECT_EQ(merges.value()[0].patient.id, "MR1");

  const std::string self = text_with(standard_message("adt_a40"), "MRG|MR2", "MRG|MR1");
  auto refused = map_merges(parsed_message(self), testing::test_settings());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().location, "MRG^1^1");
}

TEST(MappingTest, CoverageEndsWithItsExpirationDay) {
  std::string in1 = "IN1";
  const std::map<int, std::string> fields = {
      {1, "1"},         {2, "GOLD^Gold plan"}, {3, "7001001^^^CHI"}, {4, "Tawuniya"},
      {12, "20240101"}, {13, "20241231"},      {36, "POL-9"},        {49, "M-123"}};
  for (int i = 1; i <= 49; ++i) in1 += "|" + (fields.count(i) ? fields.at(i) : std::string());
  const std::string text =
      "MSH|^~\\&|HIS|KFSH|WASL||20240501101500||ADT^A08^ADT_A01|9|P|2.5.1\r"
      "PID|||P-1^^^^MR\r" +
      in1 + "\r";
  const Hl7v2Settings settings = testing::test_settings();
  const Er7Message m = parsed_message(text);
  auto in_force = map_coverages(m, "P-1", settings, *parse_hl7_time("20241231235959", 180));
  ASSERT_TRUE(in_force.ok()) << in_force.error().text;
  const sdk::Coverage& c = in_force.value().at(0);
  EXPECT_EQ(c.status, "active");
  EXPECT_EQ(c.plan, "GOLD");
  EXPECT_EQ(c.payer_id, "7001001");
  EXPECT_EQ(c.policy_number, "POL-9");
  EXPECT_EQ(c.member_id, "M-123");
  EXPECT_EQ(c.period_start_ms, *parse_hl7_time("20240101", 180));
  EXPECT_EQ(c.raw["period"]["end"], "2024-12-31");
  EXPECT_EQ(coverage_status(c, *parse_hl7_time("20250101", 180)), "cancelled");
  // The id depends on the patient, plan, payer and policy only.
  auto again = map_coverages(m, "P-1", settings, 0);
  EXPECT_EQ(again.value().at(0).id, c.id);
  EXPECT_NE(map_coverages(m, "P-2", settings, 0).value().at(0).id, c.id);
}

TEST(MappingTest, SettingsRefuseWhatTheSchemaCannot) {
  EXPECT_THROW(testing::test_settings({{"identifier_systems", {{"NI", "urn:x:y"}}}}),
               std::invalid_argument);
  EXPECT_THROW(testing::test_settings({{"time_zone_offset", "+1500"}}), std::invalid_argument);
  const Hl7v2Settings s = testing::test_settings({{"time_zone_offset", "-0430"}});
  EXPECT_EQ(s.time_zone_offset_minutes, -270);
  EXPECT_EQ(testing::test_settings().outbound.port, 2575);
  EXPECT_EQ(identifier_system(testing::test_settings(), "ANY", "NI"),
            "http://nphies.sa/identifier/nationalid");
}

}  // namespace
}  // namespace wasl::plugins::hl7v2
