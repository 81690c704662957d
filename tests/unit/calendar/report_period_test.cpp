#include "hub/calendar/report_period.hpp"

#include <gtest/gtest.h>

namespace wasl::calendar {
namespace {

constexpr std::int64_t kHourMs = 3600 * 1000;

TEST(ReportPeriod, ADayInRiyadhStartsAt2100UtcTheDayBefore) {
  // 2025-03-01T22:30Z is 2025-03-02 01:30 in Riyadh.
  auto day = period_containing(1740868200000, PeriodKind::kDay, "Asia/Riyadh");
  ASSERT_TRUE(day.ok());
  EXPECT_EQ(day->label, "2025-03-02");
  EXPECT_EQ(day->start_ms, 1740862800000);  // 2025-03-01T21:00Z
  EXPECT_EQ(day->end_ms - day->start_ms, 24 * kHourMs);
  auto before = previous_period(*day);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->label, "2025-03-01");
  EXPECT_EQ(before->end_ms, day->start_ms);
}

TEST(ReportPeriod, MonthsFollowTheCalendar) {
  auto feb = period_from_label("2024-02", "Asia/Riyadh");
  ASSERT_TRUE(feb.ok());
  EXPECT_EQ(feb->kind, PeriodKind::kMonth);
  EXPECT_EQ(feb->end_ms - feb->start_ms, 29 * 24 * kHourMs);  // a leap year
  auto dec = period_from_label("2025-12", "Asia/Riyadh");
  ASSERT_TRUE(dec.ok());
  auto jan = period_containing(dec->end_ms, PeriodKind::kMonth, "Asia/Riyadh");
  ASSERT_TRUE(jan.ok());
  EXPECT_EQ(jan->label, "2026-01");
  EXPECT_EQ(previous_period(*jan)->label, "2025-12");
}

TEST(ReportPeriod, ADaylightSavingDayIs23Hours) {
  auto day = period_from_label("2025-03-09", "America/New_York");
  ASSERT_TRUE(day.ok());
  EXPECT_EQ(day->end_ms - day->start_ms, 23 * kHourMs);
}

TEST(ReportPeriod, LabelsAreStrict) {
  for (const char* bad :
       {"2025-3-01", "2025-02-29", "2025-13", "2025/03/01", "", "2025-03-01x", "yesterday"}) {
    auto p = period_from_label(bad, "Asia/Riyadh");
    EXPECT_FALSE(p.ok()) << bad;
  }
  EXPECT_TRUE(period_from_label("2024-02-29", "Asia/Riyadh").ok());
  EXPECT_FALSE(period_from_label("2025-03-01", "Nowhere/City").ok());
}

}  // namespace
}  // namespace wasl::calendar
