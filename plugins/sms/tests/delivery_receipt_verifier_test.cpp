#include "plugins/sms/delivery_receipt_verifier.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "plugins/sms/receipt_signature.hpp"
#include "wasl/sdk/testing/fake_host.hpp"
#include "wasl/sdk/testing/schema_settings.hpp"

namespace wasl::plugins::sms {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using sdk::ErrorCode;
using sdk::testing::FakeHost;

constexpr char kSecret[] = "sms-test-receipt-secret";
constexpr std::int64_t kNow = 1767225600;  // 2026-01-01T00:00:00Z

json receipt(const std::string& status) {
  return {{"messageId", "m-1"},
          {"clientReference", "notify/f1/c1/invitation/sms"},
          {"recipient", "966501234567"},
          {"status", status},
          {"statusAt", "2025-12-31T23:59:58.250Z"}};
}

sdk::WebhookRequest signed_request(const std::string& body, std::int64_t t = kNow,
                                   const std::string& secret = kSecret) {
  sdk::WebhookRequest r;
  r.method = "POST";
  r.url = "https://wasl.example.org/v1/webhooks/notify.sms";
  r.headers = {{"Content-Type", "application/json"},
               {"x-signature", receipt_signature(secret, t, body)}};
  r.body = body;
  return r;
}

class DeliveryReceiptVerifierTest : public ::testing::Test {
 protected:
  DeliveryReceiptVerifierTest()
      : host_(sdk::testing::settings_from_schema(WASL_SOURCE_DIR "/plugins/sms/schema.json",
                                                 {{"base_url", "https://sms.example.sa"},
                                                  {"sender", "Wasl"},
                                                  {"receipt_secret", kSecret},
                                                  {"receipt_tolerance_seconds", 120}})) {
    host_.set_now(std::chrono::system_clock::time_point(std::chrono::seconds(kNow)));
    auto settings = parse_settings(host_.settings(), host_, SettingsUse::kWebhook);
    EXPECT_TRUE(settings.ok()) << settings.error().message;
    verifier_ = std::make_unique<DeliveryReceiptVerifier>(host_, std::move(*settings));
  }

  FakeHost host_;
  std::unique_ptr<DeliveryReceiptVerifier> verifier_;
};

TEST_F(DeliveryReceiptVerifierTest, ADeliveredReceiptIsNotificationDelivered) {
  auto events = verifier_->verify(signed_request(receipt("DELIVERED").dump()));
  ASSERT_TRUE(events.ok()) << events.error().message;
  ASSERT_EQ(events->size(), 1u);
  const sdk::Event& e = (*events)[0];
  EXPECT_EQ(e.type, "notification.delivered");
  EXPECT_EQ(e.resource_id, "m-1");
  EXPECT_EQ(e.occurred_at_ms, kNow * 1000 - 1750);
  EXPECT_EQ(e.dedupe_key, "sms:m-1/DELIVERED");
  EXPECT_EQ(e.payload["status"], "DELIVERED");
  EXPECT_EQ(e.payload["clientReference"], "notify/f1/c1/invitation/sms");
  EXPECT_FALSE(e.payload.contains("recipient"));
  EXPECT_EQ(e.payload.dump().find("501234567"), std::string::npos) << "no number kept";

  // A redelivery (signed again, later) is the same event.
  auto again = verifier_->verify(signed_request(receipt("DELIVERED").dump(), kNow + 30));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)[0].dedupe_key, e.dedupe_key);
}

TEST_F(DeliveryReceiptVerifierTest, FinalFailuresAreNotificationFailed) {
  for (const std::string status : {"FAILED", "UNDELIVERABLE", "EXPIRED"}) {
    json body = receipt(status);
    body["errorCode"] = "ABSENT_SUBSCRIBER";
    auto events = verifier_->verify(signed_request(body.dump()));
    ASSERT_TRUE(events.ok()) << status << ": " << events.error().message;
    ASSERT_EQ(events->size(), 1u);
    EXPECT_EQ((*events)[0].type, "notification.failed") << status;
    EXPECT_EQ((*events)[0].dedupe_key, "sms:m-1/" + status);
    EXPECT_EQ((*events)[0].payload["errorCode"], "ABSENT_SUBSCRIBER");
  }
}

TEST_F(DeliveryReceiptVerifierTest, ForgedOrStaleReceiptsAreRefused) {
  const std::string body = receipt("DELIVERED").dump();
  sdk::WebhookRequest tampered = signed_request(body);
  tampered.body = receipt("FAILED").dump();
  sdk::WebhookRequest unsigned_request = signed_request(body);
  unsigned_request.headers.pop_back();
  sdk::WebhookRequest twice = signed_request(body);
  twice.headers.emplace_back("X-Signature", receipt_signature(kSecret, kNow, body));
  for (const sdk::WebhookRequest& r :
       {tampered, unsigned_request, twice, signed_request(body, kNow, "another-receipt-secret"),
        signed_request(body, kNow - 121), signed_request(body, kNow + 121)}) {
    auto refused = verifier_->verify(r);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code, ErrorCode::kUnauthenticated) << refused.error().message;
    EXPECT_FALSE(refused.error().retryable);
  }
}

TEST_F(DeliveryReceiptVerifierTest, AnythingButAFinalReceiptIsRefused) {
  json no_id = receipt("DELIVERED");
  no_id.erase("messageId");
  json no_time = receipt("DELIVERED");
  no_time["statusAt"] = "yesterday";
  json numeric_id = receipt("DELIVERED");
  numeric_id["messageId"] = 5;
  for (const std::string& body :
       {receipt("SENT").dump(), receipt("ACCEPTED").dump(), receipt("delivered").dump(),
        receipt("").dump(), no_id.dump(), no_time.dump(), numeric_id.dump(),
        std::string("[") + receipt("DELIVERED").dump() + "]", std::string("not json"),
        std::string(20000, ' ')}) {
    auto refused = verifier_->verify(signed_request(body));
    ASSERT_FALSE(refused.ok()) << body.substr(0, 80);
    EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument) << body.substr(0, 80);
    EXPECT_EQ(refused.error().message.find("501234567"), std::string::npos);
  }
}

}  // namespace
}  // namespace wasl::plugins::sms
