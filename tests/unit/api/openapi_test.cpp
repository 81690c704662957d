// The OpenAPI document and the router agree: every route of the full router
// (API, system probes, webhooks) is in the spec, and the spec names no route
// the router lacks.
#include "hub/api/openapi.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "hub/access/route_access.hpp"
#include "tests/unit/api/api_fixture.hpp"
#ifdef WASL_TEST_WITH_WEBHOOKS
#include "hub/webhooks/webhook_routes.hpp"
#endif

namespace wasl::api::testing {
namespace {

class OpenApiTest : public ApiFixture {
 protected:
  // The router the hub serves: this API, the system probes the App adds, and
  // the webhook routes.
  void add_other_routes() {
    for (const char* probe : {"/healthz", "/readyz", "/metrics"}) {
      router_.add("GET", probe, [](http::Request&) { return http::Response::empty(200); });
    }
#ifdef WASL_TEST_WITH_WEBHOOKS
    webhooks::add_webhook_routes(router_, webhook_context_);
#else
    for (const auto& rule : access::route_rules()) {
      if (std::string_view(rule.path_template).rfind("/v1/webhooks", 0) == 0) {
        router_.add(std::string(rule.method), std::string(rule.path_template),
                    [](http::Request&) { return http::Response::empty(200); });
      }
    }
#endif
  }

  static std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

#ifdef WASL_TEST_WITH_WEBHOOKS
  webhooks::WebhookContext webhook_context_;
#endif
};

TEST_P(OpenApiTest, RouterAndSpecNameTheSameRoutes) {
  add_other_routes();
  nlohmann::json spec = nlohmann::json::parse(openapi_document(), nullptr, false);
  ASSERT_FALSE(spec.is_discarded()) << "hub/api/openapi.json is not valid JSON";
  EXPECT_EQ(spec["openapi"], "3.1.0");

  std::set<std::string> routed, specified;
  for (const http::Route& route : router_.routes()) {
    routed.insert(lower(route.method) + " " + route.path_template);
  }
  for (const auto& [path, item] : spec["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      if (method == "parameters" || method == "summary" || method == "description") continue;
      specified.insert(method + " " + path);
    }
  }
  for (const auto& r : routed) {
    EXPECT_TRUE(specified.count(r)) << "route missing from hub/api/openapi.json: " << r;
  }
  for (const auto& s : specified) {
    EXPECT_TRUE(routed.count(s)) << "hub/api/openapi.json names a route the router lacks: " << s;
  }
  EXPECT_GE(routed.size(), 26u);
}

TEST_P(OpenApiTest, OperationsDescribeBodiesResponsesAndErrors) {
  nlohmann::json spec = nlohmann::json::parse(openapi_document());
  for (const http::Route& route : router_.routes()) {
    const nlohmann::json& op = spec["paths"][route.path_template][lower(route.method)];
    ASSERT_TRUE(op.is_object()) << route.path_template;
    EXPECT_TRUE(op.contains("operationId")) << route.path_template;
    EXPECT_FALSE(op["responses"].empty()) << route.path_template;
    if (!route.options.consumes.empty()) {
      ASSERT_TRUE(op.contains("requestBody")) << route.method << " " << route.path_template;
      for (const auto& type : route.options.consumes) {
        EXPECT_TRUE(op["requestBody"]["content"].contains(type))
            << route.path_template << " consumes " << type;
      }
    }
    const access::RouteRule* rule = access::find_route_rule(route.method, route.path_template);
    ASSERT_NE(rule, nullptr);
    if (rule->auth == access::RouteAuth::kBearer) {
      for (const char* status : {"401", "403"}) {
        EXPECT_TRUE(op["responses"].contains(status)) << route.path_template << " " << status;
      }
    } else {
      EXPECT_TRUE(op.contains("security") && op["security"].empty()) << route.path_template;
    }
  }
}

TEST_P(OpenApiTest, EveryReferenceResolves) {
  nlohmann::json spec = nlohmann::json::parse(openapi_document());
  int refs = 0;
  std::function<void(const nlohmann::json&)> walk = [&](const nlohmann::json& node) {
    if (node.is_object()) {
      for (const auto& [key, value] : node.items()) {
        if (key == "$ref" && value.is_string()) {
          ++refs;
          std::string ref = value.get<std::string>();
          ASSERT_EQ(ref.rfind("#/", 0), 0u) << ref;
          nlohmann::json::json_pointer pointer(ref.substr(1));
          EXPECT_TRUE(spec.contains(pointer)) << "unresolved " << ref;
        } else {
          walk(value);
        }
      }
    } else if (node.is_array()) {
      for (const auto& item : node) walk(item);
    }
  };
  walk(spec);
  EXPECT_GT(refs, 50);
}

TEST_P(OpenApiTest, ServedWithoutAKey) {
  http::Response r = send({"GET", "/v1/openapi.json"}, std::nullopt);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, std::string(openapi_document()));
  EXPECT_EQ(r.headers.find("Content-Type")->second, "application/json");
}

INSTANTIATE_TEST_SUITE_P(Backends, OpenApiTest, ::testing::Values(storage::Dialect::kSqlite),
                         dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
