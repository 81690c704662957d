#include "hub/plugin_host/instance_tls.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/support/test_pki.hpp"

namespace wasl::plugin_host {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;
using wasl::testing::TestPki;

TEST(InstanceTlsTest, SettingsWithoutTlsAreLeftAlone) {
  json settings = {{"base_url", "https://hsb.nphies.sa"}};
  auto tls = take_instance_tls(settings);
  ASSERT_TRUE(tls.ok());
  EXPECT_FALSE(tls->has_value());
  EXPECT_EQ(settings, json({{"base_url", "https://hsb.nphies.sa"}}));
}

TEST(InstanceTlsTest, TheTlsObjectIsTakenOutAndLoaded) {
  const TestPki& pki = TestPki::get();
  json settings = {{"base_url", "https://hsb.nphies.sa"},
                   {"tls",
                    {{"client_certificate", pki.read("client.crt")},
                     {"client_key", pki.read("client.key")},
                     {"ca_bundle", pki.read("ca.crt")}}}};
  auto tls = take_instance_tls(settings);
  ASSERT_TRUE(tls.ok()) << tls.error().message;
  ASSERT_TRUE(tls->has_value());
  EXPECT_FALSE(settings.contains("tls"));  // the plugin never sees it
  auto described = (*tls)->describe();
  ASSERT_TRUE(described.has_value());
  EXPECT_EQ(described->subject, "CN=N-F-00001,O=Saudi General Hospital");
  EXPECT_EQ(described->trust_anchors, 1);
  EXPECT_THAT((*tls)->secrets, ::testing::Contains(pki.read("client.key")));
}

TEST(InstanceTlsTest, Pkcs12WithPasswordLoads) {
  const TestPki& pki = TestPki::get();
  json settings = {
      {"tls", {{"client_pkcs12", pki.read("client.p12")}, {"client_key_password", "wasl-test"}}}};
  auto tls = take_instance_tls(settings);
  ASSERT_TRUE(tls.ok()) << tls.error().message;
  EXPECT_EQ((*tls)->describe()->trust_anchors, 0);
  EXPECT_THAT((*tls)->secrets, ::testing::Contains(std::string("wasl-test")));
}

TEST(InstanceTlsTest, ProblemsNameTheKeyAndNeverTheValue) {
  const TestPki& pki = TestPki::get();
  struct Case {
    json tls;
    std::string expected;
  };
  std::vector<Case> cases = {
      {json("yes"), "settings.tls: expected an object"},
      {{{"client_certificat", "x"}},
       "settings.tls.client_certificat: unknown key (did you mean \"client_certificate\"?)"},
      {{{"client_certificate", pki.read("client.crt")}},
       "settings.tls.client_key: is required with client_certificate"},
      {{{"client_key", pki.read("client.key")}},
       "settings.tls.client_certificate: is required with client_key"},
      {{{"client_certificate", pki.read("client.crt")},
        {"client_key", pki.read("other-client.key")}},
       "settings.tls.client_certificate: the private key does not belong to the client "
       "certificate"},
      {{{"client_pkcs12", pki.read("client.p12")}, {"client_key_password", "nope"}},
       "settings.tls.client_pkcs12: the PKCS#12 password is wrong or missing"},
      {{{"client_pkcs12", "x"}, {"client_certificate", "y"}, {"client_key", "z"}},
       "settings.tls.client_pkcs12: give either client_pkcs12 or client_certificate with "
       "client_key"},
      {{{"client_key_password", "pw"}}, "settings.tls.client_key_password: there is no client key"},
      {{{"ca_bundle", "var/pki/ca.crt"}}, "settings.tls.ca_bundle: the CA bundle is not PEM"},
      {{{"ca_bundle", 7}}, "settings.tls.ca_bundle: expected a string"},
  };
  for (const auto& c : cases) {
    json settings = {{"tls", c.tls}};
    auto tls = take_instance_tls(settings);
    ASSERT_FALSE(tls.ok()) << c.tls.dump().substr(0, 80);
    EXPECT_THAT(tls.error().message, HasSubstr(c.expected));
    EXPECT_THAT(tls.error().message, Not(HasSubstr("MII")));  // no PEM body
    EXPECT_THAT(tls.error().message, Not(HasSubstr("var/pki")));
  }
}

}  // namespace
}  // namespace wasl::plugin_host
