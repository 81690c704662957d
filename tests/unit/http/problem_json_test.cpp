#include "hub/http/problem_json.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace wasl::http {
namespace {

TEST(ProblemTest, SerialisesRfc9457Members) {
  Problem p =
      unprocessable("Two fields are invalid.",
                    {{"patient.identifier", "required", "A patient identifier is required."},
                     {"start", "format", "start must be an RFC 3339 time."}});
  p.instance = "/v1/consultations";
  Response r = p.to_response("req-1");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(r.headers.find("content-type")->second, "application/problem+json");
  auto body = nlohmann::json::parse(r.body);
  EXPECT_EQ(body["type"], "https://wasl.dev/problems/validation-failed");
  EXPECT_EQ(body["title"], "Unprocessable Content");
  EXPECT_EQ(body["status"], 422);
  EXPECT_EQ(body["detail"], "Two fields are invalid.");
  EXPECT_EQ(body["instance"], "/v1/consultations");
  EXPECT_EQ(body["request_id"], "req-1");
  ASSERT_EQ(body["errors"].size(), 2u);
  EXPECT_EQ(body["errors"][0]["field"], "patient.identifier");
  EXPECT_EQ(body["errors"][0]["code"], "required");
  EXPECT_EQ(body["errors"][0]["message"], "A patient identifier is required.");
}

TEST(ProblemTest, StandardProblemsHaveStatusTypeAndTitle) {
  struct Case {
    Problem p;
    int status;
    const char* slug;
  };
  Case cases[] = {{bad_request("x"), 400, "bad-request"},
                  {unauthorized("x"), 401, "unauthorized"},
                  {forbidden("x"), 403, "forbidden"},
                  {not_found("x"), 404, "not-found"},
                  {method_not_allowed("x"), 405, "method-not-allowed"},
                  {conflict("x"), 409, "conflict"},
                  {payload_too_large("x"), 413, "payload-too-large"},
                  {unsupported_media_type("x"), 415, "unsupported-media-type"},
                  {too_many_requests("x"), 429, "too-many-requests"},
                  {internal_error(), 500, "internal-error"},
                  {service_unavailable("x"), 503, "service-unavailable"}};
  for (const Case& c : cases) {
    auto body = nlohmann::json::parse(c.p.to_response().body);
    EXPECT_EQ(body["status"], c.status);
    EXPECT_EQ(body["type"], std::string("https://wasl.dev/problems/") + c.slug);
    EXPECT_FALSE(body["title"].get<std::string>().empty());
    EXPECT_FALSE(body.contains("errors"));
    EXPECT_FALSE(body.contains("request_id"));
  }
}

TEST(ProblemTest, EmptyTypeIsAboutBlankAndInvalidUtf8IsReplaced) {
  Problem p;
  p.status = 418;
  p.title = "Teapot";
  p.detail = std::string("bad \xff byte");
  auto body = nlohmann::json::parse(p.to_response().body);
  EXPECT_EQ(body["type"], "about:blank");
  EXPECT_EQ(body["detail"], "bad \xEF\xBF\xBD byte");
}

}  // namespace
}  // namespace wasl::http
