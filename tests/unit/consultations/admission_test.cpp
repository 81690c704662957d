// The waiting room's rule (hub/consultations/admission.cpp): who is admitted
// at once when added, and who waits.
#include "hub/consultations/admission.hpp"

#include <gtest/gtest.h>

namespace wasl::consultations {
namespace {

using access::Role;
using domain::ParticipantRole;

domain::Consultation with_practitioner(const char* reference) {
  domain::Consultation c;
  c.practitioner.reference = reference;
  return c;
}

access::Principal key(Role role, std::optional<std::string> practitioner = std::nullopt) {
  access::Principal p;
  p.key_id = "k";
  p.facility_id = "fac-a";
  p.role = role;
  p.practitioner = std::move(practitioner);
  return p;
}

const std::optional<std::string> kNone;

TEST(AdmissionTest, TheConsultationsPractitionersOwnKeyAdmits) {
  const auto because =
      admitted_because(ParticipantRole::kDoctor, kNone, key(Role::kClinician, "Practitioner/3"),
                       with_practitioner("Practitioner/3"), false);
  ASSERT_TRUE(because.has_value());
  EXPECT_EQ(*because, "consultation_practitioner");
  // Naming itself changes nothing.
  EXPECT_EQ(admitted_because(ParticipantRole::kDoctor, std::string("Practitioner/3"),
                             key(Role::kClinician, "Practitioner/3"),
                             with_practitioner("Practitioner/3"), false),
            "consultation_practitioner");
}

TEST(AdmissionTest, AClinicianAlreadyAdmittedIsAdmittedAgain) {
  const auto because =
      admitted_because(ParticipantRole::kSpecialist, kNone, key(Role::kClinician, "Practitioner/9"),
                       with_practitioner("Practitioner/3"), true);
  ASSERT_TRUE(because.has_value());
  EXPECT_EQ(*because, "admitted_clinician");
  EXPECT_FALSE(admitted_because(ParticipantRole::kSpecialist, kNone,
                                key(Role::kClinician, "Practitioner/9"),
                                with_practitioner("Practitioner/3"), false));
}

// Any key that reads the consultation can name its practitioner.
TEST(AdmissionTest, NamingThePractitionerIsNotAPass) {
  for (Role role : {Role::kHospital, Role::kAdmin, Role::kIntegrator}) {
    SCOPED_TRACE(std::string(access::to_string(role)));
    EXPECT_FALSE(admitted_because(ParticipantRole::kDoctor, std::string("Practitioner/3"),
                                  key(role), with_practitioner("Practitioner/3"), true));
    EXPECT_FALSE(admitted_because(ParticipantRole::kDoctor, kNone, key(role),
                                  with_practitioner("Practitioner/3"), false));
  }
}

TEST(AdmissionTest, AClinicianKeyWithoutPractitionerWaits) {
  EXPECT_FALSE(admitted_because(ParticipantRole::kDoctor, std::string("Practitioner/3"),
                                key(Role::kClinician), with_practitioner("Practitioner/3"), false));
  EXPECT_FALSE(admitted_because(ParticipantRole::kDoctor, kNone, key(Role::kClinician),
                                domain::Consultation{}, false));
}

TEST(AdmissionTest, AClinicianKeyAddingAnotherPractitionerAddsSomeoneWhoWaits) {
  EXPECT_FALSE(admitted_because(ParticipantRole::kNurse, std::string("Practitioner/4"),
                                key(Role::kClinician, "Practitioner/3"),
                                with_practitioner("Practitioner/3"), true));
  // Another consultation's practitioner.
  EXPECT_FALSE(admitted_because(ParticipantRole::kDoctor, kNone,
                                key(Role::kClinician, "Practitioner/4"),
                                with_practitioner("Practitioner/3"), false));
  EXPECT_FALSE(admitted_because(ParticipantRole::kDoctor, kNone,
                                key(Role::kClinician, "Practitioner/4"), domain::Consultation{},
                                false));
}

TEST(AdmissionTest, APatientWaitsWhateverTheKey) {
  EXPECT_FALSE(admitted_because(ParticipantRole::kPatient, kNone,
                                key(Role::kClinician, "Practitioner/3"),
                                with_practitioner("Practitioner/3"), true));
}

TEST(AdmissionTest, TheParticipantsPractitioner) {
  const auto clinician = key(Role::kClinician, "Practitioner/3");
  EXPECT_EQ(participant_practitioner(ParticipantRole::kDoctor, kNone, clinician), "Practitioner/3");
  EXPECT_EQ(
      participant_practitioner(ParticipantRole::kNurse, std::string("Practitioner/4"), clinician),
      "Practitioner/4");
  EXPECT_EQ(participant_practitioner(ParticipantRole::kDoctor, kNone, key(Role::kHospital)),
            std::nullopt);
  EXPECT_EQ(participant_practitioner(ParticipantRole::kPatient, kNone, clinician), std::nullopt);
}

}  // namespace
}  // namespace wasl::consultations
