#include "plugins/twilio/settings.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "wasl/sdk/testing/fake_host.hpp"
#include "wasl/sdk/testing/schema_settings.hpp"

namespace wasl::plugins::twilio {
namespace {

using nlohmann::json;
using sdk::ErrorCode;
using sdk::testing::FakeHost;
using sdk::testing::settings_from_schema;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const std::string kSchema = WASL_SOURCE_DIR "/plugins/twilio/schema.json";

json minimal() {
  return {{"account_sid", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
          {"api_key_sid", "SKbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"},
          {"api_key_secret", "s3cret"}};
}

TEST(TwilioSettingsTest, DefaultsMatchTwilioAndTheSchema) {
  FakeHost host(settings_from_schema(kSchema, minimal()));
  auto s = parse_settings(host.settings(), host, SettingsUse::kVideo);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->base_url, "https://video.twilio.com");
  EXPECT_EQ(s->media_host_suffixes, (std::vector<std::string>{".amazonaws.com", ".twilio.com"}));
  EXPECT_EQ(s->empty_room_timeout_minutes, 5);
  EXPECT_EQ(s->unused_room_timeout_minutes, 5);
  EXPECT_EQ(s->max_participant_duration_seconds, 14400);
  EXPECT_TRUE(s->delete_after_archive);
  EXPECT_FALSE(s->record_participants_on_connect);
  EXPECT_EQ(s->token_ttl, std::chrono::seconds(3600));
  EXPECT_EQ(s->request_timeout, std::chrono::milliseconds(15000));
  EXPECT_EQ(s->media_timeout, std::chrono::milliseconds(3600000));
  EXPECT_EQ(s->composition.format, "mp4");
  EXPECT_EQ(s->composition.resolution, "1280x720");
  EXPECT_EQ(s->composition.poll_interval, std::chrono::milliseconds(30000));
}

TEST(TwilioSettingsTest, SecretsComeFromTheHostWhenSettingsLackThem) {
  json settings = minimal();
  settings.erase("api_key_secret");
  FakeHost host(settings_from_schema(kSchema, settings));
  auto missing = parse_settings(host.settings(), host, SettingsUse::kVideo);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(missing.error().message.find("api_key_secret"), std::string::npos);
  host.set_secret("api_key_secret", "from-store");
  auto s = parse_settings(host.settings(), host, SettingsUse::kVideo);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->api_key_secret, "from-store");
}

// The rules live in schema.json alone: the hub refuses such settings, naming
// the setting, before the plugin sees them.
TEST(TwilioSettingsTest, TheSchemaRefusesBadValues) {
  const json schema = sdk::testing::read_schema(kSchema);
  EXPECT_THAT(sdk::testing::schema_violations(schema, sdk::with_schema_defaults(schema, minimal())),
              IsEmpty());
  for (const auto& [key, value] : std::vector<std::pair<std::string, json>>{
           {"account_sid", "XXaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
           {"api_key_sid", "SK1"},
           {"base_url", "ftp://video.twilio.com"},
           {"base_url", "https://video.twilio.com/?x=1"},
           {"empty_room_timeout_minutes", 61},
           {"max_participant_duration_seconds", 100},
           {"status_callback_url", "not a url"},
           {"status_callback_url", "https://"},
           {"media_host_suffixes", json::array({""})},
           {"composition", {{"format", "avi"}}}}) {
    json settings = minimal();
    settings[key] = value;
    EXPECT_THAT(
        sdk::testing::schema_violations(schema, sdk::with_schema_defaults(schema, settings)),
        Contains(HasSubstr(key)))
        << key << " = " << value;
  }
}

TEST(TwilioSettingsTest, BaseUrlLosesItsTrailingSlash) {
  json settings = minimal();
  settings["base_url"] = "http://127.0.0.1:4010/";
  FakeHost host(settings_from_schema(kSchema, settings));
  auto s = parse_settings(host.settings(), host, SettingsUse::kVideo);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->base_url, "http://127.0.0.1:4010");
}

}  // namespace
}  // namespace wasl::plugins::twilio
