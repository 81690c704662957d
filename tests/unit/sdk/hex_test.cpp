#include "wasl/sdk/hex.hpp"

#include <gtest/gtest.h>

#include "wasl/sdk/percent_encoding.hpp"

namespace wasl::sdk {
namespace {

TEST(HexTest, TwoDigitsPerByteMostSignificantFirst) {
  EXPECT_EQ(to_hex(std::string_view("\x00\xff\x10\xab", 4)), "00ff10ab");
  EXPECT_EQ(to_hex(std::string_view("\x00\xff\x10\xab", 4), HexCase::kUpper), "00FF10AB");
  const unsigned char digest[] = {0xde, 0xad, 0xbe, 0xef};
  EXPECT_EQ(to_hex(digest, sizeof digest), "deadbeef");
  EXPECT_EQ(to_hex(""), "");
}

TEST(HexTest, DigitValuesInEitherCase) {
  EXPECT_EQ(hex_digit_value('0'), 0);
  EXPECT_EQ(hex_digit_value('9'), 9);
  EXPECT_EQ(hex_digit_value('a'), 10);
  EXPECT_EQ(hex_digit_value('F'), 15);
  EXPECT_EQ(hex_digit_value('g'), -1);
  EXPECT_EQ(hex_digit_value('%'), -1);
}

TEST(PercentEncodingTest, KeepsUnreservedAndEscapesEverythingElseRfc3986) {
  EXPECT_EQ(percent_encode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(percent_encode("a b+c"), "a%20b%2Bc");
  EXPECT_EQ(percent_encode("https://h/x?y=1&z"), "https%3A%2F%2Fh%2Fx%3Fy%3D1%26z");
  EXPECT_EQ(percent_encode("*!'()"), "%2A%21%27%28%29");
  // UTF-8 bytes, upper-case hex ("سل").
  EXPECT_EQ(percent_encode("\xD8\xB3\xD9\x84"), "%D8%B3%D9%84");
}

TEST(PercentEncodingTest, KeepsTheBytesAskedFor) {
  EXPECT_EQ(percent_encode("a/b c~", "/"), "a/b%20c~");
  EXPECT_EQ(percent_encode("a/b c~"), "a%2Fb%20c~");
}

}  // namespace
}  // namespace wasl::sdk
