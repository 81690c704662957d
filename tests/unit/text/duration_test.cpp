#include "hub/text/duration.hpp"

#include <gtest/gtest.h>

namespace wasl::text {
namespace {

using namespace std::chrono_literals;

TEST(Duration, ParsesEachUnit) {
  EXPECT_EQ(*parse_duration("250ms"), 250ms);
  EXPECT_EQ(*parse_duration("5s"), 5s);
  EXPECT_EQ(*parse_duration("2m"), 2min);
  EXPECT_EQ(*parse_duration("1h"), 1h);
  EXPECT_EQ(*parse_duration("7d"), std::chrono::hours(7 * 24));
  EXPECT_EQ(*parse_duration("0s"), 0ms);
}

TEST(Duration, RefusesOtherForms) {
  for (const char* bad : {"", "5", "s", "5 s", "-5s", "1.5h", "5sec", "1h30m", "5S", "ms"}) {
    auto r = parse_duration(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, sdk::ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().message, "'" + std::string(bad) +
                                     "' is not a duration; expected a whole number and a unit, "
                                     "such as 250ms, 5s, 2m, 1h or 7d");
  }
}

TEST(Duration, RefusesMoreThanAYear) {
  EXPECT_TRUE(parse_duration("365d").ok());
  auto r = parse_duration("366d");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "duration '366d' is longer than 365d");
  EXPECT_FALSE(parse_duration("99999999999999999999s").ok());
}

TEST(Duration, FormatsExactly) {
  EXPECT_EQ(format_duration(90s), "90s");
  EXPECT_EQ(format_duration(60000ms), "1m");
  EXPECT_EQ(format_duration(1500ms), "1500ms");
  EXPECT_EQ(format_duration(std::chrono::hours(48)), "2d");
  EXPECT_EQ(format_duration(0ms), "0ms");
}

}  // namespace
}  // namespace wasl::text
