#include "plugins/fhir/error_mapping.hpp"

#include <gtest/gtest.h>

namespace wasl::plugins::fhir {
namespace {

using sdk::ErrorCode;

sdk::HttpResponse answer(int status, std::string body = "",
                         std::vector<std::pair<std::string, std::string>> headers = {}) {
  return sdk::HttpResponse{status, std::move(headers), std::move(body)};
}

TEST(FhirErrorMapping, StatusesFollowTheEhrContract) {
  struct Case {
    int status;
    ErrorCode code;
    bool retryable;
  };
  for (const Case& c :
       {Case{404, ErrorCode::kNotFound, false}, Case{410, ErrorCode::kNotFound, false},
        Case{401, ErrorCode::kUnauthenticated, false},
        Case{403, ErrorCode::kPermissionDenied, false}, Case{412, ErrorCode::kConflict, true},
        Case{422, ErrorCode::kInvalidArgument, false},
        Case{400, ErrorCode::kInvalidArgument, false},
        Case{429, ErrorCode::kResourceExhausted, true}, Case{500, ErrorCode::kUnavailable, true},
        Case{503, ErrorCode::kUnavailable, true}}) {
    auto error = error_from_response("ehr.x", "GET Patient", answer(c.status));
    EXPECT_EQ(error.code, c.code) << c.status;
    EXPECT_EQ(error.retryable, c.retryable) << c.status;
    EXPECT_NE(error.message.find("ehr.x"), std::string::npos);
  }
}

TEST(FhirErrorMapping, RetryAfterSecondsAreHonoured) {
  auto error = error_from_response("ehr.x", "GET Patient", answer(429, "", {{"retry-after", "7"}}));
  ASSERT_TRUE(error.retry_after);
  EXPECT_EQ(*error.retry_after, std::chrono::seconds(7));
  // An HTTP-date, relative to the host's clock; one in the past means now.
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1445413200));
  auto date =
      error_from_response("ehr.x", "GET Patient",
                          answer(503, "", {{"Retry-After", "Wed, 21 Oct 2015 07:41:30 GMT"}}), now);
  EXPECT_EQ(date.retry_after, std::chrono::seconds(90));
  auto past =
      error_from_response("ehr.x", "GET Patient",
                          answer(503, "", {{"Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"}}), now);
  EXPECT_EQ(past.retry_after, std::chrono::milliseconds(0));
}

TEST(FhirErrorMapping, OperationOutcomeIssuesBecomeTheMessage) {
  auto error = error_from_response("ehr.x", "POST Encounter",
                                   answer(422, R"({"resourceType":"OperationOutcome","issue":[
        {"severity":"error","code":"required","details":{"text":"Missing required property"}},
        {"severity":"error","code":"value","diagnostics":"bad code"}]})"));
  EXPECT_NE(error.message.find("required: Missing required property; value: bad code"),
            std::string::npos)
      << error.message;
}

TEST(FhirErrorMapping, IssuesOfTheWrongShapeAreReadAsFarAsTheyGo) {
  EXPECT_EQ(operation_outcome_summary(R"({"resourceType":"OperationOutcome","issue":[
        7, {"code":5,"details":{"text":9}}, {"code":"value","details":"x","diagnostics":"bad"}]})"),
            "unknown; value: bad");
}

TEST(FhirErrorMapping, AResourceBodyNeverReachesTheMessage) {
  auto error = error_from_response(
      "ehr.x", "GET Patient",
      answer(400, R"({"resourceType":"Patient","name":[{"family":"الزهراني"}]})"));
  EXPECT_EQ(error.message.find("الزهراني"), std::string::npos);
  EXPECT_EQ(operation_outcome_summary("not json"), "");
}

}  // namespace
}  // namespace wasl::plugins::fhir
