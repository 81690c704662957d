// AlertDelivery to a real Prometheus Alertmanager (scripts/test-alertmanager,
// the ctest fixture "alertmanager"), on SQLite: the alert the hub posts is
// the one the Alertmanager then lists, with the hub's labels and summary,
// and only the facility the alert concerns posts it.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "hub/alerts/alert_delivery.hpp"
#include "hub/alerts/alert_routing.hpp"
#include "hub/alerts/alert_store.hpp"
#include "hub/plugin_host/http_client.hpp"
#include "tests/unit/storage/test_database.hpp"

namespace wasl::alerts {
namespace {

using nlohmann::json;

// The fixture's base URL, from <build>/test-alertmanager/endpoint.
std::string alertmanager_url() {
  std::ifstream in(std::string(WASL_BINARY_DIR) + "/test-alertmanager/endpoint");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("url=", 0) == 0) return line.substr(4);
  }
  return {};
}

// The alerts the Alertmanager holds with label wasl_alert_id = `id`.
json listed(const std::string& base, std::int64_t id) {
  plugin_host::HttpClient http(plugin_host::HttpClientOptions{});
  plugin_host::HttpRequest request;
  request.method = "GET";
  request.url =
      base + "/api/v2/alerts?filter=" + "wasl_alert_id%3D%22" + std::to_string(id) + "%22";
  auto answer = http.send(request);
  EXPECT_TRUE(answer.ok()) << answer.error().message;
  if (!answer.ok()) return json::array();
  EXPECT_EQ(answer->status, 200) << answer->body;
  return json::parse(answer->body, nullptr, false);
}

TEST(AlertmanagerDeliveryTest, TheAlertmanagerListsWhatTheHubPosted) {
  const std::string base = alertmanager_url();
  ASSERT_FALSE(base.empty()) << "no test-alertmanager endpoint (run through ctest)";
  auto db = storage::testing::TestDatabase::create(storage::Dialect::kSqlite,
                                                   storage::testing::Contents::kMigrated);
  ASSERT_TRUE(db.ok()) << db.error().message;
  auto store = (*db)->open();
  ASSERT_TRUE(store.ok()) << store.error().message;

  config::Config config;
  config.facilities["fac-a"].bindings = {{"billing", "billing.a"}};
  config.facilities["fac-a"].alerts.alertmanager_url = base;
  config.facilities["fac-b"].bindings = {{"billing", "billing.b"}};
  config.facilities["fac-b"].alerts.alertmanager_url = base + "/";
  AlertRouting routing(config);
  AlertStore alerts(**store, [&routing](const plugin_host::InstanceAlert& alert) {
    return routing.route(alert);
  });
  auto delivery = AlertDelivery::create(alerts, config);
  ASSERT_TRUE(delivery.ok()) << delivery.error().message;

  plugin_host::InstanceAlert alert;
  alert.instance = "billing.a";
  alert.facility_id = "fac-a";
  alert.kind = "claim.unanswered";
  alert.message = "claim cl-1 in_doubt since 2026-11-25T10:00:00.000Z";
  alert.at_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  auto id = alerts.record(alert);
  ASSERT_TRUE(id.ok() && id->has_value());
  auto pass = (*delivery)->run_once();
  ASSERT_TRUE(pass.ok()) << pass.error().message;
  EXPECT_EQ(pass->delivered, 1);

  const json held = listed(base, **id);
  ASSERT_TRUE(held.is_array());
  ASSERT_EQ(held.size(), 1U) << held.dump();
  EXPECT_EQ(held[0]["labels"]["alertname"], "claim.unanswered");
  EXPECT_EQ(held[0]["labels"]["instance"], "billing.a");
  EXPECT_EQ(held[0]["labels"]["facility"], "fac-a");
  EXPECT_EQ(held[0]["annotations"]["summary"], alert.message);
  EXPECT_EQ(held[0]["status"]["state"], "active");
}

}  // namespace
}  // namespace wasl::alerts
