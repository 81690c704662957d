#include "hub/signin/refusal_page.hpp"

#include <gtest/gtest.h>

#include "hub/console/console_routes.hpp"
#include "hub/http/router.hpp"

namespace wasl::signin {
namespace {

constexpr Refusal kAll[] = {Refusal::kNoRule, Refusal::kMfaRequired, Refusal::kExpiredAttempt,
                            Refusal::kIdpError};

http::Request asking(std::string accept_language, std::string request_id = "req-1") {
  http::Request request;
  request.method = "GET";
  request.path = "/signin/hospital/callback";
  request.request_id = std::move(request_id);
  if (!accept_language.empty()) request.headers.emplace("Accept-Language", accept_language);
  return request;
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

TEST(RefusalPage, EscapesHtml) {
  EXPECT_EQ(escape_html("a<b>&\"c\"'d'"), "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;");
  EXPECT_EQ(escape_html("حساب"), "حساب");
  EXPECT_EQ(escape_html(""), "");
}

TEST(RefusalPage, EnglishByDefaultWithEachReason) {
  for (Refusal refusal : kAll) {
    http::Response response = refusal_page(asking(""), refusal);
    EXPECT_EQ(response.status, 403);
    EXPECT_EQ(response.headers.find("Content-Type")->second, "text/html; charset=utf-8");
    EXPECT_EQ(response.headers.find("Content-Language")->second, "en");
    EXPECT_TRUE(contains(response.body, "<html lang=\"en\" dir=\"ltr\">"));
    EXPECT_TRUE(contains(response.body, "data-reason=\"" + std::string(to_string(refusal)) + "\""));
    EXPECT_TRUE(
        contains(response.body, "<a id=\"start-again\" href=\"/console/\">Start again</a>"));
    EXPECT_TRUE(contains(response.body, "<code>req-1</code>"));
  }
  EXPECT_TRUE(contains(refusal_page(asking(""), Refusal::kNoRule).body,
                       "No access rule gives your account a role in Wasl."));
  EXPECT_TRUE(contains(refusal_page(asking(""), Refusal::kMfaRequired).body,
                       "Your role needs multi-factor sign-in; sign in again with it."));
  EXPECT_TRUE(contains(refusal_page(asking(""), Refusal::kExpiredAttempt).body,
                       "The sign-in took too long or was already used; start again."));
  EXPECT_TRUE(contains(refusal_page(asking(""), Refusal::kIdpError).body,
                       "The identity provider did not complete the sign-in"));
}

TEST(RefusalPage, ArabicWhenAskedFirst) {
  for (Refusal refusal : kAll) {
    http::Response response = refusal_page(asking("ar-SA,en;q=0.8"), refusal);
    EXPECT_EQ(response.status, 403);
    EXPECT_EQ(response.headers.find("Content-Language")->second, "ar");
    EXPECT_TRUE(contains(response.body, "<html lang=\"ar\" dir=\"rtl\">"));
    EXPECT_TRUE(contains(response.body, "href=\"/console/\">ابدأ من جديد</a>"));
    EXPECT_FALSE(contains(response.body, "Start again"));
  }
  EXPECT_TRUE(contains(refusal_page(asking("ar"), Refusal::kMfaRequired).body,
                       "يتطلّب دورك تسجيل الدخول متعدّد العوامل"));
  // English first, Arabic second: English.
  EXPECT_EQ(refusal_page(asking("en, ar;q=0.9"), Refusal::kNoRule)
                .headers.find("Content-Language")
                ->second,
            "en");
}

TEST(RefusalPage, TheReasonsDiffer) {
  for (bool arabic : {false, true}) {
    for (Refusal a : kAll) {
      for (Refusal b : kAll) {
        if (a == b) continue;
        EXPECT_NE(refusal_page_html(a, arabic, ""), refusal_page_html(b, arabic, ""));
      }
    }
  }
}

TEST(RefusalPage, TheReferenceIsEscaped) {
  http::Response response =
      refusal_page(asking("", "<script>alert('x')</script>&"), Refusal::kNoRule);
  EXPECT_FALSE(contains(response.body, "<script>"));
  EXPECT_TRUE(
      contains(response.body, "<code>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;</code>"));
  EXPECT_FALSE(contains(refusal_page_html(Refusal::kNoRule, false, ""), "id=\"reference\""));
}

TEST(RefusalPage, ServedWithTheConsolesPolicyAndKeptOutOfCaches) {
  http::Router router;
  console::add_console_routes(router);
  http::Request console_request;
  console_request.method = "GET";
  http::Match match = router.match("GET", "/console/");
  ASSERT_NE(match.route, nullptr);
  http::Response console_page = match.route->handler(console_request);
  ASSERT_EQ(console_page.status, 200);

  http::Response response = refusal_page(asking("ar"), Refusal::kExpiredAttempt);
  EXPECT_EQ(response.headers.find("Content-Security-Policy")->second,
            console_page.headers.find("Content-Security-Policy")->second);
  EXPECT_EQ(response.headers.find("Cache-Control")->second, "no-store");
  EXPECT_EQ(response.headers.find("Referrer-Policy")->second, "no-referrer");
  EXPECT_EQ(response.headers.find("X-Content-Type-Options")->second, "nosniff");
  // No inline script or style, which the policy would refuse anyway.
  EXPECT_FALSE(contains(response.body, "<script"));
  EXPECT_FALSE(contains(response.body, "<style"));
  EXPECT_FALSE(contains(response.body, "style="));
}

}  // namespace
}  // namespace wasl::signin
