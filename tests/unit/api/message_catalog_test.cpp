#include "hub/api/message_catalog.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "hub/api/api_problem.hpp"

namespace wasl::api {
namespace {

http::Request with_language(const std::string& value) {
  http::Request r;
  if (!value.empty()) r.headers.emplace("Accept-Language", value);
  return r;
}

TEST(MessagesTest, PicksArabicOnlyWhenRankedFirst) {
  EXPECT_EQ(preferred_language(with_language("")), Language::kEnglish);
  EXPECT_EQ(preferred_language(with_language("ar")), Language::kArabic);
  EXPECT_EQ(preferred_language(with_language("AR-sa")), Language::kArabic);
  EXPECT_EQ(preferred_language(with_language("en-US,ar;q=0.8")), Language::kEnglish);
  EXPECT_EQ(preferred_language(with_language("en;q=0.5, ar;q=0.9")), Language::kArabic);
  EXPECT_EQ(preferred_language(with_language("ar;q=0, en")), Language::kEnglish);
  EXPECT_EQ(preferred_language(with_language("fr, ar;q=0.5")), Language::kEnglish);
  EXPECT_EQ(preferred_language(with_language("*")), Language::kEnglish);
}

TEST(MessagesTest, EveryMessageHasBothLanguages) {
  for (int i = 0; i <= static_cast<int>(MessageId::kInternal); ++i) {
    auto id = static_cast<MessageId>(i);
    EXPECT_FALSE(message_text(id, Language::kEnglish).empty()) << i;
    EXPECT_FALSE(message_text(id, Language::kArabic).empty()) << i;
    EXPECT_NE(message_text(id, Language::kEnglish), message_text(id, Language::kArabic)) << i;
  }
  for (int status : {400, 401, 403, 404, 409, 415, 422, 429, 500, 501, 502, 503}) {
    EXPECT_NE(status_title(status, Language::kArabic), status_title(status, Language::kEnglish));
  }
}

TEST(MessagesTest, FormatsPlaceholders) {
  EXPECT_EQ(format_message(MessageId::kParticipantLimit, Language::kEnglish, {"15"}),
            "The consultation already has 15 participants, the limit for its type.");
  EXPECT_EQ(format_message(MessageId::kParticipantLimit, Language::kArabic, {"15"}),
            "بلغت الاستشارة الحد الأقصى لنوعها وهو 15 من المشاركين.");
}

TEST(MessagesTest, ProblemResponsesAreLocalizedProblemJson) {
  http::Request r = with_language("ar");
  r.request_id = "req-9";
  http::Response resp = problem_response(r, 404, MessageId::kRecordingNotFound);
  EXPECT_EQ(resp.status, 404);
  EXPECT_EQ(resp.headers.find("Content-Type")->second, "application/problem+json");
  auto body = nlohmann::json::parse(resp.body);
  EXPECT_EQ(body["title"], "غير موجود");
  EXPECT_EQ(body["type"], "https://wasl.dev/problems/not-found");
  EXPECT_EQ(body["request_id"], "req-9");
  EXPECT_EQ(body["status"], 404);
}

TEST(MessagesTest, StorageErrorsBecome503WithRetryAfterAndNoDetailLeak) {
  http::Request r;
  http::Response busy =
      error_response(r, sdk::Error(sdk::ErrorCode::kUnavailable, "pg: secret host down"));
  EXPECT_EQ(busy.status, 503);
  EXPECT_EQ(busy.headers.find("Retry-After")->second, "1");
  EXPECT_EQ(busy.body.find("secret"), std::string::npos);
  http::Response bug =
      error_response(r, sdk::Error(sdk::ErrorCode::kInternal, "SQL syntax near x"));
  EXPECT_EQ(bug.status, 500);
  EXPECT_EQ(bug.body.find("SQL"), std::string::npos);
}

http::Request request(const std::string& method, const std::string& body) {
  http::Request r;
  r.method = method;
  r.body = body;
  r.request_id = "req-1";
  return r;
}

// Every error class has its status; the error's own text is never sent.
TEST(MessagesTest, ErrorsAreClassifiedByKind) {
  using sdk::ErrorCode;
  const http::Request post = request("POST", R"({"a":1})");
  const http::Request get = request("GET", "");
  const http::Request bare_post = request("POST", "");
  struct Case {
    const http::Request& request;
    ErrorCode code;
    int status;
  };
  const Case cases[] = {
      {post, ErrorCode::kInvalidArgument, 422},
      {get, ErrorCode::kInvalidArgument, 400},
      {bare_post, ErrorCode::kInvalidArgument, 400},
      {post, ErrorCode::kFailedPrecondition, 409},
      {get, ErrorCode::kFailedPrecondition, 409},
      {post, ErrorCode::kAlreadyExists, 409},
      {post, ErrorCode::kConflict, 409},
      {post, ErrorCode::kNotFound, 404},
      {post, ErrorCode::kPermissionDenied, 502},
      {post, ErrorCode::kUnauthenticated, 502},
      {post, ErrorCode::kUnimplemented, 501},
      {post, ErrorCode::kUnavailable, 503},
      {post, ErrorCode::kDeadlineExceeded, 503},
      {post, ErrorCode::kResourceExhausted, 503},
      {post, ErrorCode::kCancelled, 503},
      {post, ErrorCode::kInternal, 500},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(sdk::to_string(c.code)) + " on " + c.request.method);
    EXPECT_EQ(error_status(c.request, c.code), c.status);
    http::Response r = error_response(c.request, sdk::Error(c.code, "inner text 0xfeed"));
    EXPECT_EQ(r.status, c.status);
    EXPECT_EQ(r.headers.find("Content-Type")->second, "application/problem+json");
    EXPECT_EQ(r.body.find("0xfeed"), std::string::npos);
    auto body = nlohmann::json::parse(r.body);
    EXPECT_EQ(body["status"], c.status);
    EXPECT_FALSE(body.value("detail", std::string()).empty());
  }
}

// A conflict is a 409 that says to retry (with Retry-After when the error
// is retryable, as a serialization failure is), never a 503.
TEST(MessagesTest, AConflictIs409WithRetryAfterWhenRetryable) {
  const http::Request post = request("POST", R"({"a":1})");
  http::Response retryable =
      error_response(post, sdk::Error(sdk::ErrorCode::kConflict, "deadlock detected"));
  EXPECT_EQ(retryable.status, 409);
  ASSERT_NE(retryable.headers.find("Retry-After"), retryable.headers.end());
  EXPECT_EQ(retryable.headers.find("Retry-After")->second, "1");
  EXPECT_NE(nlohmann::json::parse(retryable.body)["detail"].get<std::string>().find("retry"),
            std::string::npos);
  http::Response state =
      error_response(post, sdk::Error(sdk::ErrorCode::kFailedPrecondition, "foreign key", false));
  EXPECT_EQ(state.status, 409);
  EXPECT_EQ(state.headers.find("Retry-After"), state.headers.end());
  EXPECT_EQ(nlohmann::json::parse(state.body)["type"], "https://wasl.dev/problems/conflict");
}

}  // namespace
}  // namespace wasl::api
