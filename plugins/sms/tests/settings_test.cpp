#include "plugins/sms/settings.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "wasl/sdk/testing/fake_host.hpp"
#include "wasl/sdk/testing/schema_settings.hpp"

namespace wasl::plugins::sms {
namespace {

using nlohmann::json;
using sdk::testing::FakeHost;

const std::string kSchema = WASL_SOURCE_DIR "/plugins/sms/schema.json";

json with_schema(const json& settings) {
  return sdk::testing::settings_from_schema(kSchema, settings);
}

json minimal() { return {{"base_url", "https://sms.example.sa/"}, {"sender", "Wasl"}}; }

TEST(SmsSettingsTest, DefaultsComeFromTheSchema) {
  json s = minimal();
  s["api_key"] = "key-1";
  s["receipt_secret"] = "0123456789abcdef";
  FakeHost host(with_schema(s));
  auto notify = parse_settings(host.settings(), host, SettingsUse::kNotify);
  ASSERT_TRUE(notify.ok()) << notify.error().message;
  EXPECT_EQ(notify->base_url, "https://sms.example.sa");
  EXPECT_EQ(notify->sender, "Wasl");
  EXPECT_EQ(notify->api_key, "key-1");
  EXPECT_EQ(notify->request_timeout.count(), 15000);
  EXPECT_EQ(notify->receipt_tolerance.count(), 300);
  EXPECT_EQ(notify->max_segments, 10);
  auto webhook = parse_settings(host.settings(), host, SettingsUse::kWebhook);
  ASSERT_TRUE(webhook.ok()) << webhook.error().message;
  EXPECT_EQ(webhook->receipt_secret, "0123456789abcdef");
}

TEST(SmsSettingsTest, SecretsMayComeFromTheSecretStore) {
  FakeHost host(with_schema(minimal()));
  host.set_secret("api_key", "stored-key");
  host.set_secret("receipt_secret", "stored-receipt-secret");
  EXPECT_EQ(parse_settings(host.settings(), host, SettingsUse::kNotify)->api_key, "stored-key");
  EXPECT_EQ(parse_settings(host.settings(), host, SettingsUse::kWebhook)->receipt_secret,
            "stored-receipt-secret");
}

TEST(SmsSettingsTest, AMissingOrShortSecretRefusesTheInstanceWithoutRepeatingIt) {
  FakeHost host(with_schema(minimal()));
  auto no_key = parse_settings(host.settings(), host, SettingsUse::kNotify);
  ASSERT_FALSE(no_key.ok());
  EXPECT_EQ(no_key.error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_NE(no_key.error().message.find("api_key"), std::string::npos);
  auto no_secret = parse_settings(host.settings(), host, SettingsUse::kWebhook);
  ASSERT_FALSE(no_secret.ok());
  EXPECT_NE(no_secret.error().message.find("receipt_secret"), std::string::npos);

  host.set_secret("receipt_secret", "too-short");
  auto short_secret = parse_settings(host.settings(), host, SettingsUse::kWebhook);
  ASSERT_FALSE(short_secret.ok());
  EXPECT_EQ(short_secret.error().message.find("too-short"), std::string::npos);

  host.fail_secret("api_key", sdk::Error(sdk::ErrorCode::kUnavailable, "vault down", true));
  auto outage = parse_settings(host.settings(), host, SettingsUse::kNotify);
  ASSERT_FALSE(outage.ok());
  EXPECT_EQ(outage.error().code, sdk::ErrorCode::kUnavailable);
}

TEST(SmsSettingsTest, PlainHttpOnlyToLoopback) {
  json loopback = minimal();
  loopback["base_url"] = "http://127.0.0.1:4579";
  loopback["api_key"] = "k";
  FakeHost ok_host(with_schema(loopback));
  EXPECT_TRUE(parse_settings(ok_host.settings(), ok_host, SettingsUse::kNotify).ok());
  json remote = loopback;
  remote["base_url"] = "http://sms.example.sa";
  FakeHost host(with_schema(remote));
  auto refused = parse_settings(host.settings(), host, SettingsUse::kNotify);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("https://"), std::string::npos);
}

TEST(SmsSettingsTest, TheSchemaRefusesWhatNoGatewayTakes) {
  for (const json& bad : {
           json{{"base_url", "https://sms.example.sa"}},       // no sender
           json{{"sender", "Wasl"}},                           // no base_url
           json{{"base_url", "ftp://x"}, {"sender", "Wasl"}},  // not http(s)
           json{{"base_url", "https://x"}, {"sender", "A sender name too long"}},
           json{{"base_url", "https://x"}, {"sender", "Wasl!"}},
           json{{"base_url", "https://x"}, {"sender", "Wasl"}, {"receipt_secret", "short"}},
           json{{"base_url", "https://x"}, {"sender", "Wasl"}, {"max_segments", 0}},
           json{{"base_url", "https://x"}, {"sender", "Wasl"}, {"colour", "blue"}},
       }) {
    EXPECT_THROW(with_schema(bad), std::invalid_argument) << bad.dump();
  }
  EXPECT_NO_THROW(with_schema({{"base_url", "https://x"}, {"sender", "966500000000"}}))
      << "a numeric sender";
  EXPECT_NO_THROW(with_schema({{"base_url", "https://x"}, {"sender", "Wasl Clinic"}}));
}

}  // namespace
}  // namespace wasl::plugins::sms
