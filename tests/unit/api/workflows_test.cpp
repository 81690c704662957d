// Workflow listing and deployment through the API.
#include "hub/api/workflows.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "tests/unit/api/api_fixture.hpp"

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
  http::Response put(const std::string& name, const std::string& yaml, Role role = Role::kIntegrator) {
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

INSTANTIATE_TEST_SUITE_P(Backends, WorkflowsTest, ::testing::Values(storage::Dialect::kSqlite),
                         dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
