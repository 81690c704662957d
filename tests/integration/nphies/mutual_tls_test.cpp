// Mutual TLS between the hub and the NPHIES peer, which requires a client
// certificate from its CA: the identity the host presents, the server it
// trusts, and every way it fails — permanently, naming the instance, with
// nothing processed by the exchange (nothing sent at all when the host
// itself refuses: no certificate, an expired one, an untrusted server).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "hub/plugin_host/http_client.hpp"
#include "plugins/nphies/tests/test_claims.hpp"
#include "tests/integration/nphies/plugin_loader.hpp"

namespace wasl::plugins::nphies::testing {
namespace {

using nlohmann::json;
using plugin_host::HttpClient;
using plugin_host::HttpClientOptions;
using sdk::ErrorCode;
using ::testing::HasSubstr;

class MutualTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    peer_ = PeerEnvironment::get().peer();
    ASSERT_NE(peer_, nullptr);
    ASSERT_TRUE(peer_->post("/_peer/reset", json::object()).ok());
  }

  // How many messages (not TLS refusals) the exchange received.
  int messages_received() {
    auto received = peer_->received();
    EXPECT_TRUE(received.ok());
    int n = 0;
    for (const auto& r : (*received)["items"]) n += r["outcome"] != "tls-refused";
    return n;
  }

  static HttpClientOptions client(const std::string& name, const std::string& ca = "ca.crt") {
    auto& env = PeerEnvironment::get();
    HttpClientOptions options;
    if (!name.empty()) {
      auto identity =
          crypto::ClientIdentity::from_pem(env.read(name + ".crt"), env.read(name + ".key"));
      EXPECT_TRUE(identity.ok()) << identity.error().message;
      options.client_identity =
          std::make_shared<crypto::ClientIdentity>(std::move(identity).value());
    }
    auto anchors = crypto::TrustAnchors::from_pem(env.read(ca));
    EXPECT_TRUE(anchors.ok());
    options.trust_anchors = std::make_shared<crypto::TrustAnchors>(std::move(anchors).value());
    return options;
  }

  sdk::Result<plugin_host::HttpResponse> post_sample(HttpClient& http) {
    plugin_host::HttpRequest request;
    request.method = "POST";
    request.url = peer_->base_url() + "/$process-message";
    request.headers = {{"Content-Type", "application/fhir+json"}};
    std::ifstream in(std::string(WASL_SHARED_DATA_DIR) + "/nphies/poll-request.json");
    request.body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return http.send(request);
  }

  NphiesPeerProcess* peer_ = nullptr;
};

TEST_F(MutualTlsTest, TheIdentityInMemoryIsPresentedAndTheServerTrustedByTheBundle) {
  HttpClient http(client("client"));
  auto answer = post_sample(http);
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  EXPECT_EQ(answer->status, 200);
  auto received = peer_->received();
  ASSERT_TRUE(received.ok());
  EXPECT_EQ((*received)["items"][0]["client"], "N-F-00001");
}

TEST_F(MutualTlsTest, TheExchangeRefusesRequestsWithoutACertificateItsCaVouchesFor) {
  // No certificate, one from another CA, an expired one: the exchange's
  // gateway answers 403 and processes nothing.
  for (const std::string name : {"", "other-client", "client-expired"}) {
    HttpClient http(client(name));
    auto answer = post_sample(http);
    ASSERT_TRUE(answer.ok()) << answer.error().message;
    EXPECT_EQ(answer->status, 403) << name;
  }
  EXPECT_EQ(messages_received(), 0);
}

TEST_F(MutualTlsTest, AServerOutsideTheCaBundleFailsVerification) {
  HttpClient http(client("client", "other-ca.crt"));
  auto answer = post_sample(http);
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(answer.error().retryable);
  EXPECT_THAT(answer.error().message, HasSubstr("TLS verification"));
  EXPECT_EQ(messages_received(), 0);
}

TEST_F(MutualTlsTest, ThePluginsFailuresNameTheInstanceAndSendNothing) {
  NphiesPlugin plugin;
  plugin.add("no-cert", tls_settings("", "", "ca.crt"));
  plugin.add("expired", tls_settings("client-expired.crt", "client-expired.key"));
  plugin.add("wrong-ca", tls_settings("client.crt", "client.key", "other-ca.crt"));
  plugin.add("untrusted", tls_settings("other-client.crt", "other-client.key"));
  auto host = plugin.load();
  ASSERT_TRUE(host.ok()) << host.error().message;
  struct Case {
    std::string instance;
    std::string says;
    ErrorCode code = ErrorCode::kFailedPrecondition;
  };
  for (const Case& c :
       {Case{"billing.no-cert", "no client certificate"},
        Case{"billing.expired", "expired at 2021-02-01T00:00:00Z"},
        Case{"billing.wrong-ca", "TLS verification"},
        Case{"billing.untrusted", "client certificate is not accepted by the exchange",
             ErrorCode::kPermissionDenied}}) {
    auto billing = (*host)->billing(c.instance);
    ASSERT_TRUE(billing.ok()) << billing.error().message;
    auto answer = (*billing)->check_eligibility(test_eligibility("wasl-" + c.instance));
    ASSERT_FALSE(answer.ok()) << c.instance;
    EXPECT_EQ(answer.error().code, c.code) << answer.error().message;
    EXPECT_FALSE(answer.error().retryable);
    EXPECT_THAT(answer.error().message, ::testing::StartsWith(c.instance + ": NPHIES "));
    EXPECT_THAT(answer.error().message, HasSubstr(c.says));
  }
  EXPECT_EQ(messages_received(), 0);
}

TEST_F(MutualTlsTest, PlainHttpIsRefusedByTheSettings) {
  NphiesPlugin plugin;
  plugin.add("plain", tls_settings("client.crt", "client.key"),
             {{"base_url", "http://127.0.0.1:" + std::to_string(peer_->port())}});
  auto host = plugin.load();
  ASSERT_FALSE(host.ok());
  EXPECT_THAT(host.error().message, HasSubstr("billing.plain"));
  EXPECT_THAT(host.error().message, HasSubstr("/base_url"));
}

}  // namespace
}  // namespace wasl::plugins::nphies::testing
