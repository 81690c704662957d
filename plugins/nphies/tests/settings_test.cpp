#include "plugins/nphies/settings.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace wasl::plugins::nphies {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

TEST(NphiesSettingsTest, DefaultsAndUrls) {
  auto s = parse_settings({{"base_url", "https://hsb.nphies.sa/"},
                           {"provider_base_url", "http://sgh.com.sa"}});
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->process_message_url(), "https://hsb.nphies.sa/$process-message");
  EXPECT_EQ(s->identifier_system("claim"), "http://sgh.com.sa/identifier/claim");
  EXPECT_EQ(s->max_clock_skew, std::chrono::seconds(900));
  EXPECT_EQ(s->poll_count, 100);
}

TEST(NphiesSettingsTest, PlainHttpIsRefused) {
  auto s = parse_settings({{"base_url", "http://hsb.nphies.sa"}, {"provider_base_url", "http://x"}});
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message, HasSubstr("https"));
  EXPECT_FALSE(parse_settings({{"base_url", "https://x"}}).ok());
  EXPECT_FALSE(parse_settings({{"base_url", "https://x"},
                               {"provider_base_url", "http://y"},
                               {"poll_count", 101}})
                   .ok());
}

}  // namespace
}  // namespace wasl::plugins::nphies
