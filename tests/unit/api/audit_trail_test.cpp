// GET /v1/audit: auditors only, their facility only, JSON or FHIR.
#include "hub/api/audit_trail.hpp"

#include <gtest/gtest.h>

#include "tests/unit/api/api_fixture.hpp"

namespace wasl::api::testing {
namespace {

using access::Role;

class AuditTrailTest : public ApiFixture {};

TEST_P(AuditTrailTest, AuditorsSeeTheirFacilitysEvents) {
  const std::string id = create_id("k");
  create_id("kb", true);
  send({"GET", "/v1/consultations/" + id}, Role::kClinician);
  http::Response r =
      send({"GET", "/v1/audit?entity_type=consultation&entity_id=" + id}, Role::kAuditor);
  ASSERT_EQ(r.status, 200) << r.body;
  nlohmann::json page = body_of(r);
  std::vector<std::string> actions;
  for (const auto& e : page["items"]) {
    actions.push_back(e["action"]);
    EXPECT_EQ(e["facility_id"], kFacilityA);
  }
  EXPECT_EQ(actions, (std::vector<std::string>{"consultation.create", "consultation.read"}));
  nlohmann::json b = body_of(send({"GET", "/v1/audit?entity_id=" + id}, Role::kAuditor, true));
  EXPECT_TRUE(b["items"].empty()) << "facility B's auditor sees none of A's events";
  EXPECT_GE(audit_count("audit.read"), 2);
}

TEST_P(AuditTrailTest, PagesAndFhirBundles) {
  for (int i = 0; i < 3; ++i) create_id("k" + std::to_string(i), false, booking(std::to_string(i)));
  nlohmann::json p1 =
      body_of(send({"GET", "/v1/audit?action=consultation.create&limit=2"}, Role::kAuditor));
  ASSERT_EQ(p1["items"].size(), 2u);
  ASSERT_TRUE(p1["next_cursor"].is_string());
  http::Response fhir = send({"GET",
                              "/v1/audit?action=consultation.create&limit=2",
                              "",
                              {{"Accept", "application/fhir+json"}}},
                             Role::kAuditor);
  ASSERT_EQ(fhir.status, 200);
  EXPECT_EQ(fhir.headers.find("Content-Type")->second, "application/fhir+json");
  nlohmann::json bundle = body_of(fhir);
  EXPECT_EQ(bundle["resourceType"], "Bundle");
  EXPECT_EQ(bundle["entry"].size(), 2u);
  EXPECT_EQ(bundle["entry"][0]["resource"]["resourceType"], "AuditEvent");
  std::string next;
  for (const auto& link : bundle.value("link", nlohmann::json::array())) {
    if (link["relation"] == "next") next = link["url"];
  }
  EXPECT_NE(next.find("cursor="), std::string::npos) << bundle.dump();
  EXPECT_NE(next.find("limit=2"), std::string::npos);
}

TEST_P(AuditTrailTest, OnlyAuditorsAndGoodParameters) {
  for (Role role : {Role::kAdmin, Role::kIntegrator, Role::kHospital, Role::kClinician}) {
    EXPECT_EQ(send({"GET", "/v1/audit"}, role).status, 403);
  }
  for (const std::string q : {"limit=0", "limit=1001", "from=x", "cursor=zzz", "colour=red"}) {
    EXPECT_EQ(send({"GET", "/v1/audit?" + q}, Role::kAuditor).status, 400) << q;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, AuditTrailTest, ::testing::Values(storage::Dialect::kSqlite),
                         dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
