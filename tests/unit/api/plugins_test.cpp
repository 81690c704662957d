#include "hub/api/plugins.hpp"

#include <gtest/gtest.h>

#include "tests/unit/api/api_fixture.hpp"

namespace wasl::api::testing {
namespace {

using access::Role;

class PluginsTest : public ApiFixture {};

TEST_P(PluginsTest, ListsThePluginHostsView) {
  EXPECT_EQ(send({"GET", "/v1/plugins"}, Role::kIntegrator).status, 503);
  config::Config empty;
  auto host = plugin_host::PluginHost::load(empty, metrics_);
  ASSERT_TRUE(host.ok()) << host.error().message;
  context_.plugins = host->get();
  http::Response r = send({"GET", "/v1/plugins"}, Role::kIntegrator);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_of(r), (*host)->list());
  EXPECT_EQ(send({"GET", "/v1/plugins"}, Role::kClinician).status, 403);
  context_.plugins = nullptr;
}

// Two facilities, each binding an instance the other does not: each lists
// only its own, the instance's problem included; the other's name appears
// nowhere in the answer.
TEST_P(PluginsTest, ListsOnlyTheInstancesTheCallersFacilityBinds) {
  for (const char* name : {"ehr.a-only", "reporting.b-only"}) {
    config::InstanceConfig instance;
    instance.name = name;
    instance.plugin = "absent";
    instance.optional = true;
    config_.instances[name] = instance;
  }
  config_.facilities[kFacilityA].bindings["ehr"] = "ehr.a-only";
  config_.facilities[kFacilityB].bindings["reporting"] = "reporting.b-only";
  auto host = plugin_host::PluginHost::load(config_, metrics_);
  ASSERT_TRUE(host.ok()) << host.error().message;
  context_.plugins = host->get();

  http::Response a = send({"GET", "/v1/plugins"}, Role::kAdmin);
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_NE(a.body.find("ehr.a-only"), std::string::npos) << a.body;
  EXPECT_EQ(a.body.find("reporting.b-only"), std::string::npos) << a.body;
  http::Response b = send({"GET", "/v1/plugins"}, Role::kIntegrator, true);
  ASSERT_EQ(b.status, 200) << b.body;
  EXPECT_NE(b.body.find("reporting.b-only"), std::string::npos) << b.body;
  EXPECT_EQ(b.body.find("ehr.a-only"), std::string::npos) << b.body;
  context_.plugins = nullptr;
}

INSTANTIATE_TEST_SUITE_P(Backends, PluginsTest, ::testing::Values(storage::Dialect::kSqlite),
                         dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
