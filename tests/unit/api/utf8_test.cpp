#include "hub/api/utf8.hpp"

#include <gtest/gtest.h>

namespace wasl::api {
namespace {

TEST(Utf8Test, AcceptsWellFormedText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8("فاطمة الزهراني"));
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x98\x80"));  // U+1F600
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF
  EXPECT_EQ(utf8_length("فاطمة"), 5u);
  EXPECT_EQ(utf8_length("a\xF0\x9F\x98\x80z"), 3u);
}

TEST(Utf8Test, RefusesMalformedText) {
  EXPECT_FALSE(is_valid_utf8("\xC3\x28"));          // bad continuation
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // UTF-16 surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xD9"));              // truncated
  EXPECT_FALSE(is_valid_utf8("\xE2\x82"));          // truncated
  EXPECT_FALSE(is_valid_utf8("\xFF"));
  EXPECT_FALSE(utf8_length("ok\x80").has_value());
}

}  // namespace
}  // namespace wasl::api
