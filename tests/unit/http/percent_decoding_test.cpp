#include "hub/http/percent_decoding.hpp"

#include <gtest/gtest.h>

namespace wasl::http {
namespace {

TEST(PercentDecodingTest, DecodesEscapes) {
  EXPECT_EQ(percent_decode("a%20b%2Fc").value(), "a b/c");
  EXPECT_EQ(percent_decode("a+b").value(), "a+b");
  EXPECT_EQ(percent_decode("a+b", true).value(), "a b");
  EXPECT_FALSE(percent_decode("%zz").has_value());
  EXPECT_FALSE(percent_decode("%4").has_value());
  EXPECT_FALSE(percent_decode("abc%").has_value());
}

TEST(PercentDecodingTest, ParsesQueryStrings) {
  auto q = parse_query("limit=10&cursor=a%3Db&name=%D9%88%D8%B5%D9%84&flag&x=1&x=2&bad=%zz&=v");
  EXPECT_EQ(q.at("limit"), "10");
  EXPECT_EQ(q.at("cursor"), "a=b");
  EXPECT_EQ(q.at("name"), "وصل");
  EXPECT_EQ(q.at("flag"), "");
  EXPECT_EQ(q.at("x"), "2");
  EXPECT_EQ(q.count("bad"), 0u);
  EXPECT_EQ(q.size(), 5u);
}

}  // namespace
}  // namespace wasl::http
