#include "plugins/nphies/fhir_time.hpp"

#include <gtest/gtest.h>

namespace wasl::plugins::nphies {
namespace {

TEST(FhirTimeTest, DatesAndInstantsAreRiyadhTime) {
  EXPECT_EQ(ksa_date(1763755200000), "2025-11-21");  // 20:00Z is 23:00 in Riyadh
  EXPECT_EQ(ksa_date(1763758800000), "2025-11-22");  // 21:00Z is midnight there
  EXPECT_EQ(ksa_instant(1763719200320), "2025-11-21T13:00:00.320+03:00");
}

}  // namespace
}  // namespace wasl::plugins::nphies
