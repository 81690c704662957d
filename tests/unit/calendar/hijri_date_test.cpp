#include "hub/calendar/hijri_date.hpp"

#include <gtest/gtest.h>

#include "hub/calendar/civil_time.hpp"

namespace wasl::calendar {
namespace {

std::int64_t riyadh(int y, int m, int d, int hour = 12) {
  auto at = instant_of(CivilTime{y, m, d, hour}, "Asia/Riyadh");
  EXPECT_TRUE(at.ok());
  return *at;
}

struct Pair {
  int y, m, d;
  const char* hijri;
};

// First days of Ramadan and of Muharram as the Umm al-Qura calendar
// publishes them.
TEST(HijriDate, KnownUmmAlQuraPairs) {
  const Pair pairs[] = {
      {2025, 3, 1, "1446-09-01"},   // 1 Ramadan 1446
      {2024, 3, 11, "1445-09-01"},  // 1 Ramadan 1445
      {2023, 3, 23, "1444-09-01"},  // 1 Ramadan 1444
      {2022, 4, 2, "1443-09-01"},   // 1 Ramadan 1443
      {2026, 2, 18, "1447-09-01"},  // 1 Ramadan 1447
      {2024, 7, 7, "1446-01-01"},   // 1 Muharram 1446
      {2025, 6, 26, "1447-01-01"},  // 1 Muharram 1447
      {2023, 7, 19, "1445-01-01"},  // 1 Muharram 1445
      {2025, 2, 28, "1446-08-29"},  // the day before 1 Ramadan 1446 (Sha'ban had 29 days)
      {2025, 3, 30, "1446-10-01"},  // 1 Shawwal 1446 (Eid al-Fitr)
  };
  for (const Pair& p : pairs) {
    auto date = umm_al_qura_date(riyadh(p.y, p.m, p.d), "Asia/Riyadh");
    ASSERT_TRUE(date.ok()) << date.error().message;
    EXPECT_EQ(to_string(*date), p.hijri) << p.y << "-" << p.m << "-" << p.d;
  }
}

TEST(HijriDate, TheDayIsTheCivilDayOfTheZone) {
  // 2025-02-28T22:00Z is already 1 March (01:00) in Riyadh, still 28 February in UTC.
  const std::int64_t at = 1740780000000;
  EXPECT_EQ(to_string(*umm_al_qura_date(at, "Asia/Riyadh")), "1446-09-01");
  EXPECT_EQ(to_string(*umm_al_qura_date(at, "UTC")), "1446-08-29");
}

TEST(HijriDate, UnknownZoneIsRefused) {
  auto date = umm_al_qura_date(0, "Asia/Atlantis");
  ASSERT_FALSE(date.ok());
  EXPECT_EQ(date.error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_NE(date.error().message.find("Asia/Atlantis"), std::string::npos);
}

}  // namespace
}  // namespace wasl::calendar
