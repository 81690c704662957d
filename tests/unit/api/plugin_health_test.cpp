// GET /v1/plugins/instances, /v1/plugins/instances/{name} and /v1/alerts:
// each facility sees only the instances its bindings name.
#include "hub/api/plugin_health.hpp"

#include <gtest/gtest.h>

#include "hub/alerts/alert_store.hpp"
#include "hub/alerts/shared_alerts.hpp"
#include "tests/unit/api/api_fixture.hpp"

namespace wasl::api::testing {
namespace {

using access::Role;

class PluginHealthTest : public ApiFixture {
 protected:
  // Facility A binds ehr.missing, an optional instance whose plugin is not
  // declared (listed, not loaded); facility B binds reporting.b-only (and,
  // as A, video.fake).
  std::unique_ptr<plugin_host::PluginHost> load_host() {
    config::InstanceConfig missing;
    missing.name = "ehr.missing";
    missing.plugin = "absent";
    missing.optional = true;
    config_.instances["ehr.missing"] = missing;
    config_.facilities[kFacilityA].bindings["ehr"] = "ehr.missing";
    config_.facilities[kFacilityB].bindings["reporting"] = "reporting.b-only";
    auto host = plugin_host::PluginHost::load(config_, metrics_);
    EXPECT_TRUE(host.ok()) << host.error().message;
    return host.ok() ? std::move(host).value() : nullptr;
  }

  void TearDown() override {
    context_.plugins = nullptr;
    ApiFixture::TearDown();
  }
};

TEST_P(PluginHealthTest, ListsTheFacilitysInstancesOnly) {
  EXPECT_EQ(send({"GET", "/v1/plugins/instances"}, Role::kIntegrator).status, 503);
  auto host = load_host();
  ASSERT_NE(host, nullptr);
  context_.plugins = host.get();

  http::Response mine = send({"GET", "/v1/plugins/instances"}, Role::kIntegrator);
  ASSERT_EQ(mine.status, 200) << mine.body;
  nlohmann::json items = body_of(mine)["items"];
  ASSERT_EQ(items.size(), 1u) << mine.body;
  EXPECT_EQ(items[0]["name"], "ehr.missing");
  EXPECT_EQ(items[0]["plugin"], "absent");
  EXPECT_EQ(items[0]["loaded"], false);
  EXPECT_NE(items[0]["problem"].get<std::string>().find("absent"), std::string::npos);
  EXPECT_EQ(items[0]["probe_method"], "ehr.read_patient");
  EXPECT_EQ(items[0]["health"]["state"], "unknown");
  EXPECT_EQ(items[0]["health"]["calls_per_minute"], 0);
  EXPECT_EQ(items[0]["health"]["p95_ms"], nullptr);

  http::Response one = send({"GET", "/v1/plugins/instances/ehr.missing"}, Role::kAdmin);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(body_of(one)["name"], "ehr.missing");

  // Facility B binds no such instance: an empty list and 404, as for one
  // that does not exist.
  http::Response theirs = send({"GET", "/v1/plugins/instances"}, Role::kAdmin, true);
  ASSERT_EQ(theirs.status, 200) << theirs.body;
  EXPECT_EQ(body_of(theirs)["items"], nlohmann::json::array());
  EXPECT_EQ(send({"GET", "/v1/plugins/instances/ehr.missing"}, Role::kAdmin, true).status, 404);
  EXPECT_EQ(send({"GET", "/v1/plugins/instances/ehr.nothing"}, Role::kAdmin).status, 404);

  EXPECT_EQ(send({"GET", "/v1/plugins/instances"}, Role::kHospital).status, 403);
  EXPECT_EQ(send({"GET", "/v1/plugins/instances"}, std::nullopt).status, 401);
}

TEST_P(PluginHealthTest, CallsMakeTheHealthAndStateChangesMakeAlerts) {
  auto host = load_host();
  ASSERT_NE(host, nullptr);
  context_.plugins = host.get();
  auto& health = host->health();
  const sdk::Error down(sdk::ErrorCode::kUnavailable, "connection refused", true);
  const sdk::Error absent(sdk::ErrorCode::kNotFound, "no such patient", false);
  health.record("ehr.missing", "ehr.read_patient", nullptr, 0.010);  // unknown -> healthy: no alert
  health.record("ehr.missing", "ehr.read_patient", &down, 0.002);
  health.record("ehr.missing", "ehr.read_patient", &down, 0.002);    // still failing: no alert
  health.record("ehr.missing", "ehr.read_patient", &absent, 0.030);  // the far end answered
  health.record("reporting.b-only", "reporting.submit_report", &down, 0.001);  // B's

  nlohmann::json item = body_of(send({"GET", "/v1/plugins/instances/ehr.missing"}))["health"];
  EXPECT_EQ(item["state"], "healthy");
  EXPECT_EQ(item["calls"], 4);
  EXPECT_EQ(item["calls_per_minute"], 4);
  EXPECT_DOUBLE_EQ(item["error_rate"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(item["p95_ms"].get<double>(), 30.0);
  EXPECT_EQ(item["last_error"]["outcome"], "unavailable");
  EXPECT_EQ(item["last_error"]["method"], "ehr.read_patient");

  http::Response r = send({"GET", "/v1/alerts"}, Role::kIntegrator);
  ASSERT_EQ(r.status, 200) << r.body;
  nlohmann::json alerts = body_of(r)["items"];
  ASSERT_EQ(alerts.size(), 2u) << r.body;  // one per transition, newest first
  EXPECT_EQ(alerts[0]["kind"], "instance.recovered");
  EXPECT_EQ(alerts[1]["kind"], "instance.failing");
  EXPECT_EQ(alerts[1]["instance"], "ehr.missing");
  EXPECT_EQ(alerts[1]["message"], "ehr.read_patient: unavailable");
  const auto newest = alerts[0]["id"].get<std::int64_t>();
  EXPECT_EQ(body_of(send({"GET", "/v1/alerts?after=" + std::to_string(newest)}))["items"],
            nlohmann::json::array());

  // Facility B sees its own instance's alert only.
  nlohmann::json theirs = body_of(send({"GET", "/v1/alerts"}, Role::kAdmin, true))["items"];
  ASSERT_EQ(theirs.size(), 1u);
  EXPECT_EQ(theirs[0]["instance"], "reporting.b-only");

  EXPECT_EQ(send({"GET", "/v1/alerts?limit=0"}).status, 400);
  EXPECT_EQ(send({"GET", "/v1/alerts?after=x"}).status, 400);
  EXPECT_EQ(send({"GET", "/v1/alerts?colour=red"}).status, 400);
  // Every role sees the banner: a clinician learns that video is down.
  EXPECT_EQ(send({"GET", "/v1/alerts"}, Role::kClinician).status, 200);
}

TEST_P(PluginHealthTest, AnAlertRaisedAboutAnInstanceReachesItsFacilityOnly) {
  auto host = load_host();
  ASSERT_NE(host, nullptr);
  context_.plugins = host.get();
  host->health().raise("ehr.missing", "claim.unanswered",
                       "claim cl-1 in_doubt since 2025-11-21T10:00:00Z");
  nlohmann::json alerts = body_of(send({"GET", "/v1/alerts"}, Role::kIntegrator))["items"];
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0]["kind"], "claim.unanswered");
  EXPECT_EQ(alerts[0]["instance"], "ehr.missing");
  EXPECT_EQ(alerts[0]["message"], "claim cl-1 in_doubt since 2025-11-21T10:00:00Z");
  // Raising an alert is no call: the instance's health is unchanged.
  EXPECT_EQ(body_of(send({"GET", "/v1/plugins/instances/ehr.missing"}))["health"]["state"],
            "unknown");
  EXPECT_TRUE(body_of(send({"GET", "/v1/alerts"}, Role::kAdmin, true))["items"].empty());
}

// With the alerts the hubs share (as `wasl serve` runs): the same answers,
// read from the database, and an alert about one facility's consultation on
// an instance both facilities bind reaches that facility only.
TEST_P(PluginHealthTest, SharedAlertsAnswerTheSameAndKeepEachFacilitysOwn) {
  auto host = load_host();
  ASSERT_NE(host, nullptr);
  context_.plugins = host.get();
  alerts::AlertStore alert_store(*store_);
  alerts::SharedAlerts shared(alert_store);
  context_.alerts = &shared;
  auto& health = host->health();
  health.set_alert_sink(shared.sink());
  const sdk::Error down(sdk::ErrorCode::kUnavailable, "connection refused", true);
  health.record("ehr.missing", "ehr.read_patient", nullptr, 0.010);  // unknown -> healthy: no alert
  health.record("ehr.missing", "ehr.read_patient", &down, 0.002);
  health.record("ehr.missing", "ehr.read_patient", &down, 0.002);  // still failing: no alert
  health.record("ehr.missing", "ehr.read_patient", nullptr, 0.030);
  health.record("reporting.b-only", "reporting.submit_report", &down, 0.001);  // B's
  health.raise("video.fake", "consultation.clinician_no_show", "consultation c-a: no show",
               {kFacilityA, "step:a:1"});

  http::Response r = send({"GET", "/v1/alerts"}, Role::kIntegrator);
  ASSERT_EQ(r.status, 200) << r.body;
  nlohmann::json alerts = body_of(r)["items"];
  ASSERT_EQ(alerts.size(), 3u) << r.body;
  EXPECT_EQ(alerts[0]["kind"], "consultation.clinician_no_show");
  EXPECT_EQ(alerts[1]["kind"], "instance.recovered");
  EXPECT_EQ(alerts[2]["kind"], "instance.failing");
  EXPECT_EQ(alerts[2]["message"], "ehr.read_patient: unavailable");
  EXPECT_EQ(alerts[0].size(), 5u) << "the shape of GET /v1/alerts stays: " << alerts[0];
  const auto newest = alerts[0]["id"].get<std::int64_t>();
  EXPECT_EQ(body_of(send({"GET", "/v1/alerts?after=" + std::to_string(newest)}))["items"],
            nlohmann::json::array());
  EXPECT_EQ(body_of(send({"GET", "/v1/alerts?limit=1"}))["items"].size(), 1u);

  // Facility B binds video.fake too, and sees its own instance's alert only.
  nlohmann::json theirs = body_of(send({"GET", "/v1/alerts"}, Role::kAdmin, true))["items"];
  ASSERT_EQ(theirs.size(), 1u) << theirs;
  EXPECT_EQ(theirs[0]["instance"], "reporting.b-only");
  health.set_alert_sink(nullptr);
  context_.alerts = nullptr;
}

// A provider's error text (an OperationOutcome's diagnostics can quote a
// patient) reaches no caller: health and alerts keep the method, the error
// code and the time, for every role of every facility sharing the instance.
TEST_P(PluginHealthTest, ProviderErrorTextReachesNoRole) {
  auto host = load_host();
  ASSERT_NE(host, nullptr);
  context_.plugins = host.get();
  config_.facilities[kFacilityB].bindings["ehr"] = "ehr.missing";  // shared
  const std::string diagnostics =
      "OperationOutcome: Patient/123 (Nora Al-Harbi, national id 1087654321) is inactive";
  const sdk::Error refused(sdk::ErrorCode::kPermissionDenied, diagnostics, false);
  auto& health = host->health();
  health.note_probe("ehr.missing", "ehr.read_patient", &refused);
  health.record("ehr.missing", "ehr.read_patient", &refused, 0.004);

  for (bool facility_b : {false, true}) {
    for (Role role : access::kAllRoles) {
      for (const char* target : {"/v1/plugins/instances/ehr.missing", "/v1/plugins/instances",
                                 "/v1/alerts", "/v1/plugins"}) {
        http::Response r = send({"GET", target}, role, facility_b);
        EXPECT_EQ(r.body.find("Nora"), std::string::npos) << target << " " << r.body;
        EXPECT_EQ(r.body.find("1087654321"), std::string::npos) << target << " " << r.body;
        EXPECT_EQ(r.body.find("OperationOutcome"), std::string::npos) << target << " " << r.body;
      }
    }
  }
  nlohmann::json item = body_of(send({"GET", "/v1/plugins/instances/ehr.missing"}))["health"];
  EXPECT_EQ(item["last_error"]["outcome"], "permission_denied");
  EXPECT_TRUE(item["last_error"].contains("at"));
  EXPECT_EQ(item["probe"]["outcome"], "permission_denied");
  nlohmann::json alerts = body_of(send({"GET", "/v1/alerts"}, Role::kClinician))["items"];
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0]["kind"], "instance.failing");
  EXPECT_EQ(alerts[0]["message"], "ehr.read_patient: permission_denied");
}

INSTANTIATE_TEST_SUITE_P(Backends, PluginHealthTest, ::testing::Values(storage::Dialect::kSqlite),
                         dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
