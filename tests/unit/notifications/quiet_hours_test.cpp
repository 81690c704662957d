// Quiet hours on a facility's wall clock: a window across midnight and one
// within a day, none when start equals end, and the clock's daylight-saving
// changes (Europe/London, America/New_York) moving the window's end by an
// hour in UTC.
#include "hub/notifications/quiet_hours.hpp"

#include <gtest/gtest.h>

#include "hub/calendar/civil_time.hpp"

namespace wasl::notifications {
namespace {

std::int64_t at(std::string_view zone, int y, int mo, int d, int h, int mi) {
  auto instant = calendar::instant_of(calendar::CivilTime{y, mo, d, h, mi, 0, 0}, zone);
  EXPECT_TRUE(instant.ok());
  return instant.value_or(0);
}

std::optional<std::int64_t> until(const QuietHours& q, std::int64_t now, std::string_view zone) {
  auto u = q.until(now, zone);
  EXPECT_TRUE(u.ok()) << u.error().message;
  return u.ok() ? *u : std::nullopt;
}

TEST(QuietHours, AcrossMidnightOnRiyadhsClock) {
  auto q = QuietHours::parse("22:00", "08:00");
  ASSERT_TRUE(q.ok());
  const char* z = "Asia/Riyadh";
  EXPECT_EQ(until(*q, at(z, 2026, 3, 1, 23, 10), z), at(z, 2026, 3, 2, 8, 0));
  EXPECT_EQ(until(*q, at(z, 2026, 3, 1, 22, 0), z), at(z, 2026, 3, 2, 8, 0));
  EXPECT_EQ(until(*q, at(z, 2026, 3, 2, 0, 0), z), at(z, 2026, 3, 2, 8, 0));
  EXPECT_EQ(until(*q, at(z, 2026, 3, 2, 7, 59), z), at(z, 2026, 3, 2, 8, 0));
  EXPECT_EQ(until(*q, at(z, 2026, 3, 2, 8, 0), z), std::nullopt);
  EXPECT_EQ(until(*q, at(z, 2026, 3, 1, 21, 59), z), std::nullopt);
  EXPECT_EQ(until(*q, at(z, 2026, 3, 1, 12, 0), z), std::nullopt);
  // Month and year ends.
  EXPECT_EQ(until(*q, at(z, 2026, 12, 31, 23, 0), z), at(z, 2027, 1, 1, 8, 0));
  // The window is the facility's, not UTC's: 19:30 UTC is 22:30 in Riyadh,
  // 06:00 UTC is 09:00.
  EXPECT_EQ(until(*q, at("UTC", 2026, 3, 1, 19, 30), z), at(z, 2026, 3, 2, 8, 0));
  EXPECT_EQ(until(*q, at("UTC", 2026, 3, 2, 6, 0), z), std::nullopt);
}

TEST(QuietHours, WithinADayAndNone) {
  auto q = QuietHours::parse("01:00", "05:30");
  ASSERT_TRUE(q.ok());
  const char* z = "Asia/Riyadh";
  EXPECT_EQ(until(*q, at(z, 2026, 3, 1, 0, 59), z), std::nullopt);
  EXPECT_EQ(until(*q, at(z, 2026, 3, 1, 1, 0), z), at(z, 2026, 3, 1, 5, 30));
  EXPECT_EQ(until(*q, at(z, 2026, 3, 1, 5, 29), z), at(z, 2026, 3, 1, 5, 30));
  EXPECT_EQ(until(*q, at(z, 2026, 3, 1, 5, 30), z), std::nullopt);
  auto none = QuietHours::parse("22:00", "22:00");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(until(*none, at(z, 2026, 3, 1, 22, 30), z), std::nullopt);
  EXPECT_FALSE(QuietHours::parse("24:00", "08:00").ok());
  EXPECT_FALSE(QuietHours::parse("8:00", "22:00").ok());
  EXPECT_EQ(q->until(0, "Mars/Olympus").error().code, sdk::ErrorCode::kInvalidArgument);
}

TEST(QuietHours, FollowTheClockAcrossDaylightSaving) {
  auto q = QuietHours::parse("22:00", "08:00");
  ASSERT_TRUE(q.ok());
  constexpr std::int64_t kHour = 3'600'000;
  // London springs forward on 2026-03-29 (01:00 GMT becomes 02:00 BST): the
  // night from 23:00 to 08:00 local lasts 8 hours.
  const char* london = "Europe/London";
  const std::int64_t spring = at(london, 2026, 3, 28, 23, 0);
  auto spring_end = until(*q, spring, london);
  ASSERT_TRUE(spring_end);
  EXPECT_EQ(*spring_end, at(london, 2026, 3, 29, 8, 0));
  EXPECT_EQ(*spring_end - spring, 8 * kHour);
  EXPECT_EQ(*spring_end, at("UTC", 2026, 3, 29, 7, 0));
  // It falls back on 2026-10-25 (02:00 BST becomes 01:00 GMT): 10 hours.
  const std::int64_t autumn = at(london, 2026, 10, 24, 23, 0);
  auto autumn_end = until(*q, autumn, london);
  ASSERT_TRUE(autumn_end);
  EXPECT_EQ(*autumn_end - autumn, 10 * kHour);
  EXPECT_EQ(*autumn_end, at("UTC", 2026, 10, 25, 8, 0));
  // New York: 08:00 EDT on 2026-03-08 is 12:00 UTC, not 13:00.
  const char* ny = "America/New_York";
  auto ny_end = until(*q, at(ny, 2026, 3, 7, 23, 30), ny);
  ASSERT_TRUE(ny_end);
  EXPECT_EQ(*ny_end, at("UTC", 2026, 3, 8, 12, 0));
  // A window ending inside the skipped hour ends when the clock resumes.
  auto gap = QuietHours::parse("22:00", "01:30");
  ASSERT_TRUE(gap.ok());
  const std::int64_t before_gap = at("UTC", 2026, 3, 29, 0, 30);  // 00:30 GMT
  auto gap_end = until(*gap, before_gap, london);
  ASSERT_TRUE(gap_end);
  EXPECT_GE(*gap_end, at("UTC", 2026, 3, 29, 1, 0));  // 02:00 BST, the gap's end
  EXPECT_LE(*gap_end, at("UTC", 2026, 3, 29, 1, 30));
}

}  // namespace
}  // namespace wasl::notifications
