#include "hub/plugin_host/instance_host.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

#include "hub/plugin_host/in_memory_state_store.hpp"
#include "wasl/sdk/wire_error.hpp"

namespace wasl::plugin_host {
namespace {

std::string take(const wasl_host_api* t, char* s) {
  std::string out = s != nullptr ? s : "";
  t->free_string(t->ctx, s);
  return out;
}

TEST(InstanceHostTest, TableCarriesSizeSettingsAndName) {
  InstanceHost host("video.a", {{"region", "me"}}, {}, InstanceServices{});
  const wasl_host_api* t = host.table();
  EXPECT_EQ(t->struct_size, sizeof(wasl_host_api));
  EXPECT_STREQ(t->instance_name, "video.a");
  EXPECT_EQ(nlohmann::json::parse(t->settings_json), nlohmann::json({{"region", "me"}}));
}

TEST(InstanceHostTest, StateIsScopedByInstance) {
  InMemoryStateStore store;
  InstanceServices a_services;
  a_services.state = &store;
  InstanceServices b_services;
  b_services.state = &store;
  InstanceHost a("video.a", nlohmann::json::object(), {}, std::move(a_services));
  InstanceHost b("video.b", nlohmann::json::object(), {}, std::move(b_services));
  char* error = nullptr;
  ASSERT_EQ(a.table()->state_put(a.table()->ctx, "cursor", "{\"n\":1}", &error), WASL_OK);
  char* value = nullptr;
  ASSERT_EQ(a.table()->state_get(a.table()->ctx, "cursor", &value), WASL_OK);
  EXPECT_EQ(take(a.table(), value), "{\"n\":1}");
  value = nullptr;
  EXPECT_EQ(b.table()->state_get(b.table()->ctx, "cursor", &value), WASL_NOT_FOUND);
  EXPECT_EQ(value, nullptr);
  // Not JSON: refused with an error object.
  ASSERT_EQ(a.table()->state_put(a.table()->ctx, "cursor", "{oops", &error), WASL_ERROR);
  auto e = sdk::error_from_json(nlohmann::json::parse(take(a.table(), error)));
  EXPECT_EQ(e.code, sdk::ErrorCode::kInvalidArgument);
}

TEST(InstanceHostTest, WithoutServicesCallsAnswerErrorsNotCrashes) {
  InstanceHost host("registration of x.so", nlohmann::json::object(), {}, InstanceServices{});
  const wasl_host_api* t = host.table();
  char* out = nullptr;
  ASSERT_EQ(t->http_request(t->ctx, R"({"url":"https://example.invalid/"})", &out), WASL_ERROR);
  auto e = sdk::error_from_json(nlohmann::json::parse(take(t, out)));
  EXPECT_EQ(e.code, sdk::ErrorCode::kUnimplemented);
  EXPECT_EQ(e.message, "HTTP is not available to registration of x.so");
  out = nullptr;
  EXPECT_EQ(t->secret(t->ctx, "token", &out), WASL_NOT_FOUND);
  EXPECT_EQ(t->state_get(t->ctx, "k", &out), WASL_ERROR);
  take(t, out);
}

TEST(InstanceHostTest, RedactsConfiguredSecretValues) {
  InstanceHost host("billing.nphies", nlohmann::json::object(), {"hunter2"}, InstanceServices{});
  EXPECT_EQ(host.redact("token hunter2 and hunter2"), "token [redacted] and [redacted]");
}

TEST(InstanceHostTest, ClockIsInjectable) {
  InstanceServices services;
  services.clock = [] { return std::chrono::system_clock::time_point(std::chrono::milliseconds(42)); };
  InstanceHost host("video.a", nlohmann::json::object(), {}, std::move(services));
  EXPECT_EQ(host.table()->now_unix_ms(host.table()->ctx), 42);
}

}  // namespace
}  // namespace wasl::plugin_host
