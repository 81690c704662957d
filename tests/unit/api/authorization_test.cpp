// The authorization middleware: every route of the router is guarded as the
// role x route matrix says, for every role.
#include "hub/api/authorization.hpp"

#include <gtest/gtest.h>

#include "hub/access/route_access.hpp"
#include "tests/unit/api/api_fixture.hpp"

namespace wasl::api::testing {
namespace {

using access::Role;

TEST(ClientHostTest, StripsThePort) {
  EXPECT_EQ(client_host("127.0.0.1:40000"), "127.0.0.1");
  EXPECT_EQ(client_host("[2001:db8::1]:443"), "2001:db8::1");
  EXPECT_EQ(client_host("2001:db8::1"), "2001:db8::1");
  EXPECT_EQ(client_host("host"), "host");
}

TEST(AuthorizeTest, RoutesOutsideTheMatrixAreRefusedAtStartUp) {
  ApiContext context;
  EXPECT_THROW(authorize(context, "GET", "/v1/nowhere", {}), std::invalid_argument);
  EXPECT_THROW(authorize(context, "POST", "/v1/webhooks/{instance}", {}), std::invalid_argument);
  http::Router router;
  EXPECT_THROW(add_api_routes(router, context), std::invalid_argument);
}

class AuthorizationTest : public ApiFixture {};

// For every bearer route and every role: a role the matrix lists gets past
// the middleware (anything but 401/403), one it does not list gets 403.
TEST_P(AuthorizationTest, EveryRouteFollowsTheMatrixForEveryRole) {
  const std::string id = create_id("k");
  int checked = 0;
  for (const http::Route& route : router_.routes()) {
    const access::RouteRule* rule = access::find_route_rule(route.method, route.path_template);
    ASSERT_NE(rule, nullptr) << route.path_template;
    if (rule->auth != access::RouteAuth::kBearer) continue;
    std::string path = route.path_template;
    for (const std::string param : {"{id}", "{pid}", "{name}"}) {
      auto at = path.find(param);
      if (at != std::string::npos) path.replace(at, param.size(), param == "{id}" ? id : "x");
    }
    for (Role role : access::kAllRoles) {
      http::Response r = send({route.method, path}, role);
      bool allowed = (rule->roles & access::role_bit(role)) != 0;
      if (allowed) {
        EXPECT_NE(r.status, 403) << route.method << " " << path << " as " << to_string(role);
        EXPECT_NE(r.status, 401) << route.method << " " << path;
      } else {
        EXPECT_EQ(r.status, 403) << route.method << " " << path << " as " << to_string(role);
      }
      ++checked;
    }
    EXPECT_EQ(send({route.method, path}, std::nullopt).status, 401) << path;
    limiter_ = nullptr;  // keep the failure budget from blocking later routes
    access::AuthFailureLimiter::Options fresh;
    fresh.max_failures = 5;
    limiter_ = std::make_unique<access::AuthFailureLimiter>(fresh);
    authenticator_ = std::make_unique<access::Authenticator>(*store_, keys_, *limiter_, *audit_,
                                                             access::AuthFailureAudit::Options{},
                                                             [] { return kNow; });
    context_.authenticator = authenticator_.get();
  }
  EXPECT_GE(checked, 18 * 5) << "every bearer route of the API, for each of the 5 roles";
}

TEST_P(AuthorizationTest, PublicRoutesNeedNoKey) {
  http::Response r = send({"GET", "/v1/openapi.json"}, std::nullopt);
  EXPECT_EQ(r.status, 200);
}

INSTANTIATE_TEST_SUITE_P(Backends, AuthorizationTest, ::testing::Values(storage::Dialect::kSqlite),
                         dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
