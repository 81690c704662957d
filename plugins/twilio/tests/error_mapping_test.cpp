#include "plugins/twilio/error_mapping.hpp"

#include <gtest/gtest.h>

namespace wasl::plugins::twilio {
namespace {

using namespace std::chrono_literals;
using sdk::ErrorCode;

const auto kNow = std::chrono::system_clock::time_point(1'445'413'200s);  // 2015-10-21 07:40:00Z

std::string twilio_body(int code, std::string_view message, int status) {
  return R"({"code": )" + std::to_string(code) + R"(, "message": ")" + std::string(message) +
         R"(", "more_info": "https://www.twilio.com/docs/errors/)" + std::to_string(code) +
         R"(", "status": )" + std::to_string(status) + "}";
}

sdk::Error map(int status, std::string body, std::optional<std::string> retry_after = {}) {
  return map_twilio_error({"create room", status, std::move(body), std::move(retry_after)}, kNow);
}

TEST(ErrorMappingTest, ParsesTwilioErrorBody) {
  auto body =
      parse_twilio_error_body(twilio_body(20404, "The requested resource was not found", 404));
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(body->code, 20404);
  EXPECT_EQ(body->message, "The requested resource was not found");
  EXPECT_EQ(body->more_info, "https://www.twilio.com/docs/errors/20404");
  EXPECT_EQ(body->status, 404);
  EXPECT_FALSE(parse_twilio_error_body("<html>bad gateway</html>").has_value());
  EXPECT_FALSE(parse_twilio_error_body("").has_value());
}

TEST(ErrorMappingTest, TooManyRequestsIsRetryableWithRetryAfterSeconds) {
  auto e = map(429, twilio_body(20429, "Too Many Requests", 429), "7");
  EXPECT_EQ(e.code, ErrorCode::kResourceExhausted);
  EXPECT_TRUE(e.retryable);
  ASSERT_TRUE(e.retry_after.has_value());
  EXPECT_EQ(*e.retry_after, 7000ms);
  EXPECT_NE(e.message.find("20429"), std::string::npos);
  EXPECT_NE(e.message.find("HTTP 429"), std::string::npos);
}

TEST(ErrorMappingTest, RetryAfterAsHttpDate) {
  auto e = map(429, "", "Wed, 21 Oct 2015 07:41:30 GMT");
  ASSERT_TRUE(e.retry_after.has_value());
  EXPECT_EQ(*e.retry_after, 90s);
  EXPECT_EQ(map(503, "", "Wed, 21 Oct 2015 07:28:00 GMT").retry_after, 0ms);
  // A 429 without a usable Retry-After is still retryable, with no hint.
  auto no_hint = map(429, "", "soon");
  EXPECT_TRUE(no_hint.retryable);
  EXPECT_FALSE(no_hint.retry_after.has_value());
}

TEST(ErrorMappingTest, ServerErrorsAreRetryable) {
  for (int status : {500, 502, 503, 504}) {
    auto e = map(status, twilio_body(20500, "Internal Server Error", status));
    EXPECT_EQ(e.code, ErrorCode::kUnavailable) << status;
    EXPECT_TRUE(e.retryable) << status;
  }
  auto e = map(503, "<html>", "3");
  EXPECT_EQ(e.retry_after, 3000ms);
  EXPECT_NE(e.message.find("not Twilio's JSON error"), std::string::npos);
}

TEST(ErrorMappingTest, ClientErrorsArePermanentWithTheirCodes) {
  struct Case {
    int status;
    int code;
    ErrorCode expected;
  };
  for (auto c :
       {Case{400, 21218, ErrorCode::kInvalidArgument},
        Case{401, 20003, ErrorCode::kUnauthenticated},
        Case{403, 20403, ErrorCode::kPermissionDenied}, Case{404, 20404, ErrorCode::kNotFound},
        Case{410, 0, ErrorCode::kNotFound}, Case{409, 0, ErrorCode::kAlreadyExists},
        Case{412, 0, ErrorCode::kFailedPrecondition}, Case{422, 0, ErrorCode::kInvalidArgument},
        Case{405, 20004, ErrorCode::kInvalidArgument}}) {
    auto e = map(c.status, twilio_body(c.code, "x", c.status), "5");
    EXPECT_EQ(e.code, c.expected) << c.status;
    EXPECT_FALSE(e.retryable) << c.status;
    EXPECT_FALSE(e.retry_after.has_value()) << c.status;
  }
  EXPECT_NE(map(401, "").message.find("API key SID and secret"), std::string::npos);
}

TEST(ErrorMappingTest, RoomExistsIsAlreadyExistsWhateverTheStatus) {
  auto e = map(400, twilio_body(kTwilioRoomExists, "Room exists", 400));
  EXPECT_EQ(e.code, ErrorCode::kAlreadyExists);
  EXPECT_FALSE(e.retryable);
  EXPECT_NE(e.message.find("53113"), std::string::npos);
  EXPECT_NE(e.message.find("Room exists"), std::string::npos);
  EXPECT_NE(e.message.find("create room"), std::string::npos);
}

TEST(ErrorMappingTest, NeverCarriesCredentialsOrControlCharacters) {
  const std::string secret = "AbCdEfSecretValue1234567890";
  const std::string key = "SK0123456789abcdef0123456789abcdef";
  auto e = map_twilio_error(
      {"fetch room",
       401,
       twilio_body(20003, "Authenticate " + key + ":" + secret + "\\n\\u0007", 401),
       {}},
      kNow, {secret, key});
  EXPECT_EQ(e.message.find(secret), std::string::npos);
  EXPECT_EQ(e.message.find(key), std::string::npos);
  EXPECT_NE(e.message.find("[redacted]"), std::string::npos);
  EXPECT_EQ(e.message.find('\n'), std::string::npos);
  EXPECT_EQ(e.message.find('\a'), std::string::npos);
  // Long messages are cut, but never so as to leave a prefix of a secret.
  std::string long_message(295, 'x');
  auto cut = map_twilio_error(
      {"fetch room", 400, twilio_body(21218, long_message + secret, 400), {}}, kNow, {secret});
  EXPECT_EQ(cut.message.find(secret.substr(0, 5)), std::string::npos);
}

}  // namespace
}  // namespace wasl::plugins::twilio
