#include "plugins/chime/error_mapping.hpp"

#include <gtest/gtest.h>

namespace wasl::plugins::chime {
namespace {

using sdk::ErrorCode;
using sdk::HttpResponse;

HttpResponse json_error(int status, const std::string& code, const std::string& message,
                        const std::string& retry_after = "") {
  HttpResponse r;
  r.status = status;
  r.headers = {{"Content-Type", "application/json"},
               {"x-amzn-RequestId", "req-1"},
               {"x-amzn-ErrorType", code + "Exception"}};
  if (!retry_after.empty()) r.headers.emplace_back("Retry-After", retry_after);
  r.body = nlohmann::json{{"Code", code}, {"Message", message}, {"RequestId", "req-1"}}.dump();
  return r;
}

sdk::Error map(const HttpResponse& r, const std::vector<std::string>& redact = {}) {
  return to_error(describe_failure("CreateMeeting", r), redact);
}

TEST(ErrorMappingTest, CarriesChimeCodeMessageAndRequestId) {
  auto e = map(json_error(404, "NotFound", "Meeting ended."));
  EXPECT_EQ(e.code, ErrorCode::kNotFound);
  EXPECT_FALSE(e.retryable);
  EXPECT_EQ(e.message,
            "Chime CreateMeeting failed with HTTP 404 NotFound: Meeting ended. (RequestId req-1)");
}

TEST(ErrorMappingTest, ThrottlingAndOutagesAreRetryableWithRetryAfter) {
  auto throttled = map(json_error(429, "Throttling", "Slow down.", "2"));
  EXPECT_EQ(throttled.code, ErrorCode::kResourceExhausted);
  EXPECT_TRUE(throttled.retryable);
  ASSERT_TRUE(throttled.retry_after.has_value());
  EXPECT_EQ(throttled.retry_after->count(), 2000);

  auto unavailable = map(json_error(503, "ServiceUnavailable", "Later.", "7"));
  EXPECT_EQ(unavailable.code, ErrorCode::kUnavailable);
  EXPECT_TRUE(unavailable.retryable);
  EXPECT_EQ(unavailable.retry_after->count(), 7000);

  auto failure = map(json_error(500, "ServiceFailure", "Oops."));
  EXPECT_EQ(failure.code, ErrorCode::kUnavailable);
  EXPECT_TRUE(failure.retryable);
  EXPECT_FALSE(failure.retry_after.has_value());
}

TEST(ErrorMappingTest, ClientErrorsArePermanent) {
  struct Case {
    int status;
    std::string code;
    ErrorCode expected;
  } cases[] = {
      {400, "BadRequest", ErrorCode::kInvalidArgument},
      {400, "LimitExceeded", ErrorCode::kResourceExhausted},
      {401, "Unauthorized", ErrorCode::kUnauthenticated},
      {403, "Forbidden", ErrorCode::kPermissionDenied},
      {404, "NotFound", ErrorCode::kNotFound},
      {409, "Conflict", ErrorCode::kAlreadyExists},
      {422, "UnprocessableEntity", ErrorCode::kFailedPrecondition},
  };
  for (const auto& c : cases) {
    auto e = map(json_error(c.status, c.code, "no"));
    EXPECT_EQ(e.code, c.expected) << c.status << " " << c.code;
    EXPECT_FALSE(e.retryable) << c.status << " " << c.code;
  }
}

TEST(ErrorMappingTest, ARefusedSignatureIsUnauthenticated) {
  auto e = map(json_error(403, "Forbidden", "The request signature we calculated does not match."));
  EXPECT_EQ(e.code, ErrorCode::kUnauthenticated);
}

TEST(ErrorMappingTest, ReadsS3XmlErrors) {
  HttpResponse r;
  r.status = 404;
  r.body =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code><Message>The "
      "specified key does not exist.</Message><RequestId>ABC123</RequestId></Error>";
  auto body = parse_aws_error(r);
  EXPECT_EQ(body.code, "NoSuchKey");
  EXPECT_EQ(body.request_id, "ABC123");
  auto e = to_error(describe_failure("GetObject", r));
  EXPECT_EQ(e.code, ErrorCode::kNotFound);
  EXPECT_EQ(e.message,
            "Chime GetObject failed with HTTP 404 NoSuchKey: The specified key does not exist. "
            "(RequestId ABC123)");
}

TEST(ErrorMappingTest, NeverCarriesACredential) {
  auto e = map(
      json_error(403, "Forbidden", "Canonical string had x-amz-security-token:SESSION-TOKEN-VALUE"),
      {"SESSION-TOKEN-VALUE", "secret-key"});
  EXPECT_EQ(e.message.find("SESSION-TOKEN-VALUE"), std::string::npos);
  EXPECT_NE(e.message.find("[redacted]"), std::string::npos);
}

TEST(ErrorMappingTest, FallsBackToHeadersForABodyThatIsNotJson) {
  HttpResponse r;
  r.status = 502;
  r.headers = {{"x-amzn-ErrorType", "InternalFailure:http://internal"}, {"x-amzn-RequestId", "r9"}};
  r.body = "<html>bad gateway</html>";
  auto e = map(r);
  EXPECT_EQ(e.code, ErrorCode::kUnavailable);
  EXPECT_TRUE(e.retryable);
  EXPECT_NE(e.message.find("InternalFailure"), std::string::npos);
  EXPECT_NE(e.message.find("r9"), std::string::npos);
}

}  // namespace
}  // namespace wasl::plugins::chime
