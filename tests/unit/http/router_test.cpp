#include "hub/http/router.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

namespace wasl::http {
namespace {

Handler tagged(std::string tag) {
  return [tag](Request&) { return Response::text(200, tag); };
}

std::string call(const Match& m) {
  Request req;
  return m.route->handler(req).body;
}

TEST(RouterTest, MatchesLiteralsAndParameters) {
  Router router;
  router.add("GET", "/v1/consultations/{id}/participants/{pid}", tagged("participant"));
  router.add("GET", "/healthz", tagged("health"));
  Match m = router.match("GET", "/v1/consultations/c-1/participants/p-2");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(call(m), "participant");
  EXPECT_EQ(m.params.at("id"), "c-1");
  EXPECT_EQ(m.params.at("pid"), "p-2");
  EXPECT_EQ(call(router.match("GET", "/healthz")), "health");
}

TEST(RouterTest, LiteralBeatsParameterRegardlessOfOrder) {
  Router router;
  router.add("GET", "/v1/items/{id}", tagged("param"));
  router.add("GET", "/v1/items/search", tagged("literal"));
  EXPECT_EQ(call(router.match("GET", "/v1/items/search")), "literal");
  EXPECT_EQ(call(router.match("GET", "/v1/items/other")), "param");
}

TEST(RouterTest, FallsBackToParameterRouteWhenLiteralLacksMethod) {
  Router router;
  router.add("POST", "/v1/items/search", tagged("literal"));
  router.add("GET", "/v1/items/{id}", tagged("param"));
  EXPECT_EQ(call(router.match("GET", "/v1/items/search")), "param");
}

TEST(RouterTest, UnknownPathIs404KnownPathOtherMethodListsAllowed) {
  Router router;
  router.add("GET", "/v1/items", tagged("list"));
  router.add("POST", "/v1/items", tagged("create"));
  Match none = router.match("GET", "/v1/other");
  EXPECT_EQ(none.route, nullptr);
  EXPECT_TRUE(none.allowed_methods.empty());
  Match wrong = router.match("DELETE", "/v1/items");
  EXPECT_EQ(wrong.route, nullptr);
  EXPECT_EQ(wrong.allowed_methods, (std::vector<std::string>{"GET", "HEAD", "POST"}));
}

TEST(RouterTest, HeadUsesGetRoute) {
  Router router;
  router.add("GET", "/healthz", tagged("health"));
  Match m = router.match("HEAD", "/healthz");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(call(m), "health");
}

TEST(RouterTest, PercentDecodesSegmentsAfterSplitting) {
  Router router;
  router.add("GET", "/v1/files/{name}", tagged("file"));
  Match m = router.match("GET", "/v1/files/a%2Fb%20c");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.params.at("name"), "a/b c");
  Match arabic = router.match("GET", "/v1/files/%D9%88%D8%B5%D9%84");
  ASSERT_NE(arabic.route, nullptr);
  EXPECT_EQ(arabic.params.at("name"), "وصل");
  EXPECT_EQ(router.match("GET", "/v1/files/bad%zz").route, nullptr);
}

// A parameter that decodes to a NUL or to bytes that are not UTF-8 matches
// no route (404): it used to reach PostgreSQL, which refused it with a 500.
TEST(RouterTest, NulAndInvalidUtf8InASegmentMatchNothing) {
  Router router;
  router.add("GET", "/v1/files/{name}", tagged("file"));
  for (const char* path :
       {"/v1/files/%FF", "/v1/files/a%00b", "/v1/files/%C0%AF", "/v1/files/%ED%A0%80",
        "/v1/files/%F4%90%80%80", "/v1/files/%E2%82", "/v1/%FF/x"}) {
    Match m = router.match("GET", path);
    EXPECT_EQ(m.route, nullptr) << path;
    EXPECT_TRUE(m.allowed_methods.empty()) << path;
  }
  EXPECT_NE(router.match("GET", "/v1/files/%F0%9F%98%80").route, nullptr);
}

TEST(RouterTest, EmptySegmentsAndTrailingSlashDoNotMatchParameters) {
  Router router;
  router.add("GET", "/v1/items/{id}", tagged("item"));
  EXPECT_EQ(router.match("GET", "/v1/items/").route, nullptr);
  EXPECT_EQ(router.match("GET", "/v1/items/x/").route, nullptr);
  EXPECT_EQ(router.match("GET", "v1/items/x").route, nullptr);
}

TEST(RouterTest, RejectsMalformedAndDuplicateTemplates) {
  Router router;
  EXPECT_THROW(router.add("GET", "no-slash", tagged("x")), std::invalid_argument);
  EXPECT_THROW(router.add("GET", "/a/{}", tagged("x")), std::invalid_argument);
  EXPECT_THROW(router.add("GET", "/a/x{id}", tagged("x")), std::invalid_argument);
  EXPECT_THROW(router.add("GET", "/a/{id}/{id}", tagged("x")), std::invalid_argument);
  router.add("GET", "/a", tagged("x"));
  EXPECT_THROW(router.add("GET", "/a", tagged("y")), std::invalid_argument);
}

}  // namespace
}  // namespace wasl::http
