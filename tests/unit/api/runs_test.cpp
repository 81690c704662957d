// GET /v1/runs: the facility's runs across consultations, newest first, with
// filters and cursor paging; another facility's runs never appear; bad
// parameters are 400 and change nothing. GET /v1/workflows counts each
// version's runs.
#include "hub/api/runs.hpp"

#include <gtest/gtest.h>

#include <set>

#include "tests/unit/api/api_fixture.hpp"

namespace wasl::api::testing {
namespace {

using access::Role;

class RunsTest : public ApiFixture {
 protected:
  std::vector<std::string> consultation_ids(const nlohmann::json& page) {
    std::vector<std::string> out;
    for (const auto& run : page["items"]) out.push_back(run["consultation_id"]);
    return out;
  }
  nlohmann::json get(const std::string& query, Role role = Role::kIntegrator,
                     bool facility_b = false) {
    http::Response r = send({"GET", "/v1/runs" + query}, role, facility_b);
    EXPECT_EQ(r.status, 200) << query << ": " << r.body;
    return body_of(r);
  }
};

TEST_P(RunsTest, PagesTheFacilitysRunsNewestFirst) {
  std::set<std::string> ours;
  for (int i = 0; i < 5; ++i) {
    ours.insert(create_id("k" + std::to_string(i), false, booking(std::to_string(i))));
  }
  const std::string theirs = create_id("kb", true);

  std::vector<nlohmann::json> runs;
  std::string cursor;
  int pages = 0;
  do {
    nlohmann::json page = get("?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor));
    EXPECT_LE(page["items"].size(), 2u);
    for (const auto& run : page["items"]) runs.push_back(run);
    cursor = page["next_cursor"].is_string() ? page["next_cursor"].get<std::string>() : "";
    ++pages;
  } while (!cursor.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  std::set<std::string> seen;
  for (const auto& run : runs) {
    EXPECT_TRUE(ours.count(run["consultation_id"])) << run;
    seen.insert(run["id"]);
    EXPECT_EQ(run["workflow"], "consultation");
    EXPECT_EQ(run["version"], 1);
    EXPECT_TRUE(run["created_at"].is_string());
  }
  EXPECT_EQ(seen.size(), 5u) << "every run once";
  for (std::size_t i = 1; i < runs.size(); ++i) {
    const auto& a = runs[i - 1];
    const auto& b = runs[i];
    EXPECT_TRUE(a["created_at"] > b["created_at"] ||
                (a["created_at"] == b["created_at"] && a["id"] > b["id"]))
        << "newest first: " << a << " then " << b;
  }
  // Facility B's key: its own run only.
  EXPECT_EQ(consultation_ids(get("", Role::kAdmin, true)), std::vector<std::string>{theirs});
}

TEST_P(RunsTest, FiltersByStatusWorkflowVersionAndTime) {
  const std::string id = create_id("k");
  EXPECT_EQ(consultation_ids(get("?workflow=consultation")), std::vector<std::string>{id});
  EXPECT_EQ(consultation_ids(get("?workflow=consultation&version=1")),
            std::vector<std::string>{id});
  EXPECT_TRUE(get("?workflow=consultation&version=2")["items"].empty());
  EXPECT_TRUE(get("?workflow=emergency")["items"].empty());
  const std::string status = get("")["items"][0]["status"];
  EXPECT_EQ(consultation_ids(get("?status=" + status)), std::vector<std::string>{id});
  EXPECT_TRUE(get(status == "failed" ? "?status=succeeded" : "?status=failed")["items"].empty());
  EXPECT_TRUE(get("?from=2100-01-01T00:00:00Z")["items"].empty());
  EXPECT_EQ(consultation_ids(get("?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z")),
            std::vector<std::string>{id});
  EXPECT_TRUE(get("?to=2000-01-01T00:00:00Z")["items"].empty());
}

TEST_P(RunsTest, BadParametersAre400AndChangeNothing) {
  create_id("k");
  const std::int64_t events = scalar("SELECT COUNT(*) FROM audit_events");
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"status=done", "status"},
      {"workflow=Bad%20Name", "workflow"},
      {"workflow=consultation&version=0", "version"},
      {"version=1", "version"},
      {"from=yesterday", "from"},
      {"from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "from"},
      {"limit=0", "limit"},
      {"limit=201", "limit"},
      {"cursor=zzz", "cursor"},
      {"colour=red", "colour"}};
  for (const auto& [query, field] : bad) {
    http::Response r = send({"GET", "/v1/runs?" + query}, Role::kIntegrator);
    ASSERT_EQ(r.status, 400) << query;
    nlohmann::json problem = body_of(r);
    ASSERT_FALSE(problem["errors"].empty()) << query;
    EXPECT_EQ(problem["errors"][0]["field"], field) << query << ": " << r.body;
  }
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events"), events);
}

TEST_P(RunsTest, OperatorsOnly) {
  EXPECT_EQ(send({"GET", "/v1/runs"}, Role::kAdmin).status, 200);
  for (Role role : {Role::kHospital, Role::kClinician, Role::kAuditor}) {
    EXPECT_EQ(send({"GET", "/v1/runs"}, role).status, 403) << to_string(role);
  }
}

TEST_P(RunsTest, TheWorkflowsListCountsEachVersionsRunsOfTheFacility) {
  create_id("k1", false, booking("1"));
  create_id("k2", false, booking("2"));
  create_id("kb", true);
  auto runs_of = [this](bool facility_b, const std::string& name) {
    nlohmann::json list = body_of(send({"GET", "/v1/workflows"}, Role::kIntegrator, facility_b));
    for (const auto& item : list["items"]) {
      if (item["name"] == name && item["version"] == 1) return item["runs"];
    }
    return nlohmann::json();
  };
  nlohmann::json a = runs_of(false, "consultation");
  EXPECT_EQ(a["total"], 2) << a;
  std::int64_t by_status = 0;
  for (const auto& [status, n] : a["by_status"].items()) by_status += n.get<std::int64_t>();
  EXPECT_EQ(by_status, 2);
  EXPECT_EQ(runs_of(true, "consultation")["total"], 1);
  EXPECT_EQ(runs_of(false, "emergency")["total"], 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, RunsTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
