// GET /v1/workflows/{name}/diff: two deployed versions compared line by
// line, among the versions the facility uses; bad or missing versions, other
// facilities' versions and oversized sources are refused.
#include <gtest/gtest.h>

#include "hub/api/line_diff.hpp"
#include "tests/unit/api/api_fixture.hpp"

namespace wasl::api::testing {
namespace {

using access::Role;

const std::string kV1 = R"(name: follow_up_call
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

class WorkflowDiffTest : public ApiFixture {
 protected:
  http::Response put(const std::string& yaml, bool facility_b = false) {
    return send(
        {"PUT", "/v1/workflows/follow_up_call", yaml, {{"Content-Type", "application/yaml"}}},
        Role::kIntegrator, facility_b);
  }
  http::Response diff(const std::string& query, Role role = Role::kIntegrator,
                      bool facility_b = false) {
    return send({"GET", "/v1/workflows/follow_up_call/diff" + query}, role, facility_b);
  }
};

TEST_P(WorkflowDiffTest, ComparesTwoVersionsLineByLine) {
  ASSERT_EQ(put(kV1).status, 201);
  // A renamed step whose status changed, and a step appended: the common
  // head and tail (the unchanged call, with and status lines) are kept.
  std::string v2 = kV1;
  v2.replace(v2.find("id: done"), 8, "id: finish");
  v2.replace(v2.find("status: completed"), 17, "status: ended");
  v2 += "  - id: note\n    call: hub.set_status\n    with:\n      status: completed\n";
  ASSERT_EQ(put(v2).status, 201);

  http::Response r = diff("?from=1&to=2");
  ASSERT_EQ(r.status, 200) << r.body;
  nlohmann::json d = body_of(r);
  EXPECT_EQ(d["from"], 1);
  EXPECT_EQ(d["to"], 2);
  EXPECT_EQ(d["identical"], false);
  EXPECT_EQ(d["removed"], 1);
  EXPECT_EQ(d["added"], 5);
  EXPECT_EQ(d["lines"].size(), 15u);
  std::vector<std::string> changed;
  for (const auto& line : d["lines"]) {
    if (line["op"] != " ")
      changed.push_back(line["op"].get<std::string>() + line["text"].get<std::string>());
  }
  EXPECT_EQ(changed, (std::vector<std::string>{
                         "-  - id: done", "+  - id: finish", "+    call: hub.set_status",
                         "+    with:", "+      status: ended", "+  - id: note"}));
  EXPECT_EQ(d["lines"][0]["from_line"], 1);
  EXPECT_EQ(d["lines"][0]["to_line"], 1);

  nlohmann::json same = body_of(diff("?from=2&to=2"));
  EXPECT_EQ(same["identical"], true);
  EXPECT_EQ(same["added"], 0);
  EXPECT_EQ(same["removed"], 0);
  nlohmann::json back = body_of(diff("?from=2&to=1"));
  EXPECT_EQ(back["added"], 1) << "either direction";
  EXPECT_EQ(back["removed"], 5);
}

TEST_P(WorkflowDiffTest, BadParametersAre400) {
  ASSERT_EQ(put(kV1).status, 201);
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"", "from"},
      {"?from=1", "to"},
      {"?to=1", "from"},
      {"?from=0&to=1", "from"},
      {"?from=1&to=x", "to"},
      {"?from=1&to=1&colour=red", "colour"},
      {"?from=-1&to=1", "from"}};
  for (const auto& [query, field] : bad) {
    http::Response r = diff(query);
    ASSERT_EQ(r.status, 400) << query;
    const nlohmann::json problem = body_of(r);
    bool named = false;
    for (const auto& e : problem["errors"]) named = named || e["field"] == field;
    EXPECT_TRUE(named) << query << ": " << r.body;
  }
}

TEST_P(WorkflowDiffTest, MissingVersionsAndOtherFacilitiesVersionsAre404) {
  ASSERT_EQ(put(kV1).status, 201);
  EXPECT_EQ(diff("?from=1&to=9").status, 404);
  EXPECT_EQ(send({"GET", "/v1/workflows/nope/diff?from=1&to=1"}).status, 404);
  // Facility B does not use facility A's follow_up_call.
  EXPECT_EQ(diff("?from=1&to=1", Role::kIntegrator, true).status, 404);
  // B's own version 2 of the name is not A's to compare.
  std::string theirs = kV1;
  theirs.replace(theirs.find("completed"), 9, "ended");
  ASSERT_EQ(put(theirs, true).status, 201);
  EXPECT_EQ(diff("?from=1&to=2").status, 404) << "version 2 is facility B's";
  http::Response b = diff("?from=2&to=2", Role::kIntegrator, true);
  EXPECT_EQ(b.status, 200) << b.body;
  EXPECT_EQ(diff("?from=1&to=2", Role::kIntegrator, true).status, 404) << "version 1 is A's";
}

TEST_P(WorkflowDiffTest, OversizedSourcesAreRefused) {
  ASSERT_EQ(put(kV1).status, 201);
  // A version stored with more lines than a diff compares (written in SQL: a
  // deploy would refuse it first).
  std::string big = kV1;
  for (std::size_t i = 0; i <= kMaxDiffLines; ++i) big += "# line " + std::to_string(i) + "\n";
  exec("UPDATE workflow_definitions SET source_text = $1 WHERE name = 'follow_up_call'", {big});
  http::Response r = diff("?from=1&to=1");
  ASSERT_EQ(r.status, 400) << r.body;
  nlohmann::json problem = body_of(r);
  EXPECT_EQ(problem["errors"][0]["field"], "from");
  EXPECT_EQ(problem["errors"][0]["code"], "too_large");
  EXPECT_NE(problem["detail"].get<std::string>().find("2000 lines"), std::string::npos) << r.body;
}

TEST_P(WorkflowDiffTest, OperatorsOnly) {
  ASSERT_EQ(put(kV1).status, 201);
  EXPECT_EQ(diff("?from=1&to=1", Role::kAdmin).status, 200);
  for (Role role : {Role::kHospital, Role::kClinician, Role::kAuditor}) {
    EXPECT_EQ(diff("?from=1&to=1", role).status, 403) << to_string(role);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, WorkflowDiffTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
