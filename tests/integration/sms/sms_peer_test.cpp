// The SMS plugin (the real libwasl_sms.so, loaded through the hub's
// PluginHost, over the hub's HTTP client) against the SMS gateway peer
// (tests/peers/sms), started on a free loopback port and stopped by its pid:
//  - an Arabic text arrives byte for byte, as UCS-2, in the parts both the
//    plugin and the peer count (each its own way) and the test works out;
//  - a 500 then a success, and a 429 with Retry-After;
//  - a message the gateway stores and never answers (the connection
//    dropped, or an answer later than the timeout), sent again with the
//    same key: exactly one message at the gateway;
//  - refusals: a recipient the gateway does not serve, an unregistered
//    sender, a wrong API key;
//  - the peer's signed delivery receipts, posted to a stand-in for the
//    hub's webhook ingress, verified by the plugin into
//    notification.delivered / notification.failed; forged, foreign and
//    stale ones refused.
// Each test loads the plugin afresh, so its first request goes over a new
// connection (libcurl resends a request on its own only over a reused one).
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "hub/config/config.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/plugin_host/plugin_host.hpp"
#include "tests/integration/sms/receipt_inbox.hpp"
#include "tests/peers/support/peer_process.hpp"
#include "wasl/sdk/json_member.hpp"
#include "wasl/sdk/timestamp.hpp"

namespace wasl::plugins::sms {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using sdk::ErrorCode;
using testing::ReceiptInbox;
using wasl::testing::PeerOptions;
using wasl::testing::PeerProcess;

constexpr char kInstance[] = "notify.sms-peer";
constexpr char kApiKey[] = "sms-test-api-key";
constexpr char kReceiptSecret[] = "sms-test-receipt-secret";
constexpr char kNumber[] = "+966501234567";
constexpr char kWebhookPath[] = "/v1/webhooks/notify.sms-peer";

// "Reminder: your video consultation with Dr. Sara Al-Qahtani is tomorrow,
// Sunday, at 10:30 in the morning. Join from your phone: <link>. To cancel
// reply with 1." in Arabic, with the link.
const std::string kArabicReminder =
    "\xD8\xAA\xD8\xB0\xD9\x83\xD9\x8A\xD8\xB1: \xD9\x85\xD9\x88\xD8\xB9\xD8\xAF "
    "\xD8\xA7\xD8\xB3\xD8\xAA\xD8\xB4\xD8\xA7\xD8\xB1\xD8\xAA\xD9\x83 "
    "\xD8\xA7\xD9\x84\xD9\x85\xD8\xB1\xD8\xA6\xD9\x8A\xD8\xA9 \xD9\x85\xD8\xB9 "
    "\xD8\xAF. \xD8\xB3\xD8\xA7\xD8\xB1\xD8\xA9 \xD8\xA7\xD9\x84\xD9\x82\xD8\xAD\xD8\xB7\xD8\xA7"
    "\xD9\x86\xD9\x8A \xD8\xBA\xD8\xAF\xD8\xA7\xD9\x8B \xD8\xA7\xD9\x84\xD8\xA3\xD8\xAD\xD8\xAF "
    "\xD8\xA7\xD9\x84\xD8\xB3\xD8\xA7\xD8\xB9\xD8\xA9 10:30 \xD8\xB5\xD8\xA8\xD8\xA7\xD8\xAD"
    "\xD8\xA7\xD9\x8B. \xD8\xA7\xD9\x86\xD8\xB6\xD9\x85 \xD9\x85\xD9\x86 "
    "\xD9\x87\xD8\xA7\xD8\xAA\xD9\x81\xD9\x83: https://wasl.example/j/7Kq2 . "
    "\xD9\x84\xD9\x84\xD8\xA5\xD9\x84\xD8\xBA\xD8\xA7\xD8\xA1 \xD8\xA3\xD8\xB1\xD8\xB3\xD9\x84 1";

// The UTF-16 length of `utf8` (every code point of 4 bytes is two units),
// and the parts a UCS-2 text of that many units takes when none of its
// characters is a surrogate pair: the test's own arithmetic, apart from the
// plugin's and the peer's counters.
int utf16_units(const std::string& utf8) {
  int units = 0;
  for (unsigned char c : utf8) {
    if ((c & 0xC0) != 0x80) units += c >= 0xF0 ? 2 : 1;
  }
  return units;
}
int ucs2_parts(int units) { return units <= 70 ? 1 : (units + 66) / 67; }

sdk::Notification sms(const std::string& key, const std::string& body = kArabicReminder,
                      const std::string& recipient = kNumber) {
  sdk::Notification n;
  n.idempotency_key = key;
  n.channel = "sms";
  n.recipient = recipient;
  n.body = body;
  n.language = "ar";
  return n;
}

class SmsPeerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    inbox_ = new ReceiptInbox();
    PeerOptions options;
    const std::pair<std::string, std::string> flags[] = {
        {"--api-key", kApiKey},
        {"--senders", "Wasl,WaslClinic"},
        {"--recipient-prefixes", "966"},
        {"--receipt-url", inbox_->url(kWebhookPath)},
        {"--receipt-secret", kReceiptSecret},
        {"--receipt-delay-ms", "50"},
    };
    for (const auto& [flag, value] : flags) {
      options.args.push_back(flag);
      options.args.push_back(value);
    }
    peer_.start("sms", options);
  }
  static void TearDownTestSuite() {
    peer_.stop();
    delete inbox_;
    inbox_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(peer_.ok()) << peer_.error();
    ASSERT_TRUE(peer_->post("/_peer/reset").ok());
    inbox_->clear();
  }

  json settings(const json& overrides = json::object()) const {
    json s = {{"base_url", peer_->url()},
              {"api_key", kApiKey},
              {"sender", "Wasl"},
              {"receipt_secret", kReceiptSecret},
              {"request_timeout_ms", 10000}};
    s.update(overrides);
    return s;
  }

  // Loads the plugin with one instance; false (with the failure reported)
  // when it does not load.
  bool load(const json& instance_settings) {
    config_.plugins.files = {{"sms", WASL_SMS_PLUGIN_FILE, "", 1}};
    config::InstanceConfig instance;
    instance.name = kInstance;
    instance.plugin = "sms";
    instance.settings = instance_settings;
    config_.instances = {{instance.name, instance}};
    notifier_.reset();
    webhook_.reset();
    host_.reset();
    auto loaded = plugin_host::PluginHost::load(config_, metrics_);
    EXPECT_TRUE(loaded.ok()) << loaded.error().message;
    if (!loaded.ok()) return false;
    host_ = std::move(loaded).value();
    auto notifier = host_->notifier(kInstance);
    auto webhook = host_->webhook(kInstance);
    EXPECT_TRUE(notifier.ok()) << notifier.error().message;
    EXPECT_TRUE(webhook.ok()) << webhook.error().message;
    if (!notifier.ok() || !webhook.ok()) return false;
    notifier_ = *notifier;
    webhook_ = *webhook;
    return true;
  }

  json control(const std::string& path, const json& body) {
    auto answer = peer_->post(path, body);
    EXPECT_TRUE(answer.ok()) << path << ": " << answer.error().message;
    return answer.ok() ? *answer : json::object();
  }
  json messages() {
    auto answer = peer_->get("/_peer/messages");
    EXPECT_TRUE(answer.ok()) << answer.error().message;
    return answer.ok() ? (*answer)["messages"] : json::array();
  }
  json effects() {
    auto answer = peer_->get("/_peer/effects");
    EXPECT_TRUE(answer.ok()) << answer.error().message;
    return answer.ok() ? *answer : json::object();
  }

  static wasl::testing::SuitePeer peer_;
  static ReceiptInbox* inbox_;
  config::Config config_;
  observability::Metrics metrics_;
  std::unique_ptr<plugin_host::PluginHost> host_;
  std::shared_ptr<sdk::Notifier> notifier_;
  std::shared_ptr<sdk::WebhookVerifier> webhook_;
};

wasl::testing::SuitePeer SmsPeerTest::peer_;
ReceiptInbox* SmsPeerTest::inbox_ = nullptr;

TEST_F(SmsPeerTest, AnArabicSmsArrivesInTheRightNumberOfParts) {
  ASSERT_TRUE(load(settings()));
  const int units = utf16_units(kArabicReminder);
  const int parts = ucs2_parts(units);
  ASSERT_GT(units, 70) << "the reminder is meant to take several parts";
  auto sent = notifier_->send(sms("notify/sandbox/c-1/reminder-1h/sms"));
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  EXPECT_EQ(sent->segments, parts);
  EXPECT_EQ(sent->raw["counted_segments"], parts);
  EXPECT_EQ(sent->raw["encoding"], "UCS-2");

  json all = messages();
  ASSERT_EQ(all.size(), 1u) << all.dump();
  const json& m = all[0];
  EXPECT_EQ(m["messageId"], sent->provider_id);
  EXPECT_EQ(m["body"], kArabicReminder) << "the text arrives byte for byte";
  EXPECT_EQ(m["encoding"], "UCS-2");
  EXPECT_EQ(m["units"], units);
  EXPECT_EQ(m["segments"], parts);
  EXPECT_EQ(m["parts"].size(), static_cast<std::size_t>(parts));
  EXPECT_EQ(m["recipients"], json::array({"966501234567"}));
  EXPECT_EQ(m["sender"], "Wasl");
  EXPECT_EQ(m["clientReference"], "notify/sandbox/c-1/reminder-1h/sms");

  // A Latin text of 161 GSM characters: two parts of GSM-7.
  auto latin = notifier_->send(sms("latin", std::string(161, 'a')));
  ASSERT_TRUE(latin.ok()) << latin.error().message;
  EXPECT_EQ(latin->segments, 2);
  EXPECT_EQ(latin->raw["encoding"], "GSM-7");
}

TEST_F(SmsPeerTest, AServerErrorThenASuccessSendsOneMessage) {
  ASSERT_TRUE(load(settings()));
  control("/_peer/faults", {{"operation", "SendMessage"}, {"status", 500}});
  auto failed = notifier_->send(sms("k-500"));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::kUnavailable) << failed.error().message;
  EXPECT_TRUE(failed.error().retryable);
  EXPECT_TRUE(messages().empty()) << "the 500 came before the message was taken";
  auto sent = notifier_->send(sms("k-500"));
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  json all = messages();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0]["messageId"], sent->provider_id);
  EXPECT_EQ(all[0]["requests"], 1);
}

TEST_F(SmsPeerTest, TooManyRequestsCarriesRetryAfter) {
  ASSERT_TRUE(load(settings()));
  control("/_peer/faults",
          {{"operation", "SendMessage"}, {"status", 429}, {"retryAfterSeconds", 7}});
  auto limited = notifier_->send(sms("k-429"));
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.error().code, ErrorCode::kResourceExhausted) << limited.error().message;
  EXPECT_TRUE(limited.error().retryable);
  ASSERT_TRUE(limited.error().retry_after.has_value());
  EXPECT_EQ(limited.error().retry_after->count(), 7000);
  EXPECT_TRUE(notifier_->send(sms("k-429")).ok());
  EXPECT_EQ(messages().size(), 1u);
}

TEST_F(SmsPeerTest, DropAfterAcceptThenResendIsExactlyOneMessage) {
  ASSERT_TRUE(load(settings()));
  control("/_peer/faults", {{"operation", "SendMessage"}, {"drop", true}});
  auto lost = notifier_->send(sms("k-drop"));
  ASSERT_FALSE(lost.ok()) << "the connection was closed without an answer";
  EXPECT_EQ(lost.error().code, ErrorCode::kUnavailable) << lost.error().message;
  EXPECT_TRUE(lost.error().retryable);
  json stored = messages();
  ASSERT_EQ(stored.size(), 1u) << "the gateway took it before dropping the connection";

  auto resent = notifier_->send(sms("k-drop"));
  ASSERT_TRUE(resent.ok()) << resent.error().message;
  EXPECT_EQ(resent->provider_id, stored[0]["messageId"]);
  EXPECT_EQ(resent->raw["http_status"], 200) << "answered from the gateway's store";
  json all = messages();
  ASSERT_EQ(all.size(), 1u) << all.dump();
  EXPECT_EQ(all[0]["requests"], 2);
  json e = effects();
  EXPECT_EQ(e["accepted"], 1) << e.dump();
  EXPECT_EQ(e["duplicates"], 1) << e.dump();
}

TEST_F(SmsPeerTest, AnAnswerLaterThanTheTimeoutThenResendIsExactlyOneMessage) {
  ASSERT_TRUE(load(settings({{"request_timeout_ms", 400}})));
  control("/_peer/faults", {{"operation", "SendMessage"}, {"delayMs", 3000}});
  auto late = notifier_->send(sms("k-slow"));
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, ErrorCode::kDeadlineExceeded) << late.error().message;
  EXPECT_TRUE(late.error().retryable);
  auto resent = notifier_->send(sms("k-slow"));
  ASSERT_TRUE(resent.ok()) << resent.error().message;
  json all = messages();
  ASSERT_EQ(all.size(), 1u) << all.dump();
  EXPECT_EQ(all[0]["messageId"], resent->provider_id);
}

TEST_F(SmsPeerTest, RefusalsAreNotRetried) {
  ASSERT_TRUE(load(settings()));
  // A valid E.164 number the gateway does not deliver to (it serves 966 only).
  auto abroad = notifier_->send(sms("k-abroad", kArabicReminder, "+447911123456"));
  ASSERT_FALSE(abroad.ok());
  EXPECT_EQ(abroad.error().code, ErrorCode::kInvalidArgument) << abroad.error().message;
  EXPECT_NE(abroad.error().message.find("INVALID_RECIPIENT"), std::string::npos);
  EXPECT_EQ(abroad.error().message.find("7911123456"), std::string::npos);
  // Not E.164 at all: refused before the gateway.
  const int requests_before = effects()["requests"];
  auto national = notifier_->send(sms("k-national", kArabicReminder, "0501234567"));
  EXPECT_EQ(national.error().code, ErrorCode::kInvalidArgument);
  sdk::Notification email = sms("k-email");
  email.channel = "email";
  email.recipient = "patient@example.org";
  EXPECT_EQ(notifier_->send(email).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(effects()["requests"], requests_before) << "nothing reached the gateway";

  ASSERT_TRUE(load(settings({{"sender", "Unknown"}})));
  auto sender = notifier_->send(sms("k-sender"));
  EXPECT_EQ(sender.error().code, ErrorCode::kFailedPrecondition) << sender.error().message;
  ASSERT_TRUE(load(settings({{"api_key", "not-the-key"}})));
  auto key = notifier_->send(sms("k-key"));
  EXPECT_EQ(key.error().code, ErrorCode::kFailedPrecondition) << key.error().message;
  EXPECT_FALSE(key.error().retryable);
  EXPECT_TRUE(messages().empty());
}

TEST_F(SmsPeerTest, ASignedReceiptVerifiesToNotificationDelivered) {
  ASSERT_TRUE(load(settings()));
  auto sent = notifier_->send(sms("k-receipt"));
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  auto received = inbox_->wait_for(1, 20s);
  ASSERT_EQ(received.size(), 1u) << "the peer posts one receipt per recipient";
  EXPECT_EQ(received[0].url, inbox_->url(kWebhookPath));
  auto events = webhook_->verify(received[0]);
  ASSERT_TRUE(events.ok()) << events.error().message;
  ASSERT_EQ(events->size(), 1u);
  const sdk::Event& e = (*events)[0];
  EXPECT_EQ(e.type, "notification.delivered");
  EXPECT_EQ(e.resource_id, sent->provider_id);
  EXPECT_EQ(e.dedupe_key, "sms:" + sent->provider_id + "/DELIVERED");
  const json body = json::parse(received[0].body);
  EXPECT_EQ(e.occurred_at_ms,
            sdk::parse_iso8601(sdk::string_member(body, "statusAt")).value_or(-1));
  EXPECT_EQ(body["recipient"], "966501234567") << "the gateway names the recipient";
  EXPECT_EQ(e.payload.dump().find("501234567"), std::string::npos) << "the event does not";
  EXPECT_EQ(e.payload["clientReference"], "k-receipt");

  // Delivered twice (the gateway retrying): the same event.
  json again =
      control("/_peer/messages/" + sent->provider_id + "/receipt", {{"status", "DELIVERED"}});
  EXPECT_EQ(again["receipts"][0]["state"], "posted") << again.dump();
  received = inbox_->wait_for(2, 20s);
  ASSERT_EQ(received.size(), 2u);
  auto duplicate = webhook_->verify(received[1]);
  ASSERT_TRUE(duplicate.ok()) << duplicate.error().message;
  EXPECT_EQ((*duplicate)[0].dedupe_key, e.dedupe_key);
}

TEST_F(SmsPeerTest, AFailedReceiptIsNotificationFailed) {
  ASSERT_TRUE(load(settings()));
  control("/_peer/config", {{"receiptStatus", "UNDELIVERABLE"}});
  auto sent = notifier_->send(sms("k-failed"));
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  auto received = inbox_->wait_for(1, 20s);
  ASSERT_EQ(received.size(), 1u);
  auto events = webhook_->verify(received[0]);
  ASSERT_TRUE(events.ok()) << events.error().message;
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].type, "notification.failed");
  EXPECT_EQ((*events)[0].resource_id, sent->provider_id);
  EXPECT_EQ((*events)[0].dedupe_key, "sms:" + sent->provider_id + "/UNDELIVERABLE");
  EXPECT_EQ((*events)[0].payload["errorCode"], "UNREACHABLE");
}

TEST_F(SmsPeerTest, AForgedForeignOrStaleReceiptIsRefused) {
  ASSERT_TRUE(load(settings()));
  control("/_peer/config", {{"receiptDelayMs", 600000}});  // receipts only when asked for
  auto sent = notifier_->send(sms("k-forged"));
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  const std::string receipt_path = "/_peer/messages/" + sent->provider_id + "/receipt";

  control(receipt_path, {{"status", "FAILED"}});
  auto received = inbox_->wait_for(1, 20s);
  ASSERT_EQ(received.size(), 1u);
  ASSERT_TRUE(webhook_->verify(received[0]).ok()) << "the genuine receipt verifies";
  sdk::WebhookRequest forged = received[0];
  const std::size_t at = forged.body.find("\"FAILED\"");
  ASSERT_NE(at, std::string::npos) << forged.body;
  forged.body.replace(at, 8, "\"DELIVERED\"");
  auto refused = webhook_->verify(forged);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnauthenticated) << refused.error().message;

  // Signed by a gateway that does not hold this instance's secret.
  control("/_peer/config", {{"receiptSecret", "another-gateway-secret"}});
  control(receipt_path, {{"status", "DELIVERED"}});
  received = inbox_->wait_for(2, 20s);
  ASSERT_EQ(received.size(), 2u);
  auto foreign = webhook_->verify(received[1]);
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.error().code, ErrorCode::kUnauthenticated) << foreign.error().message;

  // Signed with the right secret ten minutes ago: a replay.
  control("/_peer/config", {{"receiptSecret", kReceiptSecret}});
  control(receipt_path, {{"status", "DELIVERED"}, {"signedAtOffsetSeconds", -600}});
  received = inbox_->wait_for(3, 20s);
  ASSERT_EQ(received.size(), 3u);
  auto stale = webhook_->verify(received[2]);
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, ErrorCode::kUnauthenticated);
  EXPECT_NE(stale.error().message.find("ago"), std::string::npos) << stale.error().message;
}

TEST_F(SmsPeerTest, TheInstanceDoesNotLoadWithoutAReceiptSecret) {
  json no_secret = settings();
  no_secret.erase("receipt_secret");
  config_.plugins.files = {{"sms", WASL_SMS_PLUGIN_FILE, "", 1}};
  config::InstanceConfig instance;
  instance.name = kInstance;
  instance.plugin = "sms";
  instance.settings = no_secret;
  config_.instances = {{instance.name, instance}};
  auto loaded = plugin_host::PluginHost::load(config_, metrics_);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message.find("receipt_secret"), std::string::npos)
      << loaded.error().message;
}

}  // namespace
}  // namespace wasl::plugins::sms
