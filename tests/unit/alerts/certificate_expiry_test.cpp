// The certificate-expiry rule on the test PKI (scripts/test-pki, whose
// certificates end two days after they are made): the listeners' chains and
// the instances' client certificates raise "certificate.expiring" within
// 30, 14 and 7 days of their end and "certificate.expired" after it, each
// threshold once, through the shared alerts, however often it is checked.
#include "hub/alerts/certificate_expiry.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "hub/alerts/alert_store.hpp"
#include "hub/alerts/shared_alerts.hpp"
#include "tests/unit/storage/status_matchers.hpp"
#include "tests/unit/storage/test_database.hpp"
#include "tests/unit/support/test_pki.hpp"

namespace wasl::alerts {
namespace {

using plugin_host::InstanceAlert;
using storage::Dialect;
using wasl::testing::TestPki;

constexpr std::int64_t kDay = 24LL * 3600 * 1000;

sdk::ClientCertificate client_certificate(const std::string& pem) {
  auto chain = crypto::describe_pem_certificates(pem);
  EXPECT_TRUE(chain.ok()) << chain.error().message;
  sdk::ClientCertificate out;
  if (!chain.ok()) return out;
  const crypto::CertificateDescription& leaf = chain->front();
  out.subject = leaf.subject;
  out.issuer = leaf.issuer;
  out.serial_hex = leaf.serial_hex;
  out.sha256_hex = leaf.sha256_hex;
  out.not_before_ms = leaf.not_before_ms;
  out.not_after_ms = leaf.not_after_ms;
  return out;
}

// The hub's TLS listener with the peer's chain, an MLLP listener and two
// client certificates: one current, one that ended in 2021.
std::vector<WatchedCertificate> watched() {
  const TestPki& pki = TestPki::get();
  config::Config config;
  config.server.tls =
      config::TlsConfig{pki.path("server.crt").string(), pki.path("server.key").string(), ""};
  config::InstanceConfig hl7;
  hl7.name = "ehr.hl7";
  hl7.mllp = config::InstanceMllpConfig{};
  hl7.mllp->tls = config::TlsConfig{pki.path("other-server.crt").string(),
                                    pki.path("other-server.key").string(), ""};
  config.instances["ehr.hl7"] = hl7;
  std::map<std::string, sdk::ClientCertificate, std::less<>> clients{
      {"billing.nphies", client_certificate(pki.read("client.crt"))},
      {"reporting.moh", client_certificate(pki.read("client-expired.crt"))}};
  auto out = watched_certificates(config, clients);
  EXPECT_TRUE(out.ok()) << out.error().message;
  return out.ok() ? *out : std::vector<WatchedCertificate>{};
}

// The end of the current certificates (the script makes them within seconds
// of each other).
std::int64_t current_end(const std::vector<WatchedCertificate>& certificates) {
  for (const auto& w : certificates) {
    if (w.instance == "billing.nphies") return w.certificate.not_after_ms;
  }
  ADD_FAILURE() << "no client certificate of billing.nphies";
  return 0;
}

// (instance, kind, dedup key's threshold) of each alert.
std::vector<std::string> summary(const std::vector<InstanceAlert>& alerts) {
  std::vector<std::string> out;
  for (const auto& a : alerts) {
    out.push_back(a.instance + " " + a.kind + " " + a.dedup_key.substr(a.dedup_key.rfind(':') + 1));
  }
  return out;
}

TEST(CertificateExpiryTest, WatchesTheListenersChainsAndTheClientCertificates) {
  const auto certificates = watched();
  ASSERT_EQ(certificates.size(), 4U);
  EXPECT_EQ(certificates[0].instance, "hub");
  EXPECT_EQ(certificates[0].role, "TLS listener");
  EXPECT_EQ(certificates[0].certificate.subject, "CN=127.0.0.1,O=Wasl Test");
  EXPECT_EQ(certificates[1].instance, "ehr.hl7");
  EXPECT_EQ(certificates[1].role, "MLLP listener");
  EXPECT_EQ(certificates[2].role, "client");
}

TEST(CertificateExpiryTest, EachThresholdWhenItIsCrossed) {
  const auto certificates = watched();
  ASSERT_EQ(certificates.size(), 4U);
  const std::int64_t end = current_end(certificates);
  using Lines = std::vector<std::string>;
  // 40 days before the end: only the certificate that ended in 2021.
  EXPECT_EQ(summary(certificate_alerts(certificates, end - 40 * kDay)),
            Lines{"reporting.moh certificate.expired expired"});
  const Lines thirty{"hub certificate.expiring 30d", "ehr.hl7 certificate.expiring 30d",
                     "billing.nphies certificate.expiring 30d",
                     "reporting.moh certificate.expired expired"};
  EXPECT_EQ(summary(certificate_alerts(certificates, end - 29 * kDay)), thirty);
  auto fourteen = certificate_alerts(certificates, end - 13 * kDay);
  ASSERT_EQ(fourteen.size(), 4U);
  EXPECT_EQ(summary(fourteen)[2], "billing.nphies certificate.expiring 14d");
  EXPECT_NE(fourteen[2].message.find("client certificate CN=N-F-00001"), std::string::npos)
      << fourteen[2].message;
  EXPECT_NE(fourteen[2].message.find("in 13 days (within 14 days)"), std::string::npos)
      << fourteen[2].message;
  auto seven = certificate_alerts(certificates, end - 6 * kDay - 60 * 1000);
  ASSERT_EQ(seven.size(), 4U);
  EXPECT_EQ(summary(seven)[0], "hub certificate.expiring 7d");
  EXPECT_NE(seven[0].message.find("in 6 days (within 7 days)"), std::string::npos)
      << seven[0].message;
  auto after = certificate_alerts(certificates, end + 60 * 1000);
  ASSERT_EQ(after.size(), 4U);
  EXPECT_EQ(summary(after)[1], "ehr.hl7 certificate.expired expired");
  EXPECT_NE(after[1].message.find("MLLP listener certificate"), std::string::npos);
  EXPECT_NE(after[1].message.find(" expired at "), std::string::npos);
}

TEST(CertificateExpiryTest, AListenerFileThatCannotBeReadNamesTheSetting) {
  config::Config config;
  config.server.tls = config::TlsConfig{"/nonexistent/wasl.crt", "/nonexistent/wasl.key", ""};
  auto out = watched_certificates(config, {});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_NE(out.error().message.find("server.tls.certificate_file"), std::string::npos)
      << out.error().message;
  config.server.tls->certificate_file = TestPki::get().path("server.key").string();
  auto not_a_certificate = watched_certificates(config, {});
  ASSERT_FALSE(not_a_certificate.ok());
  EXPECT_NE(not_a_certificate.error().message.find("no PEM certificate"), std::string::npos)
      << not_a_certificate.error().message;
}

class CertificateExpiryAlertsTest : public ::testing::TestWithParam<Dialect> {};

// Checked every six hours by two hubs for forty-two days: each threshold of
// each certificate is one alert.
TEST_P(CertificateExpiryAlertsTest, EachThresholdIsOneAlertHoweverOftenTwoHubsCheck) {
  auto db =
      storage::testing::TestDatabase::create(GetParam(), storage::testing::Contents::kMigrated);
  ASSERT_TRUE(db.ok()) << db.error().message;
  auto store_a = (*db)->open();
  auto store_b = (*db)->open();
  ASSERT_TRUE(store_a.ok() && store_b.ok());
  AlertStore alerts_a(**store_a);
  AlertStore alerts_b(**store_b);
  SharedAlerts hub_a(alerts_a);
  SharedAlerts hub_b(alerts_b);
  const auto certificates = watched();
  ASSERT_EQ(certificates.size(), 4U);
  const std::int64_t end = current_end(certificates);
  for (std::int64_t at = end - 40 * kDay; at < end + 2 * kDay; at += 6 * 3600 * 1000) {
    for (SharedAlerts* hub : {&hub_a, &hub_b}) {
      for (auto& alert : certificate_alerts(certificates, at)) hub->enqueue(std::move(alert));
    }
  }
  ASSERT_OK(hub_a.flush());
  ASSERT_OK(hub_b.flush());
  auto listed = alerts_a.list("fac-a", {"billing.nphies", "reporting.moh", "ehr.hl7"}, 0, 200);
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  std::map<std::string, int> per_instance;
  for (const auto& a : *listed) ++per_instance[a.instance + " " + a.kind];
  EXPECT_EQ(per_instance["hub certificate.expiring"], 3);
  EXPECT_EQ(per_instance["hub certificate.expired"], 1);
  EXPECT_EQ(per_instance["ehr.hl7 certificate.expiring"], 3);
  EXPECT_EQ(per_instance["ehr.hl7 certificate.expired"], 1);
  EXPECT_EQ(per_instance["billing.nphies certificate.expiring"], 3);
  EXPECT_EQ(per_instance["billing.nphies certificate.expired"], 1);
  EXPECT_EQ(per_instance["reporting.moh certificate.expired"], 1);
  EXPECT_EQ(listed->size(), 13U);
  // Newest first: the last threshold crossed was the end.
  EXPECT_EQ((*listed)[0].kind, "certificate.expired");
}

INSTANTIATE_TEST_SUITE_P(Stores, CertificateExpiryAlertsTest,
                         ::testing::Values(Dialect::kSqlite, Dialect::kPostgres),
                         [](const auto& info) {
                           return storage::testing::dialect_name(info.param);
                         });

}  // namespace
}  // namespace wasl::alerts
