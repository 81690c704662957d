#include "plugins/twilio/settings.hpp"

#include <gtest/gtest.h>

#include "wasl/sdk/testing/fake_host.hpp"

namespace wasl::plugins::twilio {
namespace {

using nlohmann::json;
using sdk::ErrorCode;
using sdk::testing::FakeHost;

json minimal() {
  return {{"account_sid", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
          {"api_key_sid", "SKbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"},
          {"api_key_secret", "s3cret"}};
}

TEST(TwilioSettingsTest, DefaultsMatchTwilioAndTheSchema) {
  FakeHost host(minimal());
  auto s = parse_settings(host.settings(), host, SettingsUse::kVideo);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->base_url, "https://video.twilio.com");
  EXPECT_EQ(s->empty_room_timeout_minutes, 5);
  EXPECT_EQ(s->unused_room_timeout_minutes, 5);
  EXPECT_EQ(s->max_participant_duration_seconds, 14400);
  EXPECT_TRUE(s->delete_after_archive);
  EXPECT_FALSE(s->record_participants_on_connect);
  EXPECT_EQ(s->token_ttl, std::chrono::seconds(3600));
  EXPECT_EQ(s->composition.format, "mp4");
  EXPECT_EQ(s->composition.poll_interval, std::chrono::milliseconds(30000));
}

TEST(TwilioSettingsTest, SecretsComeFromTheHostWhenSettingsLackThem) {
  json settings = minimal();
  settings.erase("api_key_secret");
  FakeHost host(settings);
  auto missing = parse_settings(host.settings(), host, SettingsUse::kVideo);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("api_key_secret"), std::string::npos);
  host.set_secret("api_key_secret", "from-store");
  auto s = parse_settings(host.settings(), host, SettingsUse::kVideo);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->api_key_secret, "from-store");
}

TEST(TwilioSettingsTest, BadValuesAreNamedNotQuoted) {
  for (const auto& [key, value] : std::vector<std::pair<std::string, json>>{
           {"account_sid", "XXaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
           {"api_key_sid", "SK1"},
           {"base_url", "ftp://video.twilio.com"},
           {"empty_room_timeout_minutes", 61},
           {"max_participant_duration_seconds", 100},
           {"status_callback_url", "not a url"}}) {
    json settings = minimal();
    settings[key] = value;
    FakeHost host(settings);
    auto s = parse_settings(host.settings(), host, SettingsUse::kVideo);
    ASSERT_FALSE(s.ok()) << key;
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(s.error().message.find(key), std::string::npos) << s.error().message;
    EXPECT_EQ(s.error().message.find("s3cret"), std::string::npos);
  }
}

TEST(TwilioSettingsTest, BaseUrlLosesItsTrailingSlash) {
  json settings = minimal();
  settings["base_url"] = "http://127.0.0.1:4010/";
  FakeHost host(settings);
  auto s = parse_settings(host.settings(), host, SettingsUse::kVideo);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->base_url, "http://127.0.0.1:4010");
}

}  // namespace
}  // namespace wasl::plugins::twilio
