#include "hub/calendar/civil_time.hpp"

#include <gtest/gtest.h>

namespace wasl::calendar {
namespace {

TEST(CivilTime, RiyadhIsThreeHoursAheadOfUtc) {
  auto at = instant_of(CivilTime{2025, 3, 1, 0, 0, 0}, "Asia/Riyadh");
  ASSERT_TRUE(at.ok());
  EXPECT_EQ(*at, 1740776400000);  // 2025-02-28T21:00:00Z
  auto back = civil_time(*at, "Asia/Riyadh");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->year, 2025);
  EXPECT_EQ(back->month, 3);
  EXPECT_EQ(back->day, 1);
  EXPECT_EQ(back->hour, 0);
  EXPECT_EQ(back->weekday, 6);  // a Saturday
  EXPECT_EQ(*iso8601_in_zone(*at, "Asia/Riyadh"), "2025-03-01T00:00:00+03:00");
  EXPECT_EQ(*iso8601_in_zone(*at, "UTC"), "2025-02-28T21:00:00Z");
}

TEST(CivilTime, ATimeInADaylightSavingGapIsTheEndOfTheGap) {
  // 2025-03-09 02:30 does not exist in New York (clocks jump 02:00 -> 03:00).
  auto at = instant_of(CivilTime{2025, 3, 9, 2, 30, 0}, "America/New_York");
  ASSERT_TRUE(at.ok());
  EXPECT_EQ(*iso8601_in_zone(*at, "America/New_York"), "2025-03-09T03:00:00-04:00");
}

TEST(CivilTime, ZonesAreValidated) {
  EXPECT_TRUE(is_time_zone("Asia/Riyadh"));
  EXPECT_TRUE(is_time_zone("UTC"));
  EXPECT_FALSE(is_time_zone("Asia/Riyad"));
  EXPECT_FALSE(is_time_zone(""));
  EXPECT_FALSE(civil_time(0, "Mars/Olympus").ok());
  EXPECT_FALSE(instant_of(CivilTime{2025, 13, 1}, "UTC").ok());
  EXPECT_FALSE(instant_of(CivilTime{2025, 2, 30}, "UTC").ok());
}

}  // namespace
}  // namespace wasl::calendar
