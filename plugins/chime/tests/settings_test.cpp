#include "plugins/chime/settings.hpp"

#include <gtest/gtest.h>

#include "wasl/sdk/testing/fake_host.hpp"

namespace wasl::plugins::chime {
namespace {

using nlohmann::json;

TEST(SettingsTest, DefaultsNameTheRegionalEndpoints) {
  sdk::testing::FakeHost host;
  json settings = {{"region", "eu-central-1"},
                   {"credentials", {{"access_key_id", "AKID"}, {"secret_access_key", "SECRET"}}}};
  auto parsed = parse_settings(settings, host, SettingsUse::kVideo);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->meetings.origin(), "https://meetings-chime.eu-central-1.amazonaws.com");
  EXPECT_EQ(parsed->media_pipelines.origin(),
            "https://media-pipelines-chime.eu-central-1.amazonaws.com");
  EXPECT_EQ(parsed->s3.origin(), "https://s3.eu-central-1.amazonaws.com");
  EXPECT_EQ(parsed->media_region, "eu-central-1");
  EXPECT_EQ(parsed->rate_limit.requests_per_second, 10);
  EXPECT_EQ(parsed->rate_limit.burst, 20);
  EXPECT_FALSE(parsed->credentials.session_token.has_value());
}

TEST(SettingsTest, OverriddenEndpointsKeepPortAndPath) {
  sdk::testing::FakeHost host;
  json settings = {{"endpoints", {{"meetings", "http://127.0.0.1:4567/base/"}}},
                   {"credentials", {{"access_key_id", "AKID"}, {"secret_access_key", "SECRET"}}},
                   {"capture", {{"bucket_arn", "arn:aws:s3:::recordings"}, {"prefix", "/wasl/"}}}};
  auto parsed = parse_settings(settings, host, SettingsUse::kVideo);
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
  auto parsed = parse_settings(json::object(), host, SettingsUse::kVideo);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->credentials.access_key_id, "AKID");
  EXPECT_EQ(parsed->credentials.session_token, "SESSION");
}

TEST(SettingsTest, MissingCredentialsRefuseTheVideoInstanceWithoutShowingValues) {
  sdk::testing::FakeHost host;
  auto parsed = parse_settings(json{{"credentials", {{"access_key_id", "AKID-VISIBLE"}}}}, host,
                               SettingsUse::kVideo);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_EQ(parsed.error().message.find("AKID-VISIBLE"), std::string::npos);
  // The webhook capability needs no AWS credentials.
  EXPECT_TRUE(parse_settings(json::object(), host, SettingsUse::kWebhook).ok());
}

TEST(SettingsTest, RefusesAMalformedEndpoint) {
  sdk::testing::FakeHost host;
  json settings = {{"endpoints", {{"s3", "ftp://example"}}},
                   {"credentials", {{"access_key_id", "A"}, {"secret_access_key", "S"}}}};
  auto parsed = parse_settings(settings, host, SettingsUse::kVideo);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().message.find("endpoints.s3"), std::string::npos);
}

}  // namespace
}  // namespace wasl::plugins::chime
