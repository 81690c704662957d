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

INSTANTIATE_TEST_SUITE_P(Backends, PluginsTest, ::testing::Values(storage::Dialect::kSqlite),
                         dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
