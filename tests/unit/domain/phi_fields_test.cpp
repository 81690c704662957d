// The PHI members each domain type declares (hub/domain/phi_fields.hpp) are
// members its to_json writes: a declaration cannot name a member that does
// not exist, and the union is what the redactors are given.
#include "hub/domain/phi_fields.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "hub/domain/consultation.hpp"
#include "hub/domain/participant.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::domain {
namespace {

void expect_written(const nlohmann::json& written, const std::vector<std::string_view>& members) {
  ASSERT_FALSE(members.empty());
  for (std::string_view m : members) {
    EXPECT_TRUE(written.contains(std::string(m))) << m << " is not written: " << written.dump();
  }
}

TEST(PhiFields, EveryDeclaredMemberIsWrittenByItsType) {
  PatientSummary patient;
  patient.name = "فاطمة";
  patient.identifiers = {{PatientIdentifierKind::kNationalId, "1098765432"}};
  patient.phone = "0501234567";
  patient.email = "f@example.org";
  patient.gender = "female";
  patient.birth_date = "1990-01-01";
  patient.diagnosis_codes = {"J06.9"};
  expect_written(nlohmann::json(patient), patient_summary_phi_members());

  PractitionerSummary doctor{"د. أحمد", "PR-9"};
  expect_written(nlohmann::json(doctor), practitioner_summary_phi_members());

  Participant participant;
  participant.display_name = "Dr. Noura";
  expect_written(nlohmann::json(participant), participant_phi_members());

  expect_written(nlohmann::json(sdk::PatientSummary{}), provider_patient_phi_members());
  expect_written(nlohmann::json(sdk::Coverage{}), provider_coverage_phi_members());
}

TEST(PhiFields, TheUnionHoldsEachMemberOnce) {
  const std::vector<std::string> all = phi_json_members();
  for (const char* m :
       {"name", "identifiers", "phone", "email", "birth_date", "diagnosis_codes", "identifier",
        "display_name", "given_name", "family_name", "member_id", "raw"}) {
    EXPECT_EQ(std::count(all.begin(), all.end(), m), 1) << m;
  }
  EXPECT_EQ(std::count(all.begin(), all.end(), "gender_preference"), 0);
}

}  // namespace
}  // namespace wasl::domain
