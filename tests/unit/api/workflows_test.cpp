// Workflow listing and deployment through the API.
#include "hub/api/workflows.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "tests/unit/api/api_fixture.hpp"
#include "tests/unit/audit/audit_outage.hpp"

namespace wasl::api::testing {
namespace {

using access::Role;

const char* kSmall = R"(name: follow_up_call
version: 1
trigger:
  kind: api
  consultation_type: follow_up
steps:
  - id: done
    call: hub.set_status
    with:
      status: completed
)";

class WorkflowsTest : public ApiFixture {
 protected:
  http::Response put(const std::string& name, const std::string& yaml,
                     Role role = Role::kIntegrator) {
    return send({"PUT", "/v1/workflows/" + name, yaml, {{"Content-Type", "application/yaml"}}},
                role);
  }
};

TEST_P(WorkflowsTest, ListsAndReadsDeployedVersions) {
  http::Response r = send({"GET", "/v1/workflows"}, Role::kIntegrator);
  ASSERT_EQ(r.status, 200) << r.body;
  std::set<std::string> names;
  const nlohmann::json listed = body_of(r);
  for (const auto& v : listed["items"]) names.insert(v["name"]);
  EXPECT_EQ(names, (std::set<std::string>{"consultation", "emergency"}));
  http::Response one = send({"GET", "/v1/workflows/emergency"}, Role::kAdmin);
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(body_of(one)["latest"]["name"], "emergency");
  EXPECT_EQ(send({"GET", "/v1/workflows/nope"}).status, 404);
  EXPECT_EQ(send({"GET", "/v1/workflows"}, Role::kHospital).status, 403);
}

TEST_P(WorkflowsTest, DeploysNewVersionsAndPicksThemByType) {
  http::Response r = put("follow_up_call", kSmall);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(body_of(r)["version"], 1);
  EXPECT_EQ(audit_count("workflow.deploy"), 1);
  EXPECT_EQ(put("follow_up_call", kSmall).status, 200) << "same text: nothing new";
  std::string v2 = kSmall;
  v2.replace(v2.find("completed"), 9, "ended");
  http::Response second = put("follow_up_call", v2);
  ASSERT_EQ(second.status, 201);
  EXPECT_EQ(body_of(second)["version"], 2);
  // A follow-up booking now runs this workflow by default.
  nlohmann::json b = booking();
  b["type"] = "follow_up";
  http::Response c = create(b, "k-fu");
  ASSERT_EQ(c.status, 201) << c.body;
  EXPECT_EQ(body_of(c)["workflow_name"], "follow_up_call");
  EXPECT_EQ(body_of(c)["workflow_version"], 2);
}

// A deploy whose audit event cannot be written stores no version.
TEST_P(WorkflowsTest, ADeployCommitsWithItsAuditEventOrNotAtAll) {
  ASSERT_TRUE(audit::testing::set_audit_outage(*store_, true).ok());
  http::Response failed = put("follow_up_call", kSmall);
  ASSERT_TRUE(audit::testing::set_audit_outage(*store_, false).ok());
  EXPECT_GE(failed.status, 400) << failed.body;
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM workflow_definitions WHERE name = 'follow_up_call'"), 0)
      << "the version outlived its audit";
  EXPECT_EQ(send({"GET", "/v1/workflows/follow_up_call"}, Role::kIntegrator).status, 404);

  http::Response r = put("follow_up_call", kSmall);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(body_of(r)["version"], 1);
  EXPECT_EQ(audit_count("workflow.deploy"), 1);
}

TEST_P(WorkflowsTest, InvalidFilesAnswerFileLineProblems) {
  std::string broken = kSmall;
  broken.replace(broken.find("hub.set_status"), 14, "hub.no_such_action");
  http::Response r = put("follow_up_call", broken);
  ASSERT_EQ(r.status, 422) << r.body;
  nlohmann::json p = body_of(r);
  ASSERT_FALSE(p["errors"].empty());
  EXPECT_EQ(p["errors"][0]["code"], "invalid_workflow");
  EXPECT_EQ(p["errors"][0]["field"].get<std::string>().rfind("follow_up_call.yaml:", 0), 0u)
      << p["errors"][0]["field"];
  EXPECT_EQ(put("another_name", kSmall).status, 422);
  EXPECT_EQ(put("x", "name: [unclosed").status, 422);
  EXPECT_EQ(put("x", "\xC3\x28").status, 400);
  EXPECT_EQ(put("follow_up_call", kSmall, Role::kHospital).status, 403);
  EXPECT_EQ(audit_count("workflow.deploy"), 0);
}

// Six levels of ten aliases, about 1 KiB: a million nodes once expanded. The
// hub used to walk them all (17 s and 2 GiB of memory before answering).
TEST_P(WorkflowsTest, AnAliasBombIsAFast400) {
  std::string bomb = "name: follow_up_call\nversion: 1\nl0: &l0 \"lol\"\n";
  for (int i = 1; i <= 6; ++i) {
    bomb += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) bomb += (j ? ", *l" : "*l") + std::to_string(i - 1);
    bomb += "]\n";
  }
  bomb += "trigger: {kind: api, consultation_type: follow_up, x: *l6}\n";
  bomb += std::string(kSmall).substr(std::string(kSmall).find("steps:"));
  const auto started = std::chrono::steady_clock::now();
  http::Response r = put("follow_up_call", bomb);
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("expands to more than"), std::string::npos) << r.body;
  EXPECT_LT(took, std::chrono::milliseconds(500));
  EXPECT_EQ(audit_count("workflow.deploy"), 0);
}

std::string standard_workflow() {
  std::ifstream in(std::string(WASL_SOURCE_DIR) + "/workflows/consultation.yaml");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<int> versions_of(const nlohmann::json& read) {
  std::vector<int> out;
  for (const auto& v : read["versions"]) out.push_back(v["version"].get<int>());
  return out;
}

// The attack that worked before workflows had owners: facility B's integrator
// deployed `consultation` version 2 (201) and facility A's new consultations
// ran it, A's integrator reading version 2 as the latest.
TEST_P(WorkflowsTest, OneFacilitysDeploymentNeverChangesAnothers) {
  std::string v2 = standard_workflow();
  v2.replace(v2.find("version: 1"), 10, "version: 2");
  http::Response deployed =
      send({"PUT", "/v1/workflows/consultation", v2, {{"Content-Type", "application/yaml"}}},
           Role::kIntegrator, /*facility_b=*/true);
  ASSERT_EQ(deployed.status, 201) << deployed.body;
  EXPECT_EQ(body_of(deployed)["version"], 2);
  EXPECT_EQ(body_of(deployed)["owner"], "facility");

  http::Response a = send({"GET", "/v1/workflows/consultation"}, Role::kIntegrator);
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_EQ(body_of(a)["latest_version"], 1) << a.body;
  EXPECT_EQ(versions_of(body_of(a)), std::vector<int>{1});
  EXPECT_EQ(body_of(a)["versions"][0]["owner"], "platform");
  http::Response b = send({"GET", "/v1/workflows/consultation"}, Role::kIntegrator, true);
  ASSERT_EQ(b.status, 200) << b.body;
  EXPECT_EQ(body_of(b)["latest_version"], 2);
  EXPECT_EQ(versions_of(body_of(b)), std::vector<int>{2});

  // New consultations: A's still run the platform's version, B's its own.
  http::Response in_a = create(booking("a-1"), "k-a");
  ASSERT_EQ(in_a.status, 201) << in_a.body;
  EXPECT_EQ(body_of(in_a)["workflow_version"], 1);
  http::Response in_b = create(booking("b-1"), "k-b", Role::kHospital, /*facility_b=*/true);
  ASSERT_EQ(in_b.status, 201) << in_b.body;
  EXPECT_EQ(body_of(in_b)["workflow_version"], 2);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM workflow_runs WHERE facility_id = $1 AND "
                   "workflow_version = 2",
                   {std::string(kFacilityA)}),
            0);
}

TEST_P(WorkflowsTest, AFacilitysOwnWorkflowIsInvisibleAndUnusableToAnother) {
  ASSERT_EQ(put("follow_up_call", kSmall).status, 201);  // facility A's own
  EXPECT_EQ(send({"GET", "/v1/workflows/follow_up_call"}, Role::kIntegrator).status, 200);
  EXPECT_EQ(send({"GET", "/v1/workflows/follow_up_call"}, Role::kIntegrator, true).status, 404);
  EXPECT_EQ(send({"GET", "/v1/workflows/follow_up_call"}, Role::kAdmin, true).status, 404);
  http::Response listed = send({"GET", "/v1/workflows"}, Role::kIntegrator, true);
  ASSERT_EQ(listed.status, 200);
  const nlohmann::json items = body_of(listed)["items"];
  ASSERT_FALSE(items.empty());
  for (const auto& v : items) EXPECT_NE(v["name"], "follow_up_call");

  // Its api trigger (consultation_type: follow_up) captures A's bookings only.
  nlohmann::json follow_up = booking("fu-1");
  follow_up["type"] = "follow_up";
  http::Response in_a = create(follow_up, "k-a");
  ASSERT_EQ(in_a.status, 201) << in_a.body;
  EXPECT_EQ(body_of(in_a)["workflow_name"], "follow_up_call");
  http::Response in_b = create(follow_up, "k-b", Role::kHospital, true);
  ASSERT_EQ(in_b.status, 201) << in_b.body;
  EXPECT_EQ(body_of(in_b)["workflow_name"], "consultation");
  nlohmann::json named = follow_up;
  named["workflow"] = "follow_up_call";
  http::Response refused = create(named, "k-b2", Role::kHospital, true);
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM workflow_runs WHERE facility_id = $1 AND "
                   "workflow_name = 'follow_up_call'",
                   {std::string(kFacilityB)}),
            0);
}

// A facility's configured `workflows` list still limits the platform's
// workflows (workflows_dir) it sees and runs.
TEST_P(WorkflowsTest, PlatformWorkflowsFollowTheFacilitysList) {
  config_.facilities[kFacilityB].workflows = {"consultation"};
  http::Response listed = send({"GET", "/v1/workflows"}, Role::kIntegrator, true);
  ASSERT_EQ(listed.status, 200);
  std::set<std::string> names;
  const nlohmann::json items = body_of(listed)["items"];
  for (const auto& v : items) names.insert(v["name"]);
  EXPECT_EQ(names, std::set<std::string>{"consultation"}) << listed.body;
  EXPECT_EQ(send({"GET", "/v1/workflows/emergency"}, Role::kIntegrator, true).status, 404);
  EXPECT_EQ(send({"GET", "/v1/workflows/emergency"}, Role::kIntegrator).status, 200);
  http::Response in_b = create(booking("b-2"), "k-b", Role::kHospital, true);
  ASSERT_EQ(in_b.status, 201) << in_b.body;
  EXPECT_EQ(body_of(in_b)["workflow_name"], "consultation");
}

INSTANTIATE_TEST_SUITE_P(Backends, WorkflowsTest, ::testing::Values(storage::Dialect::kSqlite),
                         dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
