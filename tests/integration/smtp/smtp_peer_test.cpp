// The SMTP plugin (libwasl_smtp.so, loaded by the hub's PluginHost) sending
// to the SMTP peer, which demands STARTTLS and AUTH and checks and decodes
// every message: an Arabic e-mail arrives exactly as sent, over TLS and
// authenticated, with the Message-ID of its idempotency key (a resend too);
// a 451 is retryable and the next attempt delivers; a refused recipient,
// a wrong password, a server without STARTTLS, an untrusted certificate, a
// slow server and a lost answer each map to their error code; and the hub's
// alerts e-mailed to a facility's operators through it.
#include <gtest/gtest.h>
#include <openssl/sha.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <tuple>

#include "hub/alerts/alert_delivery.hpp"
#include "hub/alerts/alert_routing.hpp"
#include "hub/alerts/alert_store.hpp"
#include "hub/config/config.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/plugin_host/plugin_host.hpp"
#include "tests/peers/support/peer_process.hpp"
#include "tests/unit/storage/test_database.hpp"
#include "wasl/sdk/hex.hpp"

namespace wasl::plugins::smtp {
namespace {

using nlohmann::json;
using sdk::ErrorCode;
using wasl::testing::PeerOptions;
using wasl::testing::PeerProcess;

constexpr const char* kUser = "wasl-sandbox";
constexpr const char* kPassword = "smtp-integration-password";
const std::string kSubject =
    "تذكير: موعدك مع الدكتورة سارة العتيبي غداً الساعة العاشرة صباحاً في العيادة الافتراضية";
const std::string kBody =
    "مرحباً أحمد،\nموعدك مع الدكتورة سارة غداً الساعة العاشرة صباحاً.\n"
    "رابط الانضمام: https://wasl.example/j/abc123\nمع تحيات مستشفى الصحة";
const std::string kRecipient = "patient.one@example.org";

// The Message-ID the plugin must derive, computed here on its own.
std::string expected_message_id(const std::string& key) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest);
  return "<" + sdk::to_hex(digest, sizeof digest).substr(0, 32) + "@hospital.example>";
}

sdk::Notification arabic_email(const std::string& key) {
  sdk::Notification n;
  n.idempotency_key = key;
  n.channel = "email";
  n.recipient = kRecipient;
  n.subject = kSubject;
  n.body = kBody;
  n.language = "ar";
  return n;
}

class SmtpPeerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = new std::filesystem::path(std::filesystem::temp_directory_path() /
                                     ("wasl-smtp-pki-" + std::to_string(getpid())));
    auto made = wasl::testing::run_to_completion(
        "scripts/test-pki",
        {std::string(WASL_SOURCE_DIR) + "/scripts/test-pki", pki_->string(), "--days", "2"},
        pki_->string() + ".log", std::chrono::seconds(60));
    if (!made.ok()) {
      problem_ = made.error().message;
      return;
    }
    auto peer = start_peer({});
    if (!peer.ok()) {
      problem_ = "the SMTP peer did not start: " + peer.error().message;
      return;
    }
    peer_ = peer->release();
  }
  static void TearDownTestSuite() {
    delete peer_;
    peer_ = nullptr;
    std::filesystem::remove_all(*pki_);
    std::filesystem::remove(pki_->string() + ".log");
    delete pki_;
  }

  static sdk::Result<std::unique_ptr<PeerProcess>> start_peer(std::vector<std::string> extra) {
    PeerOptions options;
    options.args = {"--pki-dir", pki_->string(), "--username", kUser, "--password", kPassword};
    options.args.insert(options.args.end(), extra.begin(), extra.end());
    return PeerProcess::start("smtp", options);
  }

  void SetUp() override {
    ASSERT_NE(peer_, nullptr) << problem_;
    ASSERT_GT(peer_->control_port(), 0) << "the control API has a port of its own";
    ASSERT_TRUE(peer_->post("/_peer/reset").ok());
  }

  static std::string file(const std::string& name) { return (*pki_ / name).string(); }

  json settings(const PeerProcess& peer) const {
    return {{"url", "smtp://127.0.0.1:" + std::to_string(peer.port())},
            {"username", kUser},
            {"password", kPassword},
            {"from", "clinic@hospital.example"},
            {"from_name", "مستشفى الصحة"},
            {"connect_timeout_ms", 5000},
            {"timeout_ms", 20000},
            {"http", {{"ca_file", file("ca.crt")}}}};
  }

  // The plugin loaded with one notify instance of `instance_settings`.
  std::shared_ptr<sdk::Notifier> notifier(const json& instance_settings) {
    config::InstanceConfig instance;
    instance.name = "notify.smtp";
    instance.plugin = "smtp";
    instance.settings = instance_settings;
    config_.instances = {{instance.name, instance}};
    config_.plugins.files = {{"smtp", WASL_SMTP_PLUGIN_FILE, "", 1}};
    host_.reset();
    auto host = plugin_host::PluginHost::load(config_, metrics_);
    EXPECT_TRUE(host.ok()) << host.error().message;
    if (!host.ok()) return nullptr;
    host_ = std::move(*host);
    for (const auto& p : host_->problems()) ADD_FAILURE() << p;
    auto notify = host_->notifier("notify.smtp");
    EXPECT_TRUE(notify.ok()) << notify.error().message;
    return notify.ok() ? *notify : nullptr;
  }

  static json messages(const PeerProcess& peer) {
    auto m = peer.get("/_peer/messages");
    EXPECT_TRUE(m.ok()) << m.error().message;
    return m.ok() ? (*m)["messages"] : json::array();
  }

  static json effects(const PeerProcess& peer) {
    auto e = peer.get("/_peer/effects");
    EXPECT_TRUE(e.ok()) << e.error().message;
    return e.ok() ? *e : json::object();
  }

  static void expect_no_phi(const sdk::Error& error) {
    EXPECT_EQ(error.message.find(kRecipient), std::string::npos) << error.message;
    EXPECT_EQ(error.message.find("موعد"), std::string::npos) << error.message;
  }

  static PeerProcess* peer_;
  static std::filesystem::path* pki_;
  static std::string problem_;
  config::Config config_;
  observability::Metrics metrics_;
  std::unique_ptr<plugin_host::PluginHost> host_;
};

PeerProcess* SmtpPeerTest::peer_ = nullptr;
std::filesystem::path* SmtpPeerTest::pki_ = nullptr;
std::string SmtpPeerTest::problem_;

TEST_F(SmtpPeerTest, AnArabicEmailArrivesDecodedExactlyOverTlsAndAuthenticated) {
  auto smtp = notifier(settings(*peer_));
  ASSERT_NE(smtp, nullptr);
  auto receipt = smtp->send(arabic_email("notification/1/email"));
  ASSERT_TRUE(receipt.ok()) << receipt.error().message;
  const std::string id = expected_message_id("notification/1/email");
  EXPECT_EQ(receipt->provider_id, id);
  EXPECT_EQ(receipt->status, "delivered");

  const json all = messages(*peer_);
  ASSERT_EQ(all.size(), 1u) << all.dump();
  const json& m = all[0];
  EXPECT_EQ(m["subject"], kSubject);
  EXPECT_EQ(m["text"], kBody);
  EXPECT_EQ(m["messageId"], id);
  EXPECT_EQ(m["from"], (json{{"address", "clinic@hospital.example"}, {"name", "مستشفى الصحة"}}));
  EXPECT_EQ(m["to"], json::array({{{"address", kRecipient}, {"name", ""}}}));
  EXPECT_EQ(m["envelope"]["mailFrom"], "clinic@hospital.example");
  EXPECT_EQ(m["envelope"]["rcptTo"], json::array({kRecipient}));
  EXPECT_EQ(m["language"], "ar");
  EXPECT_EQ(m["transferEncoding"], "base64");
  EXPECT_EQ(m["headers"]["mime-version"], "1.0");
  EXPECT_FALSE(m["date"].is_null());
  EXPECT_EQ(m["problems"], json::array());
  ASSERT_TRUE(m["tls"].is_object()) << "the message came over STARTTLS";
  EXPECT_FALSE(m["tls"]["cipher"].get<std::string>().empty());
  EXPECT_EQ(m["auth"], (json{{"username", kUser}, {"method", "PLAIN"}}));
  EXPECT_EQ(m["transmissionType"], "ESMTPSA");
  const json e = effects(*peer_);
  EXPECT_EQ(e.value("starttls", 0), 1) << e.dump();
  EXPECT_EQ(e.value("authInClear", 0), 0) << e.dump();
}

TEST_F(SmtpPeerTest, AResendCarriesTheSameMessageId) {
  auto smtp = notifier(settings(*peer_));
  ASSERT_NE(smtp, nullptr);
  ASSERT_TRUE(smtp->send(arabic_email("notification/2/email")).ok());
  ASSERT_TRUE(smtp->send(arabic_email("notification/2/email")).ok());
  ASSERT_TRUE(smtp->send(arabic_email("notification/3/email")).ok());
  const json all = messages(*peer_);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0]["messageId"], expected_message_id("notification/2/email"));
  EXPECT_EQ(all[1]["messageId"], all[0]["messageId"]);
  EXPECT_EQ(all[2]["messageId"], expected_message_id("notification/3/email"));
}

TEST_F(SmtpPeerTest, A451IsRetryableAndTheNextAttemptDelivers) {
  ASSERT_TRUE(peer_->post("/_peer/faults", {{"operation", "DATA"}, {"status", 451}}).ok());
  auto smtp = notifier(settings(*peer_));
  ASSERT_NE(smtp, nullptr);
  auto deferred = smtp->send(arabic_email("notification/4/email"));
  ASSERT_FALSE(deferred.ok());
  EXPECT_EQ(deferred.error().code, ErrorCode::kUnavailable) << deferred.error().message;
  EXPECT_TRUE(deferred.error().retryable);
  EXPECT_NE(deferred.error().message.find("451"), std::string::npos) << deferred.error().message;
  expect_no_phi(deferred.error());
  EXPECT_EQ(messages(*peer_).size(), 0u);

  auto delivered = smtp->send(arabic_email("notification/4/email"));
  ASSERT_TRUE(delivered.ok()) << delivered.error().message;
  const json all = messages(*peer_);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0]["messageId"], expected_message_id("notification/4/email"));
}

// The hub's alerts e-mailed to a facility's operators (hub/alerts
// AlertDelivery with facility_email_sender, as `wasl serve` wires it) through
// this plugin: an alert about a facility's instance reaches its address
// only, after a 451 on the next pass, with the Message-ID of its key; an
// address the server refuses is given up at once.
TEST_F(SmtpPeerTest, AnAlertIsEmailedToItsFacilitysOperatorsOnly) {
  auto smtp = notifier(settings(*peer_));
  ASSERT_NE(smtp, nullptr);
  for (const auto& [id, video, ops] : {std::tuple{"fac-a", "video.a", "ops@hospital.example"},
                                       std::tuple{"fac-b", "video.b", "ops@b.example"}}) {
    config::FacilityConfig f;
    f.bindings = {{"video", video}};
    f.notifications = config::FacilityNotificationsConfig{};
    f.notifications->email = "notify.smtp";
    f.alerts.email = {ops};
    config_.facilities[id] = f;
  }
  auto db = storage::testing::TestDatabase::create(storage::Dialect::kSqlite,
                                                   storage::testing::Contents::kMigrated);
  ASSERT_TRUE(db.ok()) << db.error().message;
  auto store = (*db)->open();
  ASSERT_TRUE(store.ok()) << store.error().message;
  alerts::AlertRouting routing(config_);
  alerts::AlertStore alerts(**store, [&routing](const plugin_host::InstanceAlert& alert) {
    return routing.route(alert);
  });
  std::int64_t now = 1'800'000'000'000;
  alerts::AlertDeliveryOptions options;
  options.now_ms = [&now] { return now; };
  options.send_email = alerts::facility_email_sender(config_, *host_);
  auto delivery = alerts::AlertDelivery::create(alerts, config_, options);
  ASSERT_TRUE(delivery.ok()) << delivery.error().message;
  auto raise = [&](const std::string& instance) {
    plugin_host::InstanceAlert alert;
    alert.instance = instance;
    alert.kind = "instance.failing";
    alert.message = "create_room: unavailable";
    alert.at_ms = now;
    auto id = alerts.record(alert);
    EXPECT_TRUE(id.ok() && id->has_value());
    return id.ok() && id->has_value() ? **id : 0;
  };

  ASSERT_TRUE(peer_->post("/_peer/faults", {{"operation", "DATA"}, {"status", 451}}).ok());
  const std::int64_t about_a = raise("video.a");
  auto first = (*delivery)->run_once();
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->retried, 1);
  EXPECT_EQ(messages(*peer_).size(), 0u);
  now += 1000;
  auto second = (*delivery)->run_once();
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second->delivered, 1);
  const json all = messages(*peer_);
  ASSERT_EQ(all.size(), 1u) << all.dump();
  EXPECT_EQ(all[0]["to"], json::array({{{"address", "ops@hospital.example"}, {"name", ""}}}));
  EXPECT_EQ(all[0]["subject"], "Wasl alert: instance.failing (video.a)");
  EXPECT_EQ(all[0]["messageId"], expected_message_id("alert:" + std::to_string(about_a) +
                                                     ":fac-a:ops@hospital.example"));
  const std::string text = all[0].value("text", "");
  EXPECT_EQ(text.rfind("create_room: unavailable\n", 0), 0u) << text;
  EXPECT_NE(text.find("Facility: fac-a"), std::string::npos) << text;
  EXPECT_EQ(all[0]["problems"], json::array());

  ASSERT_TRUE(peer_->post("/_peer/faults", {{"operation", "RCPT"}, {"status", 550}}).ok());
  const std::int64_t about_b = raise("video.b");
  auto refused = (*delivery)->run_once();
  ASSERT_TRUE(refused.ok()) << refused.error().message;
  EXPECT_EQ(refused->failed, 1);
  auto states = alerts.delivery_states(about_b);
  ASSERT_TRUE(states.ok());
  EXPECT_EQ(*states, std::vector<std::string>{"fac-b email.ops@b.example failed 1"});
  EXPECT_EQ(messages(*peer_).size(), 1u);
}

TEST_F(SmtpPeerTest, ARecipientRefusedWith550IsInvalidArgument) {
  ASSERT_TRUE(peer_->post("/_peer/faults", {{"operation", "RCPT"}, {"status", 550}}).ok());
  auto smtp = notifier(settings(*peer_));
  ASSERT_NE(smtp, nullptr);
  auto refused = smtp->send(arabic_email("notification/5/email"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument) << refused.error().message;
  EXPECT_FALSE(refused.error().retryable);
  EXPECT_NE(refused.error().message.find("RCPT TO answered 550"), std::string::npos)
      << refused.error().message;
  expect_no_phi(refused.error());
  EXPECT_EQ(messages(*peer_).size(), 0u);
}

TEST_F(SmtpPeerTest, AWrongPasswordIsRefusedAndNothingIsSent) {
  json s = settings(*peer_);
  s["password"] = "not-the-password";
  auto smtp = notifier(s);
  ASSERT_NE(smtp, nullptr);
  auto refused = smtp->send(arabic_email("notification/6/email"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied) << refused.error().message;
  EXPECT_FALSE(refused.error().retryable);
  EXPECT_EQ(refused.error().message.find("not-the-password"), std::string::npos);
  EXPECT_EQ(messages(*peer_).size(), 0u);
  EXPECT_GE(effects(*peer_).value("authRefused", 0), 1);
}

TEST_F(SmtpPeerTest, AuthLoginWorksWhenAskedFor) {
  json s = settings(*peer_);
  s["auth_mechanism"] = "LOGIN";
  auto smtp = notifier(s);
  ASSERT_NE(smtp, nullptr);
  auto receipt = smtp->send(arabic_email("notification/7/email"));
  ASSERT_TRUE(receipt.ok()) << receipt.error().message;
  const json all = messages(*peer_);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0]["auth"]["method"], "LOGIN");
}

TEST_F(SmtpPeerTest, ALostAnswerIsRetryableAndTheResendKeepsTheMessageId) {
  ASSERT_TRUE(peer_->post("/_peer/faults", {{"operation", "DATA"}, {"drop", true}}).ok());
  auto smtp = notifier(settings(*peer_));
  ASSERT_NE(smtp, nullptr);
  auto lost = smtp->send(arabic_email("notification/8/email"));
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().code, ErrorCode::kUnavailable) << lost.error().message;
  EXPECT_TRUE(lost.error().retryable);
  ASSERT_TRUE(smtp->send(arabic_email("notification/8/email")).ok());
  const json all = messages(*peer_);
  ASSERT_EQ(all.size(), 2u) << "the server kept the first; a reader shows one of the two";
  EXPECT_EQ(all[0]["messageId"], all[1]["messageId"]);
}

TEST_F(SmtpPeerTest, ASlowServerRunsIntoTheTimeout) {
  ASSERT_TRUE(peer_->post("/_peer/faults", {{"operation", "MAIL"}, {"delayMs", 5000}}).ok());
  json s = settings(*peer_);
  s["timeout_ms"] = 1500;
  auto smtp = notifier(s);
  ASSERT_NE(smtp, nullptr);
  const auto started = std::chrono::steady_clock::now();
  auto late = smtp->send(arabic_email("notification/9/email"));
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, ErrorCode::kDeadlineExceeded) << late.error().message;
  EXPECT_TRUE(late.error().retryable);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(4));
}

TEST_F(SmtpPeerTest, AnUntrustedCertificateStopsTheConversation) {
  json s = settings(*peer_);
  s.erase("http");  // the system's anchors only: the test CA is not among them
  auto smtp = notifier(s);
  ASSERT_NE(smtp, nullptr);
  auto refused = smtp->send(arabic_email("notification/10/email"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition) << refused.error().message;
  EXPECT_EQ(messages(*peer_).size(), 0u);
  EXPECT_EQ(effects(*peer_).value("authAttempts", 0), 0) << "no credentials went out";
}

TEST_F(SmtpPeerTest, AServerWithoutStarttlsGetsNeitherCredentialsNorMail) {
  auto plain = start_peer({"--offer-starttls", "false"});
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  auto smtp = notifier(settings(**plain));
  ASSERT_NE(smtp, nullptr);
  auto refused = smtp->send(arabic_email("notification/11/email"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kFailedPrecondition) << refused.error().message;
  EXPECT_NE(refused.error().message.find("STARTTLS"), std::string::npos);
  const json e = effects(**plain);
  EXPECT_EQ(e.value("connections", 0), 1) << e.dump();
  EXPECT_EQ(e.value("authAttempts", 0), 0) << e.dump();
  EXPECT_EQ(e.value("mailFrom", 0), 0) << e.dump();
  EXPECT_EQ(messages(**plain).size(), 0u);
}

TEST_F(SmtpPeerTest, AnSmsNotificationIsRefusedWithoutTouchingTheServer) {
  auto smtp = notifier(settings(*peer_));
  ASSERT_NE(smtp, nullptr);
  auto n = arabic_email("notification/12/sms");
  n.channel = "sms";
  n.recipient = "+966500000001";
  auto refused = smtp->send(n);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument) << refused.error().message;
  EXPECT_EQ(effects(*peer_).value("connections", 0), 0);
}

TEST_F(SmtpPeerTest, NoServerIsUnavailable) {
  json s = settings(*peer_);
  s["url"] = "smtp://127.0.0.1:1";
  auto smtp = notifier(s);
  ASSERT_NE(smtp, nullptr);
  auto refused = smtp->send(arabic_email("notification/13/email"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable) << refused.error().message;
  EXPECT_TRUE(refused.error().retryable);
}

}  // namespace
}  // namespace wasl::plugins::smtp
