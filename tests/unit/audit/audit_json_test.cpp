#include "hub/audit/audit_json.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace wasl::audit {
namespace {

using nlohmann::json;

StoredAuditEvent stored(std::string action, std::string outcome) {
  StoredAuditEvent s;
  s.seq = 42;
  s.event.occurred_at = 1714552200125;  // 2024-05-01T08:30:00.125Z
  s.event.actor = "apikey:0b7e";
  s.event.facility_id = "kfsh";
  s.event.action = std::move(action);
  s.event.entity_type = "consultation";
  s.event.entity_id = "c-123";
  s.event.outcome = std::move(outcome);
  s.event.request_id = "req-9";
  s.event.source_address = "10.0.0.7";
  s.event.detail = R"({"fields":["status"]})";
  s.prev_hash = std::string(64, '0');
  s.hash = std::string(64, 'f');
  return s;
}

TEST(Rfc3339Test, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(format_rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339_ms(1714552200125), "2024-05-01T08:30:00.125Z");
  EXPECT_EQ(format_rfc3339_ms(951782400999), "2000-02-29T00:00:00.999Z");
}

TEST(AuditJsonTest, PlainJsonCarriesEveryField) {
  json j = to_json(stored("consultation.read", "success"));
  EXPECT_EQ(j["seq"], 42);
  EXPECT_EQ(j["occurred_at"], "2024-05-01T08:30:00.125Z");
  EXPECT_EQ(j["actor"], "apikey:0b7e");
  EXPECT_EQ(j["facility_id"], "kfsh");
  EXPECT_EQ(j["entity_id"], "c-123");
  EXPECT_EQ(j["detail"]["fields"][0], "status");
  EXPECT_EQ(j["hash"], std::string(64, 'f'));

  StoredAuditEvent bare = stored("auth.failed", "failure");
  bare.event.facility_id.clear();
  bare.event.detail.clear();
  json b = to_json(bare);
  EXPECT_TRUE(b["facility_id"].is_null());
  EXPECT_TRUE(b["detail"].is_null());
  EXPECT_TRUE(b["session"].is_null());
  // Only a person's event has a name to show.
  EXPECT_FALSE(j.contains("actor_name"));
}

const std::string kPersonId = "psn_00112233445566778899aabbccddeeff";

StoredAuditEvent by_person() {
  StoredAuditEvent s = stored("consultation.read", "success");
  s.event.actor = "person:" + kPersonId;
  s.event.session = "ses_0123456789abcdef01234567";
  return s;
}

TEST(AuditJsonTest, PersonEventCarriesSessionAndResolvedName) {
  json j = to_json(by_person(), {{kPersonId, "Dr. Hala Al-Qahtani"}});
  EXPECT_EQ(j["actor"], "person:" + kPersonId);
  EXPECT_EQ(j["actor_name"], "Dr. Hala Al-Qahtani");
  EXPECT_EQ(j["session"], "ses_0123456789abcdef01234567");

  // A person the resolver does not know (or no resolver) has a null name.
  json unknown = to_json(by_person(), {{"psn_other", "Someone Else"}});
  EXPECT_TRUE(unknown["actor_name"].is_null());
  EXPECT_TRUE(to_json(by_person())["actor_name"].is_null());
}

TEST(AuditJsonTest, PersonIdsAreThePagesDistinctPeople) {
  AuditPage page;
  page.events.push_back(by_person());
  page.events.push_back(stored("consultation.read", "success"));
  page.events.push_back(by_person());
  StoredAuditEvent other = by_person();
  other.event.actor = "person:psn_0a";
  page.events.push_back(other);
  StoredAuditEvent bare_prefix = stored("consultation.read", "success");
  bare_prefix.event.actor = "person:";
  page.events.push_back(bare_prefix);
  EXPECT_EQ(person_ids(page), (std::vector<std::string>{kPersonId, "psn_0a"}));
  EXPECT_EQ(to_json(page, {{kPersonId, "Hala"}})["items"][0]["actor_name"], "Hala");
}

TEST(AuditJsonTest, PageHasItemsAndCursor) {
  AuditPage page;
  page.events.push_back(stored("consultation.read", "success"));
  page.next_cursor = "s42";
  json j = to_json(page);
  ASSERT_EQ(j["items"].size(), 1u);
  EXPECT_EQ(j["next_cursor"], "s42");
  page.next_cursor.reset();
  EXPECT_TRUE(to_json(page)["next_cursor"].is_null());
}

TEST(FhirAuditEventTest, ReadHasTheR4Shape) {
  json f = to_fhir(stored("consultation.read", "success"), "wasl.example.sa");
  EXPECT_EQ(f["resourceType"], "AuditEvent");
  EXPECT_EQ(f["id"], "42");
  EXPECT_EQ(f["type"]["system"], "http://terminology.hl7.org/CodeSystem/audit-event-type");
  EXPECT_EQ(f["type"]["code"], "rest");
  ASSERT_EQ(f["subtype"].size(), 2u);
  EXPECT_EQ(f["subtype"][0]["code"], "consultation.read");
  EXPECT_EQ(f["subtype"][1]["system"], "http://hl7.org/fhir/restful-interaction");
  EXPECT_EQ(f["subtype"][1]["code"], "read");
  EXPECT_EQ(f["action"], "R");
  EXPECT_EQ(f["recorded"], "2024-05-01T08:30:00.125Z");
  EXPECT_EQ(f["outcome"], "0");
  EXPECT_FALSE(f.contains("outcomeDesc"));
  ASSERT_EQ(f["agent"].size(), 1u);
  EXPECT_EQ(f["agent"][0]["who"]["identifier"]["system"], "urn:wasl:apikey");
  EXPECT_EQ(f["agent"][0]["who"]["identifier"]["value"], "0b7e");
  EXPECT_FALSE(f["agent"][0]["who"].contains("display"));
  EXPECT_EQ(f["agent"][0]["requestor"], true);
  EXPECT_EQ(f["agent"][0]["network"]["address"], "10.0.0.7");
  EXPECT_EQ(f["agent"][0]["network"]["type"], "2");
  EXPECT_EQ(f["source"]["observer"]["identifier"]["value"], "wasl.example.sa");
  EXPECT_EQ(f["source"]["site"], "kfsh");
  ASSERT_EQ(f["entity"].size(), 1u);
  EXPECT_EQ(f["entity"][0]["what"]["identifier"]["system"], "urn:wasl:entity:consultation");
  EXPECT_EQ(f["entity"][0]["what"]["identifier"]["value"], "c-123");
  EXPECT_EQ(f["entity"][0]["type"]["code"], "2");
  EXPECT_EQ(f["entity"][0]["detail"][0]["type"], "request-id");
  EXPECT_EQ(f["entity"][0]["detail"][0]["valueString"], "req-9");
}

TEST(FhirAuditEventTest, PersonIsTheAgentWithTheirNameAndSession) {
  json f = to_fhir(by_person(), "wasl", {{kPersonId, "Dr. Hala Al-Qahtani"}});
  const json& who = f["agent"][0]["who"];
  EXPECT_EQ(who["identifier"]["system"], "urn:wasl:person");
  EXPECT_EQ(who["identifier"]["value"], kPersonId);
  EXPECT_EQ(who["display"], "Dr. Hala Al-Qahtani");
  const json& details = f["entity"][0]["detail"];
  ASSERT_EQ(details.size(), 3u);
  EXPECT_EQ(details[1]["type"], "session");
  EXPECT_EQ(details[1]["valueString"], "ses_0123456789abcdef01234567");

  EXPECT_FALSE(to_fhir(by_person())["agent"][0]["who"].contains("display"));
  json bundle =
      to_fhir_bundle(AuditPage{{by_person()}, std::nullopt}, "wasl", "", {{kPersonId, "Hala"}});
  EXPECT_EQ(bundle["entry"][0]["resource"]["agent"][0]["who"]["display"], "Hala");
}

TEST(FhirAuditEventTest, ActionAndOutcomeCodes) {
  struct Case {
    const char* action;
    const char* outcome;
    const char* fhir_action;
    const char* fhir_outcome;
  };
  for (const Case& c : {Case{"consultation.create", "success", "C", "0"},
                        Case{"consultation.update", "denied", "U", "4"},
                        Case{"participant.admit", "success", "U", "0"},
                        Case{"recording.delete", "failure", "D", "8"},
                        Case{"recording.download", "success", "R", "0"},
                        Case{"consultation.list", "success", "R", "0"},
                        Case{"workflow.retry_step", "success", "E", "0"}}) {
    json f = to_fhir(stored(c.action, c.outcome));
    EXPECT_EQ(f["action"], c.fhir_action) << c.action;
    EXPECT_EQ(f["outcome"], c.fhir_outcome) << c.action;
  }
}

TEST(FhirAuditEventTest, FailedAuthenticationIsAUserAuthenticationEvent) {
  StoredAuditEvent s = stored("auth.failed", "failure");
  s.event.actor = "anonymous";
  s.event.entity_type.clear();
  s.event.entity_id.clear();
  s.event.facility_id.clear();
  json f = to_fhir(s);
  EXPECT_EQ(f["type"]["system"], "http://dicom.nema.org/resources/ontology/DCM");
  EXPECT_EQ(f["type"]["code"], "110114");
  EXPECT_EQ(f["action"], "E");
  EXPECT_EQ(f["outcome"], "8");
  EXPECT_EQ(f["outcomeDesc"], "failure");
  EXPECT_FALSE(f["source"].contains("site"));
  EXPECT_EQ(f["agent"][0]["who"]["identifier"]["system"], "urn:wasl:actor");
  EXPECT_EQ(f["agent"][0]["who"]["identifier"]["value"], "anonymous");
  // No entity type: the request id still rides along, without a "what".
  ASSERT_EQ(f["entity"].size(), 1u);
  EXPECT_FALSE(f["entity"][0].contains("what"));
}

// Every element we emit is one the published R4 example uses with the same
// JSON type: a cheap structural check against the reference resource.
TEST(FhirAuditEventTest, UsesElementsOfThePublishedExample) {
  std::ifstream in(std::string(WASL_SHARED_DATA_DIR) + "/fhir/AuditEvent-example-rest.json");
  ASSERT_TRUE(in) << "missing shared FHIR example";
  json example = json::parse(in);
  json ours = to_fhir(stored("consultation.read", "success"));
  for (const auto& [key, value] : ours.items()) {
    if (key == "outcomeDesc") continue;  // R4 element absent from this example
    ASSERT_TRUE(example.contains(key)) << key;
    EXPECT_EQ(example[key].type_name(), value.type_name()) << key;
  }
  for (const auto& [key, value] : ours["agent"][0].items()) {
    ASSERT_TRUE(example["agent"][0].contains(key) || example["agent"][1].contains(key)) << key;
  }
  for (const auto& [key, value] : ours["source"].items()) {
    ASSERT_TRUE(example["source"].contains(key)) << key;
  }
}

TEST(FhirAuditEventTest, BundleWrapsEachEvent) {
  AuditPage page;
  page.events.push_back(stored("consultation.read", "success"));
  page.events.push_back(stored("consultation.create", "success"));
  page.next_cursor = "s42";
  json b = to_fhir_bundle(page, "wasl", "/v1/audit?cursor=s42");
  EXPECT_EQ(b["resourceType"], "Bundle");
  EXPECT_EQ(b["type"], "searchset");
  ASSERT_EQ(b["entry"].size(), 2u);
  EXPECT_EQ(b["entry"][1]["resource"]["resourceType"], "AuditEvent");
  EXPECT_EQ(b["link"][0]["relation"], "next");
  EXPECT_EQ(b["link"][0]["url"], "/v1/audit?cursor=s42");
}

}  // namespace
}  // namespace wasl::audit
