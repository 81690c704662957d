// The MOH plugin (libwasl_moh.so, loaded by the hub's PluginHost) delivering
// over mutual TLS to the MOH peer, which requires a client certificate of
// the test CA (scripts/test-pki): the instance's http.client_cert_file and
// client_key_file authenticate it with no bearer token, its http.ca_file
// trusts the peer; without a certificate, or with another CA's, the report
// is not delivered and the peer holds nothing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "hub/config/config.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/plugin_host/plugin_host.hpp"
#include "plugins/moh/tests/sample_reports.hpp"
#include "tests/peers/support/peer_process.hpp"

namespace wasl::plugins::moh {
namespace {

using nlohmann::json;
using wasl::testing::PeerProcess;

class MohMutualTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = new std::filesystem::path(std::filesystem::temp_directory_path() /
                                     ("wasl-moh-pki-" + std::to_string(getpid())));
    const std::string command = std::string(WASL_SOURCE_DIR) + "/scripts/test-pki " +
                                pki_->string() + " --days 2 >" + pki_->string() + ".log 2>&1";
    if (std::system(command.c_str()) != 0) {
      problem_ = "scripts/test-pki failed; see " + pki_->string() + ".log";
      return;
    }
    wasl::testing::PeerOptions options;
    options.args = {"--tls-cert",       file("server.crt"), "--tls-key",
                    file("server.key"), "--client-ca",      file("ca.crt")};
    auto peer = PeerProcess::start("moh", options);
    if (!peer.ok()) {
      problem_ = "the MOH peer did not start: " + peer.error().message;
      return;
    }
    peer_ = peer->release();
  }
  static void TearDownTestSuite() {
    delete peer_;
    peer_ = nullptr;
    std::filesystem::remove_all(*pki_);
    std::filesystem::remove(pki_->string() + ".log");
    delete pki_;
  }

  void SetUp() override {
    ASSERT_NE(peer_, nullptr) << problem_;
    ASSERT_GT(peer_->control_port(), 0) << "over TLS the control API has its own port";
    ASSERT_TRUE(peer_->post("/_peer/reset").ok());
  }

  static std::string file(const std::string& name) { return (*pki_ / name).string(); }

  // The plugin loaded with one reporting instance; `client` names the
  // certificate and key pair it presents ("" for none).
  std::shared_ptr<sdk::ReportSink> sink(const std::string& client, bool mutual_tls = true) {
    json http = {{"ca_file", file("ca.crt")}};
    json settings = {{"base_url", "https://127.0.0.1:" + std::to_string(peer_->port()) + "/fhir"},
                     {"request_timeout_ms", 10000}};
    if (mutual_tls) {
      settings["auth"] = "mutual_tls";
      http["client_cert_file"] = file(client + ".crt");
      http["client_key_file"] = file(client + ".key");
    } else {
      settings["auth"] = "bearer";
      settings["bearer_token"] = "moh-sandbox-token";
    }
    settings["http"] = http;
    config::InstanceConfig instance;
    instance.name = "reporting.moh";
    instance.plugin = "moh";
    instance.settings = settings;
    config_.instances = {{instance.name, instance}};
    config_.plugins.files = {{"moh", WASL_MOH_PLUGIN_FILE, "", 1}};
    auto host = plugin_host::PluginHost::load(config_, metrics_);
    EXPECT_TRUE(host.ok()) << host.error().message;
    if (!host.ok()) return nullptr;
    host_ = std::move(*host);
    for (const auto& p : host_->problems()) ADD_FAILURE() << p;
    auto reporting = host_->reporting("reporting.moh");
    EXPECT_TRUE(reporting.ok()) << reporting.error().message;
    return reporting.ok() ? *reporting : nullptr;
  }

  json effects() {
    auto e = peer_->get("/_peer/effects");
    EXPECT_TRUE(e.ok()) << e.error().message;
    return e.ok() ? *e : json::object();
  }

  static PeerProcess* peer_;
  static std::filesystem::path* pki_;
  static std::string problem_;
  config::Config config_;
  observability::Metrics metrics_;
  std::unique_ptr<plugin_host::PluginHost> host_;
};

PeerProcess* MohMutualTlsTest::peer_ = nullptr;
std::filesystem::path* MohMutualTlsTest::pki_ = nullptr;
std::string MohMutualTlsTest::problem_;

TEST_F(MohMutualTlsTest, TheClientCertificateAuthenticatesTheReports) {
  auto moh = sink("client");
  ASSERT_NE(moh, nullptr);
  auto consultation = moh->submit_report(testing::sample_consultation_report());
  ASSERT_TRUE(consultation.ok()) << consultation.error().message;
  EXPECT_FALSE(consultation->receipt_id.empty());
  auto aggregate = moh->submit_report(testing::sample_aggregate_report("ar"));
  ASSERT_TRUE(aggregate.ok()) << aggregate.error().message;
  json e = effects();
  EXPECT_EQ(e.value("messages", -1), 1) << e.dump();
  EXPECT_EQ(e.value("measureReports", -1), 1) << e.dump();
  EXPECT_EQ(e.value("unauthorized", -1), 0) << e.dump();
}

TEST_F(MohMutualTlsTest, NoCertificateOrAnotherCasIsNotDelivered) {
  auto bearer_only = sink("", /*mutual_tls=*/false);
  ASSERT_NE(bearer_only, nullptr);
  auto refused = bearer_only->submit_report(testing::sample_consultation_report());
  EXPECT_FALSE(refused.ok());

  auto other = sink("other-client");
  ASSERT_NE(other, nullptr);
  auto untrusted = other->submit_report(testing::sample_consultation_report());
  EXPECT_FALSE(untrusted.ok());
  json e = effects();
  EXPECT_EQ(e.value("requests", -1), 0) << "the TLS handshake refused both: " << e.dump();
  EXPECT_EQ(e.value("messages", -1), 0) << e.dump();
}

}  // namespace
}  // namespace wasl::plugins::moh
