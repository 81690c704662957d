// GET /v1/me: the key's facility, role, actor and the routes its role may
// use, straight from the role × route matrix.
#include "hub/api/caller.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "hub/access/route_access.hpp"
#include "tests/unit/api/api_fixture.hpp"

namespace wasl::api::testing {
namespace {

using access::Role;

class CallerTest : public ApiFixture {};

TEST_P(CallerTest, EveryRoleLearnsItsFacilityRoleAndRoutes) {
  for (Role role : access::kAllRoles) {
    for (bool facility_b : {false, true}) {
      http::Response r = send({"GET", "/v1/me"}, role, facility_b);
      ASSERT_EQ(r.status, 200) << r.body;
      nlohmann::json me = body_of(r);
      EXPECT_EQ(me["facility_id"], facility_b ? kFacilityB : kFacilityA);
      EXPECT_EQ(me["role"], std::string(access::to_string(role)));
      EXPECT_EQ(me["actor"].get<std::string>().rfind("apikey:", 0), 0u);
      std::vector<std::string> routes = me["routes"];
      for (const access::RouteRule& rule : access::route_rules()) {
        const std::string name = std::string(rule.method) + " " + std::string(rule.path_template);
        const bool listed = std::find(routes.begin(), routes.end(), name) != routes.end();
        EXPECT_EQ(listed, access::allowed(role, rule.method, rule.path_template))
            << to_string(role) << " " << name;
      }
    }
  }
  std::vector<std::string> clinician = body_of(send({"GET", "/v1/me"}, Role::kClinician))["routes"];
  EXPECT_NE(std::find(clinician.begin(), clinician.end(),
                      "POST /v1/consultations/{id}/participants/{pid}/admit"),
            clinician.end());
}

TEST_P(CallerTest, AKeyOfAnotherFacilityIsAnotherActorOfItsOwnFacility) {
  const std::string a = body_of(send({"GET", "/v1/me"}, Role::kAdmin))["actor"];
  nlohmann::json b = body_of(send({"GET", "/v1/me"}, Role::kAdmin, true));
  EXPECT_NE(a, b["actor"]);
  EXPECT_EQ(b["facility_id"], kFacilityB);
  EXPECT_EQ(b.dump().find(kFacilityA), std::string::npos);
}

TEST_P(CallerTest, NeedsAKeyAndTakesNoParameters) {
  EXPECT_EQ(send({"GET", "/v1/me"}, std::nullopt).status, 401);
  http::Response r = send({"GET", "/v1/me?role=admin"}, Role::kAuditor);
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(body_of(r)["errors"][0]["field"], "role");
}

INSTANTIATE_TEST_SUITE_P(Backends, CallerTest, ::testing::Values(storage::Dialect::kSqlite),
                         dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
