#include "plugins/nphies/fhir_time.hpp"

#include <gtest/gtest.h>

namespace wasl::plugins::nphies {
namespace {

TEST(FhirTimeTest, DatesAndInstantsAreRiyadhTime) {
  EXPECT_EQ(ksa_date(1763755200000), "2025-11-21");  // 20:00Z is 23:00 in Riyadh
  EXPECT_EQ(ksa_date(1763758800000), "2025-11-22");  // 21:00Z is midnight there
  EXPECT_EQ(ksa_instant(1763719200320), "2025-11-21T13:00:00.320+03:00");
}

TEST(FhirTimeTest, DatesAndDateTimesReadBackInRiyadhTime) {
  EXPECT_EQ(parse_ksa_time("2025-11-21T13:00:00.320+03:00"), 1763719200320);
  EXPECT_EQ(parse_ksa_time("2025-11-21T10:00:00Z"), 1763719200000);
  EXPECT_EQ(parse_ksa_time("2025-11-21T13:00:00"), 1763719200000);  // no offset: Riyadh
  EXPECT_EQ(parse_ksa_time("2025-11-22"), 1763758800000);           // midnight in Riyadh
  EXPECT_EQ(parse_ksa_time(ksa_date(1763758800000)), 1763758800000);
  for (const char* other : {"", "2025", "2025-11", "2025-02-30", "21/11/2025",
                            "2025-11-21T25:00:00", "2025-11-21 13:00:00+03:00"}) {
    EXPECT_EQ(parse_ksa_time(other), std::nullopt) << other;
  }
}

}  // namespace
}  // namespace wasl::plugins::nphies
