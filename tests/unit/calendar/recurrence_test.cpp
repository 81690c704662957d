#include "hub/calendar/recurrence.hpp"

#include <gtest/gtest.h>

namespace wasl::calendar {
namespace {

constexpr std::int64_t kMinute = 60 * 1000;
constexpr std::int64_t kHour = 60 * kMinute;
constexpr std::int64_t kDay = 24 * kHour;
// 2025-03-01T00:00:00Z (a Saturday).
constexpr std::int64_t kMarch1Utc = 1740787200000;

TEST(Recurrence, DailyAtTwoInRiyadhFiresAt2300UtcTheDayBefore) {
  auto every = parse_every("1d at 02:00");
  ASSERT_TRUE(every.ok()) << every.error().message;
  // 2025-03-01T12:00Z: the latest firing is 2025-03-01 02:00 +03:00 = 2025-02-28T23:00Z.
  auto latest = firings(*every, "Asia/Riyadh", std::nullopt, kMarch1Utc + 12 * kHour, 1);
  ASSERT_TRUE(latest.ok()) << latest.error().message;
  ASSERT_EQ(latest->size(), 1u);
  EXPECT_EQ(latest->front(), kMarch1Utc - kHour);
  // The same as cron.
  auto cron = parse_cron("0 2 * * *");
  ASSERT_TRUE(cron.ok());
  auto same = firings(*cron, "Asia/Riyadh", std::nullopt, kMarch1Utc + 12 * kHour, 1);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(*same, *latest);
}

TEST(Recurrence, FiringsAfterAnInstantAreEachMissedOneOldestFirst) {
  auto r = parse_every("1d at 02:00");
  ASSERT_TRUE(r.ok());
  // Down from just after the 2025-03-01 firing until 2025-03-04 00:00Z: the
  // firings of 03-02, 03-03 (23:00Z the day before each) were missed.
  const std::int64_t last = kMarch1Utc - kHour;
  auto missed = firings(*r, "Asia/Riyadh", last, kMarch1Utc + 3 * kDay, 10);
  ASSERT_TRUE(missed.ok());
  EXPECT_EQ(*missed, (std::vector<std::int64_t>{last + kDay, last + 2 * kDay, last + 3 * kDay}));
  // At most `limit`, the latest ones.
  auto two = firings(*r, "Asia/Riyadh", last, kMarch1Utc + 3 * kDay, 2);
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(*two, (std::vector<std::int64_t>{last + 2 * kDay, last + 3 * kDay}));
  // A firing exactly at `until` counts; one exactly at `after` does not.
  auto edge = firings(*r, "Asia/Riyadh", last, last + kDay, 10);
  ASSERT_TRUE(edge.ok());
  EXPECT_EQ(*edge, (std::vector<std::int64_t>{last + kDay}));
}

TEST(Recurrence, CronFieldsListsRangesStepsAndNames) {
  auto r = parse_cron("*/15 9-17/4 * jan,Mar mon-fri");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->minutes.count(), 4u);
  EXPECT_TRUE(r->minutes[45]);
  EXPECT_TRUE(r->hours[9] && r->hours[13] && r->hours[17] && !r->hours[10]);
  EXPECT_TRUE(r->months[1] && r->months[3] && !r->months[2]);
  EXPECT_TRUE(fires_on(*r, 2025, 3, 3, 1));   // a Monday in March
  EXPECT_FALSE(fires_on(*r, 2025, 3, 1, 6));  // a Saturday
  // Both day fields restricted: either one fires (the 1st, or any Sunday; 7 = Sunday).
  auto either = parse_cron("0 0 1 * 7");
  ASSERT_TRUE(either.ok());
  EXPECT_TRUE(fires_on(*either, 2025, 3, 1, 6));
  EXPECT_TRUE(fires_on(*either, 2025, 3, 2, 0));
  EXPECT_FALSE(fires_on(*either, 2025, 3, 3, 1));
}

TEST(Recurrence, MonthlyFiresOnTheFirst) {
  auto r = parse_every("1mo at 03:30");
  ASSERT_TRUE(r.ok());
  // 2025-03-20T00:00Z: the latest is 2025-03-01 03:30 +03:00 = 2025-03-01T00:30Z.
  auto latest = firings(*r, "Asia/Riyadh", std::nullopt, kMarch1Utc + 19 * kDay, 1);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(*latest, (std::vector<std::int64_t>{kMarch1Utc + 30 * kMinute}));
}

TEST(Recurrence, EveryMinutesAndHoursDivideTheirUnit) {
  auto quarter = parse_every("15m");
  ASSERT_TRUE(quarter.ok());
  auto recent = firings(*quarter, "UTC", std::nullopt, kMarch1Utc + 40 * kMinute, 3);
  ASSERT_TRUE(recent.ok());
  EXPECT_EQ(*recent, (std::vector<std::int64_t>{kMarch1Utc, kMarch1Utc + 15 * kMinute,
                                                kMarch1Utc + 30 * kMinute}));
  auto six = parse_every("6h");
  ASSERT_TRUE(six.ok());
  EXPECT_EQ(six->hours.count(), 4u);
  EXPECT_FALSE(parse_every("7m").ok());
  EXPECT_FALSE(parse_every("5h").ok());
  EXPECT_FALSE(parse_every("2d").ok());
  EXPECT_FALSE(parse_every("1w").ok());
  EXPECT_FALSE(parse_every("1h at 02:00").ok());
}

TEST(Recurrence, BadCronIsNamedByField) {
  auto wrong = parse_cron("60 * * * *");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().message, "cron minute: 60 is out of range 0-59");
  EXPECT_EQ(parse_cron("0 0 * foo *").error().message,
            "cron month: 'foo' is not a number or a name");
  EXPECT_EQ(parse_cron("0 0 5-1 * *").error().message,
            "cron day of month: range '5-1' runs backwards");
  EXPECT_EQ(parse_cron("*/0 * * * *").error().message,
            "cron minute: step '0' must be a whole number from 1 to 99");
  EXPECT_FALSE(parse_cron(std::string(300, '*')).ok());
}

TEST(Recurrence, AnUnknownZoneIsAnError) {
  auto r = parse_cron("0 2 * * *");
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(firings(*r, "Mars/Olympus", std::nullopt, kMarch1Utc, 1).ok());
}

TEST(Recurrence, ADaylightSavingGapFiresOnceJustAfterIt) {
  // Europe/Berlin skips 02:00-03:00 on 2025-03-30; "30 2 * * *" fires at 03:00 CEST.
  auto r = parse_cron("30 2 * * *");
  ASSERT_TRUE(r.ok());
  const std::int64_t march30 = kMarch1Utc + 29 * kDay;  // 2025-03-30T00:00Z
  auto fired = firings(*r, "Europe/Berlin", march30 - 12 * kHour, march30 + 12 * kHour, 5);
  ASSERT_TRUE(fired.ok());
  ASSERT_EQ(fired->size(), 1u);
  EXPECT_EQ(fired->front(), march30 + kHour);  // 03:00 CEST = 01:00Z
}

}  // namespace
}  // namespace wasl::calendar
