#include "hub/records/participant_store.hpp"

#include <gtest/gtest.h>

#include "hub/records/consultation_store.hpp"
#include "tests/unit/records/records_database.hpp"

namespace wasl::records::testing {
namespace {

using domain::Participant;
using domain::ParticipantRole;
using domain::ParticipantState;

class ParticipantStoreTest : public RecordsDatabaseTest {
 protected:
  void SetUp() override {
    RecordsDatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    ConsultationStore consultations(*cipher_);
    auto tx = begin();
    ASSERT_OK(consultations.insert(*tx, sample_consultation(kFacilityA, "c-1")));
    ASSERT_OK(tx->commit());
  }

  static Participant sample(const std::string& id, ParticipantRole role) {
    Participant p;
    p.id = id;
    p.consultation_id = "c-1";
    p.facility_id = kFacilityA;
    p.role = role;
    p.display_name = kArabicName;
    p.family_consent = role == ParticipantRole::kFamilyMember;
    p.created_at = 1000;
    return p;
  }
};

TEST_P(ParticipantStoreTest, RoundTripsWithTheDisplayNameEncrypted) {
  ParticipantStore store(*cipher_);
  auto tx = begin();
  Participant p = sample("p-1", ParticipantRole::kFamilyMember);
  ASSERT_OK(store.insert(*tx, p));
  ASSERT_OK(tx->commit());

  tx = begin();
  ASSERT_OK_AND_ASSIGN(Participant back, store.get(*tx, kFacilityA, "c-1", "p-1"));
  EXPECT_EQ(back, p);
  std::string raw = raw_bytes("SELECT * FROM participants");
  EXPECT_EQ(raw.find(kArabicName), std::string::npos);
}

TEST_P(ParticipantStoreTest, AdmitsAndRemoves) {
  ParticipantStore store(*cipher_);
  auto tx = begin();
  ASSERT_OK(store.insert(*tx, sample("p-1", ParticipantRole::kPatient)));
  ASSERT_OK(store.insert(*tx, sample("p-2", ParticipantRole::kDoctor)));
  ASSERT_OK_AND_ASSIGN(Participant admitted, store.admit(*tx, kFacilityA, "c-1", "p-1", 2000));
  EXPECT_EQ(admitted.state, ParticipantState::kAdmitted);
  EXPECT_EQ(admitted.admitted_at, 2000);
  ASSERT_OK_AND_ASSIGN(Participant again, store.admit(*tx, kFacilityA, "c-1", "p-1", 3000));
  EXPECT_EQ(again.admitted_at, 2000);
  ASSERT_OK(store.set_token(*tx, kFacilityA, "c-1", "p-1", "PA-1", 9000));
  ASSERT_OK_AND_ASSIGN(Participant removed, store.remove(*tx, kFacilityA, "c-1", "p-2", 4000));
  EXPECT_EQ(removed.state, ParticipantState::kRemoved);
  auto refused = store.admit(*tx, kFacilityA, "c-1", "p-2", 5000);
  EXPECT_EQ(refused.error().code, sdk::ErrorCode::kFailedPrecondition);
  ASSERT_OK_AND_ASSIGN(auto present, store.list(*tx, kFacilityA, "c-1"));
  ASSERT_EQ(present.size(), 1u);
  EXPECT_EQ(present[0].provider_participant_id, "PA-1");
  EXPECT_EQ(present[0].token_expires_at, 9000);
  ASSERT_OK_AND_ASSIGN(auto all, store.list(*tx, kFacilityA, "c-1", true));
  EXPECT_EQ(all.size(), 2u);
  EXPECT_EQ(store.count_present(*tx, kFacilityA, "c-1").value(), 1);
  EXPECT_TRUE(domain::is_clinician(ParticipantRole::kDoctor));
  EXPECT_FALSE(domain::is_clinician(ParticipantRole::kInterpreter));
}

TEST_P(ParticipantStoreTest, AnotherFacilityCannotReachParticipants) {
  ParticipantStore store(*cipher_);
  auto tx = begin();
  ASSERT_OK(store.insert(*tx, sample("p-1", ParticipantRole::kPatient)));
  ASSERT_OK(tx->commit());

  tx = begin();
  EXPECT_EQ(store.get(*tx, kFacilityB, "c-1", "p-1").error().code, sdk::ErrorCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(auto listed, store.list(*tx, kFacilityB, "c-1", true));
  EXPECT_TRUE(listed.empty());
  EXPECT_EQ(store.count_present(*tx, kFacilityB, "c-1").value(), 0);
  EXPECT_EQ(store.admit(*tx, kFacilityB, "c-1", "p-1", 1).error().code, sdk::ErrorCode::kNotFound);
  EXPECT_EQ(store.remove(*tx, kFacilityB, "c-1", "p-1", 1).error().code, sdk::ErrorCode::kNotFound);
  EXPECT_EQ(store.set_token(*tx, kFacilityB, "c-1", "p-1", "X", 1).error().code,
            sdk::ErrorCode::kNotFound);
  // Adding a participant to A's consultation while claiming facility B.
  Participant intruder = sample("p-x", ParticipantRole::kObserver);
  intruder.facility_id = kFacilityB;
  EXPECT_EQ(store.insert(*tx, intruder).error().code, sdk::ErrorCode::kNotFound);
  ASSERT_OK(tx->commit());

  tx = begin();
  ASSERT_OK_AND_ASSIGN(Participant p, store.get(*tx, kFacilityA, "c-1", "p-1"));
  EXPECT_EQ(p.state, ParticipantState::kWaiting);
  EXPECT_FALSE(p.provider_participant_id.has_value());
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM participants"), 1);
}

TEST_P(ParticipantStoreTest, RecordsAGenderPreferenceInItsFacilityOnly) {
  ParticipantStore store(*cipher_);
  auto tx = begin();
  ASSERT_OK(store.insert(*tx, sample("p-1", ParticipantRole::kPatient)));
  ASSERT_OK(store.set_gender_preference(*tx, kFacilityA, "p-1", domain::GenderPreference::kFemale));
  auto other = store.set_gender_preference(*tx, kFacilityB, "p-1", domain::GenderPreference::kMale);
  EXPECT_EQ(other.error().code, sdk::ErrorCode::kNotFound);
  ASSERT_OK(tx->commit());
  Rows rows = query_raw("SELECT gender_preference FROM participants WHERE id = 'p-1'");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].get_text(0).value_or(""), "female");
}

WASL_RECORDS_INSTANTIATE(ParticipantStoreTest);

}  // namespace
}  // namespace wasl::records::testing
