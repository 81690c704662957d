#include "plugins/chime/settings.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "wasl/sdk/testing/fake_host.hpp"
#include "wasl/sdk/testing/schema_settings.hpp"

namespace wasl::plugins::chime {
namespace {

using nlohmann::json;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const std::string kSchema = WASL_SOURCE_DIR "/plugins/chime/schema.json";

// As the hub hands them over: checked against schema.json, defaults filled in.
json settings_with_schema(const json& settings) {
  return sdk::testing::settings_from_schema(kSchema, settings);
}

std::vector<std::string> violations(const json& settings) {
  const json schema = sdk::testing::read_schema(kSchema);
  return sdk::testing::schema_violations(schema, sdk::with_schema_defaults(schema, settings));
}

TEST(SettingsTest, DefaultsNameTheRegionalEndpoints) {
  sdk::testing::FakeHost host;
  json settings = {{"region", "eu-central-1"},
                   {"credentials", {{"access_key_id", "AKID"}, {"secret_access_key", "SECRET"}}}};
  auto parsed = parse_settings(settings_with_schema(settings), host, SettingsUse::kVideo);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->meetings.origin(), "https://meetings-chime.eu-central-1.amazonaws.com");
  EXPECT_EQ(parsed->media_pipelines.origin(),
            "https://media-pipelines-chime.eu-central-1.amazonaws.com");
  EXPECT_EQ(parsed->s3.origin(), "https://s3.eu-central-1.amazonaws.com");
  EXPECT_EQ(parsed->media_region, "eu-central-1");
  EXPECT_EQ(parsed->rate_limit.requests_per_second, 10);
  EXPECT_EQ(parsed->rate_limit.burst, 20);
  EXPECT_EQ(parsed->rate_limit.max_wait, std::chrono::milliseconds(10000));
  EXPECT_EQ(parsed->retry.max_attempts, 3);
  EXPECT_EQ(parsed->retry.max_delay, std::chrono::milliseconds(5000));
  EXPECT_EQ(parsed->retry.initial_backoff, std::chrono::milliseconds(200));
  EXPECT_EQ(parsed->join_lead, std::chrono::seconds(600));
  EXPECT_EQ(parsed->reconcile_interval, std::chrono::seconds(30));
  EXPECT_EQ(parsed->eventbridge_header_name, "x-wasl-eventbridge-secret");
  EXPECT_FALSE(parsed->credentials.session_token.has_value());
}

TEST(SettingsTest, OverriddenEndpointsKeepPortAndPath) {
  sdk::testing::FakeHost host;
  json settings = {{"endpoints", {{"meetings", "http://127.0.0.1:4567/base/"}}},
                   {"credentials", {{"access_key_id", "AKID"}, {"secret_access_key", "SECRET"}}},
                   {"capture", {{"bucket_arn", "arn:aws:s3:::recordings"}, {"prefix", "/wasl/"}}}};
  auto parsed = parse_settings(settings_with_schema(settings), host, SettingsUse::kVideo);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->meetings.scheme, "http");
  EXPECT_EQ(parsed->meetings.authority, "127.0.0.1:4567");
  EXPECT_EQ(parsed->meetings.base_path, "/base");
  EXPECT_EQ(parsed->capture_sink_arn(), "arn:aws:s3:::recordings/wasl");
  EXPECT_EQ(parsed->capture_bucket(), "recordings");
}

TEST(SettingsTest, CredentialsFallBackToInstanceSecrets) {
  sdk::testing::FakeHost host;
  host.set_secret("access_key_id", "AKID");
  host.set_secret("secret_access_key", "SECRET");
  host.set_secret("session_token", "SESSION");
  auto parsed = parse_settings(settings_with_schema(json::object()), host, SettingsUse::kVideo);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->credentials.access_key_id, "AKID");
  EXPECT_EQ(parsed->credentials.session_token, "SESSION");
}

TEST(SettingsTest, MissingCredentialsRefuseTheVideoInstanceWithoutShowingValues) {
  sdk::testing::FakeHost host;
  auto parsed = parse_settings(
      settings_with_schema(json{{"credentials", {{"access_key_id", "AKID-VISIBLE"}}}}), host,
      SettingsUse::kVideo);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_EQ(parsed.error().message.find("AKID-VISIBLE"), std::string::npos);
  // The webhook capability needs no AWS credentials.
  EXPECT_TRUE(
      parse_settings(settings_with_schema(json::object()), host, SettingsUse::kWebhook).ok());
}

TEST(SettingsTest, RefusesAnEndpointWithUserInformation) {
  sdk::testing::FakeHost host;
  json settings = {{"endpoints", {{"s3", "https://user:pass@s3.example"}}},
                   {"credentials", {{"access_key_id", "A"}, {"secret_access_key", "S"}}}};
  auto parsed = parse_settings(settings_with_schema(settings), host, SettingsUse::kVideo);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().message.find("endpoints.s3"), std::string::npos);
  EXPECT_EQ(parsed.error().message.find("pass"), std::string::npos);
}

// The rules a schema can state live in schema.json alone: the hub refuses
// such settings, naming the setting, before the plugin sees them.
TEST(SettingsTest, TheSchemaRefusesBadValues) {
  EXPECT_THAT(violations(json::object()), IsEmpty());
  for (const auto& [key, value] :
       std::vector<std::pair<std::string, json>>{{"endpoints", {{"s3", "ftp://example"}}},
                                                 {"region", "EU-CENTRAL-1"},
                                                 {"capture", {{"bucket_arn", "arn:aws:s3:::"}}},
                                                 {"rate_limit", {{"requests_per_second", 0}}},
                                                 {"rate_limit", {{"burst", 0}}},
                                                 {"retry", {{"max_attempts", 0}}}}) {
    EXPECT_THAT(violations(json{{key, value}}), Contains(HasSubstr(key))) << key << " = " << value;
  }
}

}  // namespace
}  // namespace wasl::plugins::chime
