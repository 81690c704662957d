// Point 10: what the hub knows of the shared instances reaches each caller
// without anything another facility owns. After a consultation of
// hospital-a has run its workflow, the unauthenticated /metrics names no
// workflow and no step; instance health gives a call's method, code and time
// but never a provider's message; GET /v1/plugins lists only the instances
// the caller's facility binds.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <set>
#include <string>

#include "tests/security/security_hub.hpp"

namespace wasl::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

TEST(ProviderErrorText, MetricsHealthAndPluginListsCarryNothingOfAnotherFacility) {
  SecurityHub& s = SecurityHub::shared();
  ASSERT_TRUE(s.ok());
  const std::string a_id = s.book(SecurityHub::kA, "sec-10-a");
  ASSERT_FALSE(a_id.empty());
  // The run has made step calls once the step histogram has a series.
  HubApiClient anyone = s.client(SecurityHub::kB, "auditor");
  std::string metrics;
  std::mutex pace_mutex;
  std::condition_variable pace;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline &&
         metrics.find("wasl_workflow_step_duration_seconds_count") == std::string::npos) {
    metrics = anyone.get("/metrics").body;
    std::unique_lock lock(pace_mutex);
    pace.wait_for(lock, 200ms, [] { return false; });  // the next look, not a hand-off
  }
  ASSERT_NE(metrics.find("wasl_workflow_step_duration_seconds_count"), std::string::npos);
  EXPECT_EQ(metrics.find("workflow=\""), std::string::npos) << metrics;
  EXPECT_EQ(metrics.find("step=\""), std::string::npos) << metrics;
  EXPECT_EQ(metrics.find("\"consultation\""), std::string::npos) << metrics;

  for (const char* facility : {SecurityHub::kA, SecurityHub::kB}) {
    ApiAnswer health = s.client(facility, "integrator").get("/v1/plugins/instances");
    ASSERT_EQ(health.status, 200) << health.body;
    for (const auto& item : health.json["items"]) {
      for (const char* call : {"probe", "last_error"}) {
        const json& outcome = item["health"][call];
        if (outcome.is_object()) {
          EXPECT_FALSE(outcome.contains("message")) << outcome;
        }
      }
    }
    ApiAnswer alerts = s.client(facility, "clinician").get("/v1/alerts");
    ASSERT_EQ(alerts.status, 200) << alerts.body;
    for (const auto& alert : alerts.json["items"]) {
      // A call's alert is "<method>: <code>", nothing after the code (the
      // others, such as the suite's client certificate expiring in two
      // days, are the hub's own sentences).
      if (alert.value("kind", std::string()).rfind("instance.", 0) != 0) continue;
      const std::string message = alert.value("message", std::string());
      EXPECT_EQ(message.find(':'), message.rfind(':')) << message;
    }
    // Both facilities bind every instance of the suite's hub: each sees
    // exactly the instances of its own GET /v1/plugins/instances.
    std::set<std::string> bound;
    for (const auto& item : health.json["items"]) bound.insert(item.value("name", ""));
    ApiAnswer plugins = s.client(facility, "admin").get("/v1/plugins");
    ASSERT_EQ(plugins.status, 200) << plugins.body;
    for (const auto& plugin : plugins.json["plugins"]) {
      for (const auto& instance : plugin["instances"]) {
        EXPECT_TRUE(bound.contains(instance.value("name", ""))) << instance;
      }
    }
  }
}

}  // namespace
}  // namespace wasl::testing
