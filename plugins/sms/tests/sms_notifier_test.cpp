#include "plugins/sms/sms_notifier.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "wasl/sdk/testing/fake_host.hpp"
#include "wasl/sdk/testing/schema_settings.hpp"

namespace wasl::plugins::sms {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using sdk::ErrorCode;
using sdk::testing::FakeHost;

constexpr char kUrl[] = "https://sms.example.sa/v1/messages";
constexpr char kApiKey[] = "test-api-key";
constexpr char kNumber[] = "+966501234567";
// "Your appointment is tomorrow at 10:30" in Arabic.
const std::string kArabic =
    "\xD9\x85\xD9\x88\xD8\xB9\xD8\xAF\xD9\x83 \xD8\xBA\xD8\xAF\xD8\xA7\xD9\x8B "
    "\xD8\xA7\xD9\x84\xD8\xB3\xD8\xA7\xD8\xB9\xD8\xA9 10:30";

json settings() {
  return sdk::testing::settings_from_schema(WASL_SOURCE_DIR "/plugins/sms/schema.json",
                                            {{"base_url", "https://sms.example.sa"},
                                             {"api_key", kApiKey},
                                             {"sender", "Wasl"},
                                             {"request_timeout_ms", 5000},
                                             {"max_segments", 3}});
}

sdk::Notification sms(std::string body = kArabic, std::string key = "notify/f1/c1/invitation/sms") {
  sdk::Notification n;
  n.idempotency_key = std::move(key);
  n.channel = "sms";
  n.recipient = kNumber;
  n.body = std::move(body);
  n.language = "ar";
  return n;
}

sdk::HttpResponse answer(int status, const json& body,
                         std::vector<std::pair<std::string, std::string>> headers = {}) {
  sdk::HttpResponse r;
  r.status = status;
  r.body = body.is_null() ? std::string() : body.dump();
  r.headers = std::move(headers);
  return r;
}

std::string header(const sdk::HttpRequest& request, const std::string& name) {
  for (const auto& [k, v] : request.headers) {
    if (k == name) return v;
  }
  return {};
}

class SmsNotifierTest : public ::testing::Test {
 protected:
  SmsNotifierTest() : host_(settings(), "notify.sms-test") {
    auto parsed = parse_settings(host_.settings(), host_, SettingsUse::kNotify);
    EXPECT_TRUE(parsed.ok()) << parsed.error().message;
    notifier_ = std::make_unique<SmsNotifier>(host_, std::move(*parsed));
    host_.set_now(std::chrono::system_clock::time_point(1767225600s));
  }

  // Neither the text nor the number appears in `message`.
  static void expect_no_phi(const std::string& message) {
    EXPECT_EQ(message.find(kArabic), std::string::npos) << message;
    EXPECT_EQ(message.find("501234567"), std::string::npos) << message;
  }

  sdk::Result<sdk::NotificationReceipt> failing_with(
      int status, const json& body, std::vector<std::pair<std::string, std::string>> headers = {}) {
    host_.respond("POST", kUrl, answer(status, body, std::move(headers)));
    auto sent = notifier_->send(sms());
    EXPECT_FALSE(sent.ok()) << status;
    if (!sent.ok()) expect_no_phi(sent.error().message);
    return sent;
  }

  FakeHost host_;
  std::unique_ptr<SmsNotifier> notifier_;
};

TEST_F(SmsNotifierTest, PostsTheMessageAsTheGatewayTakesIt) {
  host_.respond("POST", kUrl,
                answer(201, {{"messageId", "m-1"},
                             {"statusCode", 201},
                             {"segments", 1},
                             {"cost", "0.05"},
                             {"currency", "SAR"}}));
  auto sent = notifier_->send(sms());
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  EXPECT_EQ(sent->provider_id, "m-1");
  EXPECT_EQ(sent->status, "accepted");
  EXPECT_EQ(sent->segments, 1);
  EXPECT_EQ(sent->accepted_at_ms, 1767225600000);
  EXPECT_EQ(sent->raw["encoding"], "UCS-2");
  EXPECT_EQ(sent->raw["cost"], "0.05");
  EXPECT_EQ(sent->raw.dump().find("501234567"), std::string::npos) << "no number in the receipt";

  const auto requests = host_.requests();
  ASSERT_EQ(requests.size(), 1u);
  const sdk::HttpRequest& r = requests[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(header(r, "Authorization"), std::string("Bearer ") + kApiKey);
  EXPECT_EQ(header(r, "Content-Type"), "application/json; charset=utf-8");
  ASSERT_TRUE(r.timeout.has_value());
  EXPECT_EQ(r.timeout->count(), 5000);
  const json body = json::parse(r.body);
  EXPECT_EQ(body["recipients"], json::array({"966501234567"}));
  EXPECT_EQ(body["body"], kArabic);
  EXPECT_EQ(body["sender"], "Wasl");
  EXPECT_EQ(body["clientReference"], "notify/f1/c1/invitation/sms");
}

TEST_F(SmsNotifierTest, AResendCarriesTheSameClientReference) {
  host_.respond("POST", kUrl, answer(200, {{"messageId", "m-1"}, {"segments", 1}}));
  const std::string long_key(100, 'k');
  ASSERT_TRUE(notifier_->send(sms(kArabic, long_key)).ok());
  ASSERT_TRUE(notifier_->send(sms(kArabic, long_key)).ok());
  const auto requests = host_.requests();
  ASSERT_EQ(requests.size(), 2u);
  const std::string first = json::parse(requests[0].body)["clientReference"];
  EXPECT_EQ(first, json::parse(requests[1].body)["clientReference"].get<std::string>());
  EXPECT_EQ(first.size(), 64u) << "a key the gateway cannot take is sent as its SHA-256";
  EXPECT_NE(first, long_key);
  EXPECT_EQ(client_reference("a b"), client_reference("a b"));
  EXPECT_NE(client_reference("a b"), client_reference("a c"));
  EXPECT_EQ(client_reference("notify:1.2_3-x/y"), "notify:1.2_3-x/y");
}

TEST_F(SmsNotifierTest, TheGatewaysBilledPartsWinAndADifferenceIsLogged) {
  host_.respond("POST", kUrl, answer(201, {{"messageId", "m-2"}, {"segments", 2}}));
  auto sent = notifier_->send(sms());
  ASSERT_TRUE(sent.ok());
  EXPECT_EQ(sent->segments, 2);
  EXPECT_EQ(sent->raw["counted_segments"], 1);
  const auto logs = host_.logs();
  ASSERT_FALSE(logs.empty());
  expect_no_phi(logs.back().second);
  // Without segments in the answer, the counted parts.
  host_.respond("POST", kUrl, answer(201, {{"messageId", "m-3"}}));
  EXPECT_EQ(notifier_->send(sms(std::string(161, 'a'))).value().segments, 2);
}

TEST_F(SmsNotifierTest, WhatCanNeverGoIsRefusedBeforeAnythingIsSent) {
  sdk::Notification email = sms();
  email.channel = "email";
  email.recipient = "patient@example.org";
  sdk::Notification no_key = sms();
  no_key.idempotency_key.clear();
  sdk::Notification national = sms();
  national.recipient = "0501234567";
  for (const sdk::Notification& n :
       {email, no_key, national, sms(""), sms("ab\xFF"), sms(std::string(202, 'x') + "\xD8\xA8")}) {
    auto refused = notifier_->send(n);
    ASSERT_FALSE(refused.ok()) << n.channel << " " << n.body.size();
    EXPECT_EQ(refused.error().code, ErrorCode::kInvalidArgument) << refused.error().message;
    EXPECT_FALSE(refused.error().retryable);
    expect_no_phi(refused.error().message);
  }
  EXPECT_NE(notifier_->send(email).error().message.find("\"email\""), std::string::npos);
  EXPECT_NE(notifier_->send(sms(std::string(202, 'x') + "\xD8\xA8"))
                .error()
                .message.find("4 parts (UCS-2, 203 units), more than max_segments 3"),
            std::string::npos);
  EXPECT_TRUE(host_.requests().empty());
}

TEST_F(SmsNotifierTest, ServerErrorsAndTimeoutsAreRetryable) {
  for (int status : {500, 502, 503}) {
    auto e = failing_with(status, {{"statusCode", status}, {"code", "INTERNAL_ERROR"}});
    EXPECT_EQ(e.error().code, ErrorCode::kUnavailable) << status;
    EXPECT_TRUE(e.error().retryable);
    EXPECT_NE(e.error().message.find(std::to_string(status) + " INTERNAL_ERROR"), std::string::npos)
        << e.error().message;
  }
  auto busy = failing_with(503, json(), {{"Retry-After", "3"}});
  ASSERT_TRUE(busy.error().retry_after.has_value());
  EXPECT_EQ(busy.error().retry_after->count(), 3000);

  host_.fail("POST", kUrl,
             sdk::Error(ErrorCode::kDeadlineExceeded, "timed out after 5000 ms", true));
  auto late = notifier_->send(sms());
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, ErrorCode::kDeadlineExceeded);
  EXPECT_TRUE(late.error().retryable);
  EXPECT_NE(late.error().message.find("SMS gateway: POST /v1/messages"), std::string::npos);
  host_.fail("POST", kUrl, sdk::Error(ErrorCode::kUnavailable, "connection reset", true));
  EXPECT_EQ(notifier_->send(sms()).error().code, ErrorCode::kUnavailable);
}

TEST_F(SmsNotifierTest, TooManyRequestsHonoursRetryAfter) {
  auto limited = failing_with(429, {{"code", "RATE_LIMITED"}}, {{"Retry-After", "7"}});
  EXPECT_EQ(limited.error().code, ErrorCode::kResourceExhausted);
  EXPECT_TRUE(limited.error().retryable);
  ASSERT_TRUE(limited.error().retry_after.has_value());
  EXPECT_EQ(limited.error().retry_after->count(), 7000);
  // An HTTP-date, read against the host's clock (2026-01-01T00:00:00Z).
  auto dated = failing_with(429, json(), {{"Retry-After", "Thu, 01 Jan 2026 00:00:42 GMT"}});
  ASSERT_TRUE(dated.error().retry_after.has_value());
  EXPECT_EQ(dated.error().retry_after->count(), 42000);
}

TEST_F(SmsNotifierTest, RefusalsMapToWhatTheHubCanDo) {
  const struct {
    int status;
    const char* code;
    ErrorCode expected;
  } cases[] = {
      {400, "INVALID_RECIPIENT", ErrorCode::kInvalidArgument},
      {422, "INVALID_BODY", ErrorCode::kInvalidArgument},
      {400, "INVALID_SENDER", ErrorCode::kFailedPrecondition},
      {400, "SENDER_NOT_REGISTERED", ErrorCode::kFailedPrecondition},
      {401, "UNAUTHORIZED", ErrorCode::kFailedPrecondition},
      {402, "INSUFFICIENT_BALANCE", ErrorCode::kFailedPrecondition},
      {403, "FORBIDDEN", ErrorCode::kPermissionDenied},
      {404, "", ErrorCode::kFailedPrecondition},
      {409, "REFERENCE_REUSED", ErrorCode::kAlreadyExists},
  };
  for (const auto& c : cases) {
    json body = {{"statusCode", c.status}, {"message", std::string("bad number ") + kNumber}};
    if (*c.code) body["code"] = c.code;
    auto e = failing_with(c.status, body);
    EXPECT_EQ(e.error().code, c.expected) << c.status << " " << c.code;
    EXPECT_FALSE(e.error().retryable) << c.status;
    EXPECT_EQ(e.error().message.find("bad number"), std::string::npos)
        << "the gateway's own words stay out: " << e.error().message;
  }
  // A code that is not the gateway's form is left out.
  auto odd = failing_with(400, {{"code", "966501234567 is invalid"}});
  EXPECT_EQ(odd.error().message,
            "SMS gateway answered 400 to POST /v1/messages: the gateway "
            "refuses this message");
}

TEST_F(SmsNotifierTest, ASuccessWithoutAMessageIdIsRetried) {
  for (const json& body : {json(), json{{"statusCode", 201}}, json{{"messageId", ""}},
                           json{{"messageId", "has space"}}, json{{"messageId", 7}}}) {
    host_.respond("POST", kUrl, answer(201, body));
    auto e = notifier_->send(sms());
    ASSERT_FALSE(e.ok()) << body.dump();
    EXPECT_EQ(e.error().code, ErrorCode::kUnavailable);
    EXPECT_TRUE(e.error().retryable);
  }
}

}  // namespace
}  // namespace wasl::plugins::sms
