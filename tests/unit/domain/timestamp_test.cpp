#include "hub/domain/timestamp.hpp"

#include <gtest/gtest.h>

namespace wasl::domain {
namespace {

TEST(TimestampTest, FormatsAndParsesRfc3339) {
  EXPECT_EQ(format_timestamp(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_timestamp(1'772'357'400'123), "2026-03-01T09:30:00.123Z");
  EXPECT_EQ(parse_timestamp("2026-03-01T09:30:00.123Z"), 1'772'357'400'123);
  EXPECT_EQ(parse_timestamp("2026-03-01T12:30:00+03:00"), 1'772'357'400'000);
  EXPECT_EQ(parse_timestamp("1969-12-31T23:59:59.999Z"), -1);
  EXPECT_EQ(format_timestamp(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(parse_timestamp("2024-02-29T00:00:00Z").has_value(), true);
}

TEST(TimestampTest, RefusesMalformedTimes) {
  for (const char* bad : {"", "2026-03-01", "2026-03-01T09:30:00", "2026-13-01T00:00:00Z",
                          "2025-02-29T00:00:00Z", "2026-03-01T24:00:00Z", "2026-03-01T09:30:00.Z",
                          "2026-03-01T09:30:00Zjunk", "2026-03-01T09:30:00+3:00"}) {
    EXPECT_FALSE(parse_timestamp(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace wasl::domain
