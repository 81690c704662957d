#include "hub/plugin_host/instance_host.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

#include <gmock/gmock.h>

#include "hub/plugin_host/in_memory_state_store.hpp"
#include "hub/plugin_host/instance_tls.hpp"
#include "tests/unit/support/test_pki.hpp"
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
  services.clock = [] {
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(42));
  };
  InstanceHost host("video.a", nlohmann::json::object(), {}, std::move(services));
  EXPECT_EQ(host.table()->now_unix_ms(host.table()->ctx), 42);
}

// An instance with the client identity of scripts/test-pki (or none), whose
// clock the test sets.
struct MutualInstance {
  explicit MutualInstance(bool with_identity, std::int64_t now_ms = 0) {
    const auto& pki = wasl::testing::TestPki::get();
    InstanceServices services;
    services.http = std::make_unique<HttpClient>(HttpClientOptions{});
    if (with_identity) {
      nlohmann::json settings = {{"tls",
                                  {{"client_certificate", pki.read("client.crt")},
                                   {"client_key", pki.read("client.key")},
                                   {"ca_bundle", pki.read("ca.crt")}}}};
      auto tls = take_instance_tls(settings);
      EXPECT_TRUE(tls.ok());
      HttpClientOptions mutual;
      mutual.client_identity = (*tls)->identity;
      mutual.trust_anchors = (*tls)->anchors;
      services.mutual_tls_http = std::make_unique<HttpClient>(mutual);
      services.client_certificate = (*tls)->describe();
    }
    if (now_ms != 0) {
      services.clock = [now_ms] {
        return std::chrono::system_clock::time_point(std::chrono::milliseconds(now_ms));
      };
    }
    host = std::make_unique<InstanceHost>("billing.nphies-test", nlohmann::json::object(),
                                          std::vector<std::string>{}, std::move(services));
  }

  sdk::Error fails(const std::string& request_json) {
    const wasl_host_api* t = host->table();
    char* out = nullptr;
    EXPECT_EQ(t->http_request(t->ctx, request_json.c_str(), &out), WASL_ERROR);
    return sdk::error_from_json(nlohmann::json::parse(take(t, out)));
  }

  std::unique_ptr<InstanceHost> host;
};

TEST(InstanceHostMutualTlsTest, TheTableOffersTheCertificateButNeverTheKey) {
  MutualInstance with(true);
  const wasl_host_api* t = with.host->table();
  ASSERT_TRUE(WASL_STRUCT_HAS(t, wasl_host_api, client_certificate));
  char* out = nullptr;
  ASSERT_EQ(t->client_certificate(t->ctx, &out), WASL_OK);
  std::string text = take(t, out);
  auto described = nlohmann::json::parse(text).get<sdk::ClientCertificate>();
  EXPECT_EQ(described.subject, "CN=N-F-00001,O=Saudi General Hospital");
  EXPECT_EQ(described.trust_anchors, 1);
  EXPECT_EQ(text.find("PRIVATE KEY"), std::string::npos);

  MutualInstance without(false);
  out = nullptr;
  EXPECT_EQ(without.host->table()->client_certificate(without.host->table()->ctx, &out),
            WASL_NOT_FOUND);
  EXPECT_EQ(out, nullptr);
}

TEST(InstanceHostMutualTlsTest, RefusalsBeforeSendingNameTheInstance) {
  // Port 1 on loopback: had anything been sent, the error would be a
  // connection failure (unavailable), not a refusal.
  const std::string mutual = R"({"url":"https://127.0.0.1:1/$process-message","mutual_tls":true})";
  MutualInstance without(false);
  sdk::Error none = without.fails(mutual);
  EXPECT_EQ(none.code, sdk::ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(none.retryable);
  EXPECT_THAT(none.message, ::testing::StartsWith("billing.nphies-test: "));
  EXPECT_THAT(none.message, ::testing::HasSubstr("no client certificate"));

  MutualInstance with(true);
  sdk::Error plain =
      with.fails(R"({"url":"http://127.0.0.1:1/$process-message","mutual_tls":true})");
  EXPECT_EQ(plain.code, sdk::ErrorCode::kFailedPrecondition);
  EXPECT_THAT(plain.message, ::testing::HasSubstr("needs an https:// URL; nothing was sent"));

  MutualInstance later(true, /*now_ms=*/4102444800000);  // 2100-01-01: the certificate expired
  sdk::Error expired = later.fails(mutual);
  EXPECT_EQ(expired.code, sdk::ErrorCode::kFailedPrecondition);
  EXPECT_THAT(expired.message, ::testing::StartsWith("billing.nphies-test: the client certificate "
                                                     "CN=N-F-00001"));
  EXPECT_THAT(expired.message, ::testing::HasSubstr("expired at"));
  EXPECT_THAT(expired.message, ::testing::HasSubstr("nothing was sent"));

  MutualInstance earlier(true, /*now_ms=*/946684800000);  // 2000-01-01: not yet valid
  EXPECT_THAT(earlier.fails(mutual).message, ::testing::HasSubstr("is not valid before"));

  // A request without mutual_tls uses the ordinary client and goes out.
  sdk::Error ordinary = with.fails(R"({"url":"https://127.0.0.1:1/x"})");
  EXPECT_EQ(ordinary.code, sdk::ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace wasl::plugin_host
