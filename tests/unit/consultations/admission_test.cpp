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

TEST(AdmissionTest, AClinicianAddedByAClinicianKeyIsAdmitted) {
  const auto because = admitted_because(ParticipantRole::kDoctor, std::nullopt, Role::kClinician,
                                        domain::Consultation{});
  ASSERT_TRUE(because.has_value());
  EXPECT_EQ(*because, "clinician_key");
}

TEST(AdmissionTest, TheConsultationsOwnPractitionerIsAdmitted) {
  const auto because = admitted_because(ParticipantRole::kDoctor, std::string("Practitioner/3"),
                                        Role::kHospital, with_practitioner("Practitioner/3"));
  ASSERT_TRUE(because.has_value());
  EXPECT_EQ(*because, "consultation_practitioner");
}

TEST(AdmissionTest, AnotherPractitionerWaits) {
  EXPECT_FALSE(admitted_because(ParticipantRole::kDoctor, std::string("Practitioner/4"),
                                Role::kHospital, with_practitioner("Practitioner/3")));
  EXPECT_FALSE(admitted_because(ParticipantRole::kDoctor, std::string("Practitioner/3"),
                                Role::kHospital, domain::Consultation{}));
}

TEST(AdmissionTest, ADoctorDeclaredByAHospitalKeyWaits) {
  EXPECT_FALSE(admitted_because(ParticipantRole::kDoctor, std::nullopt, Role::kHospital,
                                domain::Consultation{}));
  EXPECT_FALSE(admitted_because(ParticipantRole::kDoctor, std::nullopt, Role::kAdmin,
                                domain::Consultation{}));
}

TEST(AdmissionTest, APatientWaitsWhateverTheKey) {
  EXPECT_FALSE(admitted_because(ParticipantRole::kPatient, std::nullopt, Role::kClinician,
                                domain::Consultation{}));
}

}  // namespace
}  // namespace wasl::consultations
