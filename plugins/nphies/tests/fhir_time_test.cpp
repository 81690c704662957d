#include "plugins/nphies/fhir_time.hpp"

#include <gtest/gtest.h>

namespace wasl::plugins::nphies {
namespace {

TEST(FhirTimeTest, DatesAndInstantsAreRiyadhTime) {
  EXPECT_EQ(ksa_date(1763755200000), "2025-11-21");  // 20:00Z is 23:00 in Riyadh
  EXPECT_EQ(ksa_date(1763758800000), "2025-11-22");  // 21:00Z is midnight there
  EXPECT_EQ(ksa_instant(1763719200320), "2025-11-21T13:00:00.320+03:00");
}

TEST(FhirTimeTest, HttpDatesParse) {
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777000);
  EXPECT_EQ(parse_http_date("Fri, 21 Nov 2025 10:00:00 GMT"), 1763719200000);
  EXPECT_FALSE(parse_http_date("").has_value());
  EXPECT_FALSE(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT").has_value());
  EXPECT_FALSE(parse_http_date("Sun, 06 Nox 1994 08:49:37 GMT").has_value());
  EXPECT_FALSE(parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT").has_value());
}

}  // namespace
}  // namespace wasl::plugins::nphies
