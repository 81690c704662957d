#include "hub/clinical/medication_rules.hpp"

#include <gtest/gtest.h>

namespace wasl::clinical {
namespace {

TEST(MedicationRulesTest, ABlockedCodeNamesTheFacilitysRule) {
  config::FacilityConfig facility;
  facility.id = "hospital-a";
  EXPECT_FALSE(blocking_rule(facility, "N02AA01").has_value());
  facility.clinical.blocked_medications = {"N02AA01", "N05BA01"};
  EXPECT_EQ(blocking_rule(facility, "N05BA01"),
            "facilities.hospital-a.clinical.blocked_medications");
  EXPECT_FALSE(blocking_rule(facility, "N02BE01").has_value());
  // Codes compare exactly.
  EXPECT_FALSE(blocking_rule(facility, "n02aa01").has_value());
  EXPECT_FALSE(blocking_rule(facility, "N02AA0").has_value());
}

}  // namespace
}  // namespace wasl::clinical
