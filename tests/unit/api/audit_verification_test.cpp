// GET /v1/audit/verification: auditors only; the deployment-wide chain's
// status, intact until an event is edited in SQL; no parameters.
#include "hub/api/audit_verification.hpp"

#include <gtest/gtest.h>

#include "tests/unit/api/api_fixture.hpp"

namespace wasl::api::testing {
namespace {

using access::Role;

class AuditVerificationTest : public ApiFixture {};

TEST_P(AuditVerificationTest, AnIntactChainAndItsReadIsAudited) {
  create_id("k");
  http::Response r = send({"GET", "/v1/audit/verification"}, Role::kAuditor);
  ASSERT_EQ(r.status, 200) << r.body;
  nlohmann::json body = body_of(r);
  EXPECT_EQ(body["status"], "intact");
  EXPECT_EQ(body["scope"], "platform");
  EXPECT_GE(body["events_checked"].get<int>(), 1);
  EXPECT_TRUE(body["first_broken_seq"].is_null());
  EXPECT_TRUE(body["reason"].is_null());
  EXPECT_EQ(body["verified_at"], "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(audit_count("audit.verification_read"), 1);
  // The read's own audit event is a link of the chain the next read walks.
  nlohmann::json again = body_of(send({"GET", "/v1/audit/verification"}, Role::kAuditor));
  EXPECT_EQ(again["status"], "intact");
  EXPECT_EQ(again["events_checked"].get<int>(), body["events_checked"].get<int>() + 1);
}

TEST_P(AuditVerificationTest, AnEditedEventBreaksTheChainAtThatEvent) {
  create_id("k");
  const std::int64_t seq = scalar("SELECT MIN(seq) FROM audit_events");
  exec("UPDATE audit_events SET actor = 'apikey:someone-else' WHERE seq = $1", {seq});
  http::Response r = send({"GET", "/v1/audit/verification"}, Role::kAuditor);
  ASSERT_EQ(r.status, 200) << r.body;
  nlohmann::json body = body_of(r);
  EXPECT_EQ(body["status"], "broken");
  EXPECT_EQ(body["first_broken_seq"], seq);
  EXPECT_NE(body["reason"].get<std::string>().find("edited"), std::string::npos) << body;
  EXPECT_EQ(body["events_checked"], seq - 1);
}

TEST_P(AuditVerificationTest, EveryFacilitysAuditorSeesTheSamePlatformStatusAndNoEvents) {
  const std::string id = create_id("k");
  nlohmann::json a = body_of(send({"GET", "/v1/audit/verification"}, Role::kAuditor));
  nlohmann::json b = body_of(send({"GET", "/v1/audit/verification"}, Role::kAuditor, true));
  EXPECT_EQ(b["status"], a["status"]);
  EXPECT_EQ(b["scope"], "platform");
  // Nothing of facility A's events reaches B: only these members, no ids.
  std::set<std::string> members;
  for (const auto& [name, value] : b.items()) members.insert(name);
  EXPECT_EQ(members,
            (std::set<std::string>{"status", "scope", "events_checked", "checkpoints_checked",
                                   "first_broken_seq", "reason", "verified_at"}));
  EXPECT_EQ(b.dump().find(id), std::string::npos);
  EXPECT_EQ(b.dump().find(kFacilityA), std::string::npos);
}

TEST_P(AuditVerificationTest, OnlyAuditorsAndNoParameters) {
  for (Role role : {Role::kAdmin, Role::kIntegrator, Role::kHospital, Role::kClinician}) {
    EXPECT_EQ(send({"GET", "/v1/audit/verification"}, role).status, 403) << to_string(role);
  }
  const std::int64_t before = scalar("SELECT COUNT(*) FROM audit_events");
  http::Response r = send({"GET", "/v1/audit/verification?refresh=1"}, Role::kAuditor);
  ASSERT_EQ(r.status, 400);
  nlohmann::json problem = body_of(r);
  ASSERT_EQ(problem["errors"].size(), 1u) << r.body;
  EXPECT_EQ(problem["errors"][0]["field"], "refresh");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events"), before)
      << "a refused read changes nothing";
}

TEST_P(AuditVerificationTest, WithoutAVerifierTheRouteIsUnavailable) {
  context_.audit_chain = nullptr;
  http::Response r = send({"GET", "/v1/audit/verification"}, Role::kAuditor);
  EXPECT_EQ(r.status, 503) << r.body;
}

INSTANTIATE_TEST_SUITE_P(Backends, AuditVerificationTest,
                         ::testing::Values(storage::Dialect::kSqlite), dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
