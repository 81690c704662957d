#include "plugins/chime/iso8601.hpp"

#include <gtest/gtest.h>

namespace wasl::plugins::chime {
namespace {

TEST(Iso8601Test, ParsesAwsTimestamps) {
  EXPECT_EQ(parse_iso8601_ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_iso8601_ms("2023-11-14T22:13:20Z"), 1700000000000);
  EXPECT_EQ(parse_iso8601_ms("2023-11-14T22:13:20.123Z"), 1700000000123);
  EXPECT_EQ(parse_iso8601_ms("2023-11-15T01:13:20+03:00"), 1700000000000);
}

TEST(Iso8601Test, RefusesWhatIsNotATimestamp) {
  EXPECT_FALSE(parse_iso8601_ms("yyyy-mm-ddThh:mm:ssZ").has_value());
  EXPECT_FALSE(parse_iso8601_ms("2023-02-30T00:00:00Z").has_value());
  EXPECT_FALSE(parse_iso8601_ms("2023-11-14T22:13:20").has_value());
  EXPECT_FALSE(parse_iso8601_ms("").has_value());
}

}  // namespace
}  // namespace wasl::plugins::chime
