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
  for (int status : {400, 401, 403, 404, 409, 415, 422, 429, 500, 502, 503}) {
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

}  // namespace
}  // namespace wasl::api
