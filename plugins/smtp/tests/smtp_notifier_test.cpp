// SmtpNotifier over the SDK's FakeHost and a recording transport: the
// settings as the hub hands them over, what reaches the transport, the
// receipt, and refusals that never reach the server.
#include "plugins/smtp/smtp_notifier.hpp"

#include <gtest/gtest.h>

#include <mutex>

#include "plugins/smtp/mime_message.hpp"
#include "plugins/smtp/settings.hpp"
#include "wasl/sdk/testing/fake_host.hpp"
#include "wasl/sdk/testing/schema_settings.hpp"

namespace wasl::plugins::smtp {
namespace {

using nlohmann::json;
using sdk::ErrorCode;
using sdk::testing::FakeHost;

const std::string kSchema = WASL_SOURCE_DIR "/plugins/smtp/schema.json";
const std::string kRecipient = "patient.secret@example.org";
const std::string kNotifierBody = "موعدك غداً الساعة العاشرة. Diagnosis-free text.";

json base_settings() {
  return {{"url", "smtp://127.0.0.1:4577"},
          {"username", "wasl-sandbox"},
          {"password", "smtp-sandbox-password"},
          {"from", "clinic@hospital.example"},
          {"from_name", "مستشفى الصحة"}};
}

// A test double: records every submission, answers as told.
class RecordingTransport final : public MailTransport {
 public:
  struct Submission {
    std::string from, to, message;
  };
  explicit RecordingTransport(std::vector<Submission>* log, std::optional<sdk::Error> fail = {})
      : log_(log), fail_(std::move(fail)) {}
  sdk::Result<MailAccepted> submit(const std::string& mail_from, const std::string& rcpt_to,
                                   std::string_view message) const override {
    std::lock_guard lock(mutex_);
    log_->push_back({mail_from, rcpt_to, std::string(message)});
    if (fail_) return *fail_;
    return MailAccepted{250, "2.0.0"};
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Submission>* log_;
  std::optional<sdk::Error> fail_;
};

sdk::Notification email(const std::string& key = "notification/7/email") {
  sdk::Notification n;
  n.idempotency_key = key;
  n.channel = "email";
  n.recipient = kRecipient;
  n.subject = "تذكير بموعدك";
  n.body = kNotifierBody;
  n.language = "ar";
  return n;
}

class SmtpNotifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    host_.set_now(std::chrono::system_clock::time_point(std::chrono::seconds(1741079100)));
  }

  std::unique_ptr<SmtpNotifier> notifier(std::optional<sdk::Error> fail = {},
                                         json settings = base_settings()) {
    settings_host_ = std::make_unique<FakeHost>(
        sdk::testing::settings_from_schema(kSchema, settings), "notify.smtp");
    auto parsed = parse_settings(settings_host_->settings(), *settings_host_);
    EXPECT_TRUE(parsed.ok()) << parsed.error().message;
    return std::make_unique<SmtpNotifier>(
        host_, std::move(*parsed), std::make_unique<RecordingTransport>(&sent_, std::move(fail)));
  }

  void expect_no_phi_in_logs() {
    for (const auto& [level, line] : host_.logs()) {
      EXPECT_EQ(line.find(kRecipient), std::string::npos) << line;
      EXPECT_EQ(line.find("موعد"), std::string::npos) << line;
    }
  }

  FakeHost host_{json::object(), "notify.smtp"};
  std::unique_ptr<FakeHost> settings_host_;
  std::vector<RecordingTransport::Submission> sent_;
};

TEST_F(SmtpNotifierTest, AnEmailGoesOutWithTheKeysMessageIdAndIsDelivered) {
  auto smtp = notifier();
  auto receipt = smtp->send(email());
  ASSERT_TRUE(receipt.ok()) << receipt.error().message;
  const std::string id = message_id_for("notification/7/email", "hospital.example");
  EXPECT_EQ(receipt->provider_id, id);
  EXPECT_EQ(receipt->status, "delivered");
  EXPECT_EQ(receipt->accepted_at_ms, 1741079100000);
  EXPECT_EQ(receipt->raw.value("reply_code", 0), 250);
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].from, "clinic@hospital.example");
  EXPECT_EQ(sent_[0].to, kRecipient);
  EXPECT_NE(sent_[0].message.find("\r\nMessage-ID: " + id + "\r\n"), std::string::npos);
  EXPECT_NE(sent_[0].message.find("\r\nTo: " + kRecipient + "\r\n"), std::string::npos);
  EXPECT_NE(sent_[0].message.find("Date: Tue, 04 Mar 2025 09:05:00 +0000\r\n"), std::string::npos);

  // Another attempt of the same notification: the same Message-ID.
  auto again = smtp->send(email());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->provider_id, id);
  auto other = smtp->send(email("notification/8/email"));
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->provider_id, id);
  expect_no_phi_in_logs();
}

TEST_F(SmtpNotifierTest, WhatCanNeverGoIsRefusedBeforeTheServer) {
  auto smtp = notifier();
  std::vector<std::pair<sdk::Notification, std::string>> cases;
  auto sms = email();
  sms.channel = "sms";
  sms.recipient = "+966500000000";
  cases.emplace_back(sms, "channel");
  auto keyless = email("");
  cases.emplace_back(keyless, "idempotency key");
  auto injected = email();
  injected.recipient = kRecipient + "\r\nBcc: x@example.org";
  cases.emplace_back(injected, "recipient");
  auto subject = email();
  subject.subject = "a\nBcc: x@example.org";
  cases.emplace_back(subject, "subject");
  auto empty = email();
  empty.body.clear();
  cases.emplace_back(empty, "empty");
  for (const auto& [notification, named] : cases) {
    auto refused = smtp->send(notification);
    ASSERT_FALSE(refused.ok()) << named;
    EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument) << refused.error().message;
    EXPECT_FALSE(refused.error().retryable);
    EXPECT_NE(refused.error().message.find(named), std::string::npos) << refused.error().message;
    EXPECT_EQ(refused.error().message.find(kRecipient), std::string::npos);
  }
  EXPECT_TRUE(sent_.empty()) << "nothing reached the transport";
}

TEST_F(SmtpNotifierTest, AMessageOverMaxMessageBytesIsRefused) {
  json settings = base_settings();
  settings["max_message_bytes"] = 2048;
  auto smtp = notifier({}, settings);
  auto n = email();
  n.body = std::string(4000, 'x');
  auto refused = smtp->send(n);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.error().message.find("max_message_bytes"), std::string::npos);
  EXPECT_TRUE(sent_.empty());
}

TEST_F(SmtpNotifierTest, TheTransportsErrorIsPassedOnAndLoggedWithoutPhi) {
  auto smtp =
      notifier(sdk::Error(ErrorCode::kUnavailable, "SMTP smtp://x: RCPT TO answered 451", true));
  auto failed = smtp->send(email());
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(failed.error().retryable);
  ASSERT_FALSE(host_.logs().empty());
  EXPECT_NE(
      host_.logs().back().second.find(message_id_for("notification/7/email", "hospital.example")),
      std::string::npos);
  expect_no_phi_in_logs();
}

TEST(SmtpSettings, DefaultsEhloNameAndPasswordFromTheSecrets) {
  json given = base_settings();
  given.erase("password");
  FakeHost host(sdk::testing::settings_from_schema(kSchema, given), "notify.smtp");
  auto missing = parse_settings(host.settings(), host);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(missing.error().message.find("password"), std::string::npos);

  host.set_secret("password", "from-the-store");
  auto parsed = parse_settings(host.settings(), host);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->password, "from-the-store");
  EXPECT_EQ(parsed->url, "smtp://127.0.0.1:4577/hospital.example");
  EXPECT_EQ(parsed->auth_mechanism, AuthMechanism::kAny);
  EXPECT_EQ(parsed->connect_timeout, std::chrono::milliseconds(10000));
  EXPECT_EQ(parsed->timeout, std::chrono::milliseconds(60000));
  EXPECT_EQ(parsed->max_message_bytes, 1048576u);
  EXPECT_EQ(url_for_log("smtp://user:pw@mail.example:587/x"), "smtp://mail.example:587");
}

TEST(SmtpSettings, TheSchemaAndTheParserRefuseWhatCannotWork) {
  const json schema = sdk::testing::read_schema(kSchema);
  const auto violations = [&](json settings) {
    return sdk::testing::schema_violations(schema,
                                           sdk::with_schema_defaults(schema, std::move(settings)));
  };
  json s = base_settings();
  EXPECT_TRUE(violations(s).empty());
  s["url"] = "http://mail.example";
  EXPECT_FALSE(violations(s).empty()) << "not smtp(s)://";
  s = base_settings();
  s["url"] = "smtp://user:pw@mail.example:587";
  EXPECT_FALSE(violations(s).empty()) << "credentials in the URL";
  s = base_settings();
  s["starttls"] = "optional";
  EXPECT_FALSE(violations(s).empty()) << "TLS is not optional";
  s = base_settings();
  s["http"] = {{"proxy", "http://proxy:3128"}};
  EXPECT_FALSE(violations(s).empty()) << "HTTP options that do not apply";
  s = base_settings();
  s["from_name"] = "Clinic\r\nBcc: x@example.org";
  EXPECT_FALSE(violations(s).empty()) << "a line break in from_name";

  json bad_from = base_settings();
  bad_from["from"] = "not an address";
  FakeHost host(sdk::testing::settings_from_schema(kSchema, bad_from), "notify.smtp");
  auto parsed = parse_settings(host.settings(), host);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().message.find("from"), std::string::npos);
}

}  // namespace
}  // namespace wasl::plugins::smtp
