#include "plugins/twilio/twilio_webhook_verifier.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include "plugins/twilio/request_signature.hpp"
#include "plugins/twilio/settings.hpp"
#include "wasl/sdk/testing/fake_host.hpp"
#include "wasl/sdk/testing/schema_settings.hpp"

namespace wasl::plugins::twilio {
namespace {

using nlohmann::json;
using sdk::ErrorCode;

constexpr char kToken[] = "wasl-test-auth-token";
constexpr char kUrl[] = "https://wasl.example.org/v1/webhooks/video.twilio-main";

FormFields room_ended(const std::string& timestamp = "2025-10-27T18:46:01.876Z") {
  return {{"AccountSid", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
          {"RoomSid", "RM11111111111111111111111111111111"},
          {"RoomName", "wasl-room"},
          {"RoomStatus", "completed"},
          {"RoomType", "group"},
          {"StatusCallbackEvent", "room-ended"},
          {"Timestamp", timestamp},
          {"SequenceNumber", "9"}};
}

sdk::WebhookRequest signed_request(const FormFields& fields, const std::string& url = kUrl,
                                   const std::string& signed_url = kUrl) {
  sdk::WebhookRequest request;
  request.method = "POST";
  request.url = url;
  request.headers = {{"content-type", "application/x-www-form-urlencoded"},
                     {"x-twilio-signature", compute_signature(kToken, signed_url, fields)}};
  request.body = encode_form(fields);
  return request;
}

TEST(TwilioWebhookVerifierTest, SignedCallbackBecomesOneEvent) {
  TwilioWebhookVerifier verifier(kToken);
  auto events = verifier.verify(signed_request(room_ended()));
  ASSERT_TRUE(events.ok()) << events.error().message;
  ASSERT_EQ(events->size(), 1u);
  const sdk::Event& e = (*events)[0];
  EXPECT_EQ(e.type, "room.ended");
  EXPECT_EQ(e.room_id, "RM11111111111111111111111111111111");
  EXPECT_EQ(e.occurred_at_ms, 1761590761876);
  EXPECT_EQ(e.dedupe_key, "twilio:room-ended:RM11111111111111111111111111111111");
  // A redelivery has the same key.
  auto again = verifier.verify(signed_request(room_ended()));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)[0].dedupe_key, e.dedupe_key);
}

TEST(TwilioWebhookVerifierTest, DefaultPortVariantIsAccepted) {
  TwilioWebhookVerifier verifier(kToken);
  // Signed over the URL with :443, presented without it, and the reverse.
  const std::string with_port = "https://wasl.example.org:443/v1/webhooks/video.twilio-main";
  EXPECT_TRUE(verifier.verify(signed_request(room_ended(), kUrl, with_port)).ok());
  EXPECT_TRUE(verifier.verify(signed_request(room_ended(), with_port, kUrl)).ok());
}

TEST(TwilioWebhookVerifierTest, ForgedTruncatedReplayedAndUnsignedAreRefused) {
  TwilioWebhookVerifier verifier(kToken);
  auto forged = signed_request(room_ended());
  forged.body = encode_form(room_ended("2025-10-27T18:50:00.000Z"));  // changed after signing
  auto truncated = signed_request(room_ended());
  truncated.headers[1].second.resize(truncated.headers[1].second.size() - 4);
  auto replayed =
      signed_request(room_ended(), "https://other.example.org/v1/webhooks/video.twilio-main");
  auto unsigned_request = signed_request(room_ended());
  unsigned_request.headers.pop_back();
  auto wrong_key = signed_request(room_ended());
  wrong_key.headers[1].second = compute_signature("another-token", kUrl, room_ended());
  for (const auto* request : {&forged, &truncated, &replayed, &unsigned_request, &wrong_key}) {
    auto result = verifier.verify(*request);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, ErrorCode::kUnauthenticated);
    EXPECT_FALSE(result.error().retryable);
    EXPECT_EQ(result.error().message.find(kToken), std::string::npos);
  }
}

TEST(TwilioWebhookVerifierTest, PublishedVectorPassesTheSignatureCheck) {
  std::ifstream in(std::string(WASL_SHARED_DATA_DIR) + "/video/twilio/signature-published.json");
  ASSERT_TRUE(in.good());
  const json v = json::parse(in).at("vectors").at(0);
  FormFields params;
  for (const auto& [name, value] : v.at("params").items()) params.push_back({name, value});
  sdk::WebhookRequest request;
  request.method = "POST";
  request.url = v.at("url");
  request.headers = {{"X-Twilio-Signature", v.at("signature")}};
  request.body = encode_form(params);
  TwilioWebhookVerifier verifier(v.at("auth_token").get<std::string>());
  auto result = verifier.verify(request);
  // A voice callback: the signature holds, then it is no Video status callback.
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
  request.headers[0].second = "RSOYDt4T1cUTdK1PDd93/VVr8B9=";
  EXPECT_EQ(verifier.verify(request).error().code, ErrorCode::kUnauthenticated);
}

TEST(TwilioWebhookVerifierTest, IgnoredEventsAndBadRequests) {
  TwilioWebhookVerifier verifier(kToken);
  FormFields track = room_ended();
  track[5].value = "track-added";
  auto none = verifier.verify(signed_request(track));
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_TRUE(none->empty());

  auto get = signed_request(room_ended());
  get.method = "GET";
  EXPECT_EQ(verifier.verify(get).error().code, ErrorCode::kInvalidArgument);

  auto malformed = signed_request(room_ended());
  malformed.body = "RoomSid=%zz";
  EXPECT_EQ(verifier.verify(malformed).error().code, ErrorCode::kInvalidArgument);
}

// 256 KiB of 65,000 fields, signed: refused as a malformed body, fast. Before
// the field cap and the one-sort base string this took minutes of CPU.
TEST(TwilioWebhookVerifierTest, ABodyOf65000FieldsIsRefusedFast) {
  TwilioWebhookVerifier verifier(kToken);
  static constexpr char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  FormFields many = room_ended();
  sdk::WebhookRequest request = signed_request(many);
  for (int i = 0; many.size() < 65000; ++i) {
    std::string name{kChars[i % 62], kChars[(i / 62) % 62], kChars[i / (62 * 62)]};
    many.push_back({name, ""});
    request.body += "&" + name;  // a name without '=' is a field with an empty value
  }
  request.headers[1].second = compute_signature(kToken, kUrl, many);
  ASSERT_LE(request.body.size(), 256u << 10);
  const auto started = std::chrono::steady_clock::now();
  auto result = verifier.verify(request);
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(result.error().message.find("more than 1000 fields"), std::string::npos);
  EXPECT_LT(took, std::chrono::milliseconds(100));
}

TEST(TwilioWebhookVerifierTest, WebhookSettingsNeedTheAuthToken) {
  sdk::testing::FakeHost host(
      sdk::testing::settings_from_schema(WASL_SOURCE_DIR "/plugins/twilio/schema.json",
                                         {{"account_sid", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
                                          {"api_key_sid", "SKbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}}));
  auto missing = parse_settings(host.settings(), host, SettingsUse::kWebhook);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kInvalidArgument);
  host.set_secret("auth_token", kToken);
  auto from_secret = parse_settings(host.settings(), host, SettingsUse::kWebhook);
  ASSERT_TRUE(from_secret.ok()) << from_secret.error().message;
  EXPECT_EQ(from_secret->auth_token, kToken);
}

}  // namespace
}  // namespace wasl::plugins::twilio
