#include "wasl/sdk/http_status_error.hpp"

#include <gtest/gtest.h>

namespace wasl::sdk {
namespace {

using namespace std::chrono_literals;

const auto kNow = std::chrono::system_clock::time_point(1'445'413'200s);  // 2015-10-21 07:40:00Z

TEST(RetryAfterTest, DeltaSecondsAndHttpDates) {
  EXPECT_EQ(parse_retry_after("120", kNow), 120000ms);
  EXPECT_EQ(parse_retry_after(" 0 ", kNow), 0ms);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:41:30 GMT", kNow), 90s);
  EXPECT_EQ(parse_retry_after("Wednesday, 21-Oct-15 07:40:05 GMT", kNow), 5000ms);
  // A date in the past: now.
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", kNow), 0ms);
  for (const char* bad : {"", "  ", "soon", "-5", "1.5", "+3"}) {
    EXPECT_FALSE(parse_retry_after(bad, kNow).has_value()) << bad;
  }
}

TEST(RetryAfterTest, IsCappedInBothForms) {
  EXPECT_EQ(parse_retry_after("3600", kNow), kMaxRetryAfter);
  EXPECT_EQ(parse_retry_after("3601", kNow), kMaxRetryAfter);
  EXPECT_EQ(parse_retry_after("99999999999999999999999", kNow), kMaxRetryAfter);
  EXPECT_EQ(parse_retry_after("Thu, 22 Oct 2015 07:40:00 GMT", kNow), kMaxRetryAfter);
  EXPECT_EQ(kMaxRetryAfter, 1h);
}

TEST(ErrorFromHttpStatusTest, StatusesMapToCodes) {
  struct Case {
    int status;
    ErrorCode code;
    bool retryable;
  };
  for (const Case& c :
       {Case{400, ErrorCode::kInvalidArgument, false},
        Case{401, ErrorCode::kUnauthenticated, false},
        Case{403, ErrorCode::kPermissionDenied, false}, Case{404, ErrorCode::kNotFound, false},
        Case{410, ErrorCode::kNotFound, false}, Case{405, ErrorCode::kInvalidArgument, false},
        Case{408, ErrorCode::kDeadlineExceeded, true}, Case{409, ErrorCode::kAlreadyExists, false},
        Case{412, ErrorCode::kFailedPrecondition, false},
        Case{422, ErrorCode::kInvalidArgument, false}, Case{425, ErrorCode::kUnavailable, true},
        Case{429, ErrorCode::kResourceExhausted, true}, Case{500, ErrorCode::kUnavailable, true},
        Case{503, ErrorCode::kUnavailable, true}, Case{599, ErrorCode::kUnavailable, true},
        Case{200, ErrorCode::kInternal, false}, Case{302, ErrorCode::kInternal, false}}) {
    Error e = error_from_http_status(c.status, "x answered HTTP " + std::to_string(c.status));
    EXPECT_EQ(e.code, c.code) << c.status;
    EXPECT_EQ(e.retryable, c.retryable) << c.status;
    EXPECT_EQ(e.message, "x answered HTTP " + std::to_string(c.status));
  }
}

TEST(ErrorFromHttpStatusTest, RetryableAnswersCarryRetryAfter) {
  HttpResponse busy{429, {{"retry-after", "7"}}, ""};
  EXPECT_EQ(error_from_http_status(busy, "busy", kNow).retry_after, 7000ms);
  HttpResponse down{503, {{"Retry-After", "Wed, 21 Oct 2015 07:41:30 GMT"}}, ""};
  EXPECT_EQ(error_from_http_status(down, "down", kNow).retry_after, 90s);
  HttpResponse no_hint{503, {{"Retry-After", "soon"}}, ""};
  Error e = error_from_http_status(no_hint, "down", kNow);
  EXPECT_TRUE(e.retryable);
  EXPECT_FALSE(e.retry_after.has_value());
  // A permanent answer never carries one.
  HttpResponse refused{400, {{"Retry-After", "7"}}, ""};
  EXPECT_FALSE(error_from_http_status(refused, "refused", kNow).retry_after.has_value());
}

}  // namespace
}  // namespace wasl::sdk
