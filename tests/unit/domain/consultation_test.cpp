#include "hub/domain/consultation.hpp"

#include <gtest/gtest.h>

#include "hub/domain/participant.hpp"

namespace wasl::domain {
namespace {

TEST(ConsultationJsonTest, EveryTypeAndStatusHasOneWireName) {
  for (int i = 0; i <= static_cast<int>(ConsultationType::kTraining); ++i) {
    auto t = static_cast<ConsultationType>(i);
    EXPECT_EQ(parse_consultation_type(to_string(t)), t);
  }
  for (int i = 0; i <= static_cast<int>(ConsultationStatus::kClinicianNoShow); ++i) {
    auto s = static_cast<ConsultationStatus>(i);
    EXPECT_EQ(parse_consultation_status(to_string(s)), s);
  }
  EXPECT_EQ(to_string(ConsultationType::kSecondOpinion), "second_opinion");
  EXPECT_EQ(to_string(ConsultationStatus::kWaitingRoom), "waiting_room");
  EXPECT_FALSE(parse_consultation_type("doctor-patient").has_value());
}

TEST(ConsultationJsonTest, BothNoShowsAreTerminal) {
  EXPECT_EQ(parse_consultation_status("no_show"), ConsultationStatus::kNoShow);
  EXPECT_EQ(parse_consultation_status("clinician_no_show"), ConsultationStatus::kClinicianNoShow);
  EXPECT_TRUE(is_terminal(ConsultationStatus::kNoShow));
  EXPECT_TRUE(is_terminal(ConsultationStatus::kClinicianNoShow));
  EXPECT_FALSE(is_terminal(ConsultationStatus::kWaitingRoom));
  EXPECT_FALSE(is_terminal(ConsultationStatus::kEnded));
}

TEST(ConsultationJsonTest, ParsesTheWireFormAndNamesTheBadField) {
  auto j = nlohmann::json::parse(R"({
    "type": "emergency", "scheduled_at": "2026-03-01T12:30:00+03:00",
    "patient": {"reference": "Patient/1",
                "summary": {"name": "نورة", "identifiers": [{"kind": "iqama", "value": "2123456789"}],
                            "gender_preference": "female"}},
    "practitioner": {"summary": {"name": "Dr. Sami"}}})");
  auto c = consultation_from_json(j);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->type, ConsultationType::kEmergency);
  EXPECT_EQ(c->scheduled_at, 1'772'357'400'000);
  EXPECT_EQ(c->patient.summary->name, "نورة");
  EXPECT_EQ(c->patient.summary->identifiers[0].kind, PatientIdentifierKind::kIqama);
  EXPECT_EQ(c->patient.summary->gender_preference, GenderPreference::kFemale);
  nlohmann::json out = *c;
  EXPECT_EQ(out["scheduled_at"], "2026-03-01T09:30:00.000Z");
  EXPECT_FALSE(out.contains("ended_at"));

  j["type"] = "teleport";
  auto bad = consultation_from_json(j);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("'type'"), std::string::npos);
  j["type"] = "training";
  j["scheduled_at"] = "tomorrow";
  EXPECT_NE(consultation_from_json(j).error().message.find("scheduled_at"), std::string::npos);
}

TEST(ConsultationJsonTest, ParticipantWireForm) {
  Participant p;
  p.id = "p-1";
  p.consultation_id = "c-1";
  p.role = ParticipantRole::kFamilyMember;
  p.display_name = "أم خالد";
  p.family_consent = true;
  p.created_at = 0;
  nlohmann::json j = p;
  EXPECT_EQ(j["role"], "family_member");
  EXPECT_EQ(j["state"], "waiting");
  Participant back = j.get<Participant>();
  back.facility_id = p.facility_id;
  EXPECT_EQ(back, p);
}

}  // namespace
}  // namespace wasl::domain
