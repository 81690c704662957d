#include "plugins/twilio/form_encoding.hpp"

#include <gtest/gtest.h>

namespace wasl::plugins::twilio {
namespace {

TEST(FormEncodingTest, RepeatsKeysForArraysInOrder) {
  FormFields fields{{"Type", "group"}, {"UniqueName", "wasl run/1 step"}};
  append_repeated(fields, "VideoCodecs", {"VP8", "H264"});
  EXPECT_EQ(encode_form(fields),
            "Type=group&UniqueName=wasl%20run%2F1%20step&VideoCodecs=VP8&VideoCodecs=H264");
  EXPECT_EQ(encode_form({}), "");
}

TEST(FormEncodingTest, ParsesPlusAndPercent20AsSpaceAndKeepsRepeatedKeys) {
  auto parsed = parse_form("RoomName=a+b%20c&Rules=1&Rules=2&Empty=&Flag&&X=%2B%26%3D");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  FormFields expected{{"RoomName", "a b c"}, {"Rules", "1"}, {"Rules", "2"},
                      {"Empty", ""},         {"Flag", ""},   {"X", "+&="}};
  EXPECT_EQ(*parsed, expected);
  EXPECT_EQ(form_value(*parsed, "Rules"), "1");
  EXPECT_EQ(form_values(*parsed, "Rules"), (std::vector<std::string>{"1", "2"}));
  EXPECT_FALSE(form_value(*parsed, "rules").has_value());
}

TEST(FormEncodingTest, RoundTripsArbitraryBytes) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  FormFields fields{{all, all}, {"k", "v w"}};
  auto parsed = parse_form(encode_form(fields));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, fields);
}

TEST(FormEncodingTest, RefusesMalformedEscapesNamingThePosition) {
  for (const char* body : {"a=%", "a=%4", "a=%zz", "%G1=x"}) {
    auto parsed = parse_form(body);
    ASSERT_FALSE(parsed.ok()) << body;
    EXPECT_EQ(parsed.error().code, sdk::ErrorCode::kInvalidArgument);
    EXPECT_NE(parsed.error().message.find("byte"), std::string::npos);
  }
  auto parsed = parse_form("secret=%4");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().message.find("secret"), std::string::npos);
}

TEST(FormEncodingTest, RefusesMoreFieldsThanTheCapBeforeDecoding) {
  std::string body;
  for (int i = 0; i < 1000; ++i) body += (i ? "&f" : "f") + std::to_string(i) + "=v";
  ASSERT_TRUE(parse_form(body).ok()) << "1,000 fields is the cap";
  ASSERT_TRUE(parse_form(body + "&&&").ok()) << "empty segments are not fields";
  auto over = parse_form(body + "&one=more");
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_NE(over.error().message.find("more than 1000 fields"), std::string::npos);
  EXPECT_TRUE(parse_form("a=1&b=2&c=3", 3).ok());
  EXPECT_FALSE(parse_form("a=1&b=2&c=3", 2).ok());
}

TEST(FormEncodingTest, EmptyBodyIsNoFields) {
  auto parsed = parse_form("");
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->empty());
}

}  // namespace
}  // namespace wasl::plugins::twilio
