#include "plugins/nphies/patient_resource.hpp"

#include <gtest/gtest.h>

#include "plugins/nphies/tests/test_claims.hpp"

namespace wasl::plugins::nphies {
namespace {

TEST(PatientResourceTest, IdentifiersMapToNphiesSystems) {
  NphiesSettings s = testing::test_settings();
  s.patient_identifier_systems["urn:oid:passports"] = "passport";
  auto system = [&](std::string sys, std::string value) {
    return nphies_identifier_system({std::move(sys), std::move(value)}, s);
  };
  EXPECT_EQ(system("urn:ehr:ids", "1098765432"), "http://nphies.sa/identifier/nationalid");
  EXPECT_EQ(system("urn:ehr:ids", "2098765432"), "http://nphies.sa/identifier/iqama");
  EXPECT_EQ(system("urn:ehr:ids", "3098765432"), "http://nphies.sa/identifier/bordernumber");
  EXPECT_EQ(system("urn:oid:passports", "K1234567"), "http://nphies.sa/identifier/passportnumber");
  EXPECT_EQ(system("http://nphies.sa/identifier/iqama", "0000000001"),
            "http://nphies.sa/identifier/iqama");
  EXPECT_EQ(system("urn:ehr:mrn", "MRN-1"), "");
  EXPECT_EQ(system("urn:ehr:ids", "6098765432"), "");
}

TEST(PatientResourceTest, GenderCarriesTheKsaExtensionAndIsRequired) {
  sdk::PatientSummary p = testing::test_patient();
  p.gender = "male";
  auto r = patient_resource(p, "p1", testing::test_settings());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)["gender"], "male");
  EXPECT_EQ((*r)["_gender"]["extension"][0]["valueCodeableConcept"]["coding"][0]["system"],
            "http://nphies.sa/terminology/CodeSystem/ksa-administrative-gender");
  p.gender.clear();
  EXPECT_FALSE(patient_resource(p, "p1", testing::test_settings()).ok());
}

}  // namespace
}  // namespace wasl::plugins::nphies
