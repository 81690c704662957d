#include "wasl/sdk/types.hpp"

#include "wasl/sdk/ehr.hpp"

#include <gtest/gtest.h>

namespace wasl::sdk {
namespace {

using nlohmann::json;

TEST(TypesTest, ToleratesAddedAndMissingFields) {
  json wire = {
      {"provider_room_id", "RM1"}, {"status", "in_progress"}, {"a_field_from_a_newer_plugin", 7}};
  Room room = wire.get<Room>();
  EXPECT_EQ(room.provider_room_id, "RM1");
  EXPECT_EQ(room.status, "in_progress");
  EXPECT_EQ(room.participant_limit, 0);  // missing: the default
}

TEST(TypesTest, CreateRoomRequestScheduledStartIsOptional) {
  // From a hub built before the field: absent reads as 0 (not given).
  auto old = json{{"idempotency_key", "k"}, {"name", "n"}}.get<CreateRoomRequest>();
  EXPECT_EQ(old.scheduled_start_ms, 0);
  CreateRoomRequest request;
  request.idempotency_key = "k";
  request.scheduled_start_ms = 1767261600000;
  json wire = request;
  EXPECT_EQ(wire["scheduled_start_ms"], 1767261600000);
  EXPECT_EQ(wire.get<CreateRoomRequest>().scheduled_start_ms, 1767261600000);
}

TEST(TypesTest, NestedTypesRoundTrip) {
  Claim claim;
  claim.idempotency_key = "claim-1";
  claim.coverage.member_id = "M-9";
  claim.items.push_back(
      {"83001", "http://nphies.sa/terminology/CodeSystem/services", 1, 150.5, "SAR"});
  claim.raw = {{"resourceType", "Bundle"}};
  Claim back = json(claim).get<Claim>();
  EXPECT_EQ(back.coverage.member_id, "M-9");
  ASSERT_EQ(back.items.size(), 1u);
  EXPECT_EQ(back.items[0].unit_price, 150.5);
  EXPECT_EQ(back.raw["resourceType"], "Bundle");
}

TEST(TypesTest, ArabicTextRoundTripsByteForByte) {
  PatientSummary patient;
  patient.given_name = "محمد";
  patient.family_name = "العتيبي";
  PatientSummary back = json::parse(json(patient).dump()).get<PatientSummary>();
  EXPECT_EQ(back.given_name, patient.given_name);
  EXPECT_EQ(back.family_name, patient.family_name);
}

TEST(TypesTest, PluginInfoWireForm) {
  PluginInfo info{"twilio", "1.2.0", "1.0", {"video", "webhook"}, "Twilio Video rooms."};
  info.features = {"video.waiting_room_tokens"};
  EXPECT_EQ(json(info), json::parse(R"({"name":"twilio","version":"1.2.0","sdk_version":"1.0",
      "capabilities":["video","webhook"],"description":"Twilio Video rooms.",
      "features":["video.waiting_room_tokens"]})"));
  // A plugin built before SDK 1.8 sends no features: it declares none.
  auto old = json::parse(R"({"name":"twilio","version":"1.2.0","sdk_version":"1.7",
      "capabilities":["video"],"description":"d"})")
                 .get<PluginInfo>();
  EXPECT_TRUE(old.features.empty());
}

TEST(TypesTest, PublicJwkWritesTheMembersSetAndReadsPublicOnesOnly) {
  PublicJwk key;
  key.kty = "EC";
  key.kid = "k";
  EXPECT_EQ(json(key), json::parse(R"({"kty":"EC","kid":"k","use":"sig"})"));
  // A private member on the wire is dropped on reading.
  auto read =
      json::parse(R"({"kty":"RSA","kid":"k","n":"AQ","e":"AQAB","d":"c2VjcmV0"})").get<PublicJwk>();
  EXPECT_EQ(read.n, "AQ");
  EXPECT_FALSE(json(read).contains("d"));
  EXPECT_EQ(json(PublicKeySet{}), json::parse(R"({"keys":[]})"));
}

// A connector written before SDK 1.7 (no public_keys of its own) publishes nothing.
TEST(TypesTest, AnEhrConnectorPublishesNoKeyByDefault) {
  class Plain final : public EhrConnector {
    Error no() { return Error(ErrorCode::kUnimplemented, "no"); }
    Result<PatientSummary> read_patient(const ResourceRef&) override { return no(); }
    Result<PractitionerSummary> read_practitioner(const ResourceRef&) override { return no(); }
    Result<Appointment> read_appointment(const ResourceRef&) override { return no(); }
    Result<Coverage> read_coverage(const CoverageRequest&) override { return no(); }
    Result<Appointment> update_appointment_status(const AppointmentStatusUpdate&) override {
      return no();
    }
    Result<ResourceCreated> create_encounter(const EncounterRequest&) override { return no(); }
    Result<ResourceCreated> attach_document(const DocumentRequest&) override { return no(); }
  } plain;
  auto keys = plain.public_keys();
  ASSERT_TRUE(keys.ok());
  EXPECT_TRUE(keys->keys.empty());
}

}  // namespace
}  // namespace wasl::sdk
