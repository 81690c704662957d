#include "hub/signin/provider_set.hpp"

#include <gtest/gtest.h>

namespace wasl::signin {
namespace {

TEST(SafeReturnTo, KeepsPathsUnderTheConsole) {
  for (const char* kept : {"/console/", "/console/#consultations", "/console/?tab=audit",
                           "/console/index.html", "/console/a/b?x=%20y"}) {
    EXPECT_EQ(safe_return_to(kept), kept);
  }
}

TEST(SafeReturnTo, SendsEverythingElseToTheConsole) {
  for (const char* refused :
       {"", "/", "/console", "https://evil.example/console/", "//evil.example/console/",
        "/console//evil.example", "/console/\\\\evil.example", "/console/../v1/audit",
        "/console/%2e%2e/v1/audit", "/console/%2E./x", "/console/./x", "/console/a%2fb",
        "/console/a%5cb", "/v1/session", "/console/\r\nSet-Cookie: x=1", "/console/\x7f",
        "javascript:alert(1)", "/Console/"}) {
    EXPECT_EQ(safe_return_to(refused), "/console/") << refused;
  }
  EXPECT_EQ(safe_return_to("/console/" + std::string(600, 'a')), "/console/");
}

config::Config signin_config() {
  config::Config config;
  config::SigninConfig signin;
  signin.public_url = "https://wasl.hospital.example/";
  signin.mfa.roles = {"admin", "clinician"};
  signin.mfa.amr = {"mfa"};
  signin.mfa.acr = {"urn:loa:2"};
  config::SigninProviderConfig hospital;
  hospital.name = "hospital";
  hospital.label = {.en = "Hospital account", .ar = "حساب المستشفى"};
  hospital.issuer = "https://idp.hospital.example";
  hospital.client_id = "wasl";
  hospital.client_secret = config::Secret("s3cret");
  hospital.scopes = {"profile", "email"};
  hospital.groups_claim = "roles";
  hospital.practitioner_claim = "fhirUser";
  hospital.rules = {{.group = "g-admins", .facility = "sandbox", .role = "admin", .line = 3}};
  signin.providers["hospital"] = hospital;
  config::SigninProviderConfig keycloak = hospital;
  keycloak.name = "keycloak";
  keycloak.label = {.en = "Keycloak", .ar = "كيكلوك"};
  signin.providers["keycloak"] = keycloak;
  config.signin = signin;
  return config;
}

TEST(ProviderSet, NoSigninSectionIsNoProviders) {
  auto set = ProviderSet::from_config(config::Config{});
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_TRUE((*set)->providers().empty());
  EXPECT_EQ((*set)->list_json(), nlohmann::json::array());
  EXPECT_EQ((*set)->find("hospital"), nullptr);
}

TEST(ProviderSet, OneRelyingPartyPerProviderFromTheConfiguration) {
  auto set = ProviderSet::from_config(signin_config());
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_EQ((*set)->public_url(), "https://wasl.hospital.example");
  EXPECT_EQ((*set)->list_json(), nlohmann::json::parse(R"([
      {"name":"hospital","label":{"en":"Hospital account","ar":"حساب المستشفى"}},
      {"name":"keycloak","label":{"en":"Keycloak","ar":"كيكلوك"}}])"));

  const ConfiguredProvider* hospital = (*set)->find("hospital");
  ASSERT_NE(hospital, nullptr);
  ASSERT_NE(hospital->oidc, nullptr);
  const ProviderSettings& settings = hospital->oidc->settings();
  EXPECT_EQ(settings.issuer, "https://idp.hospital.example");
  EXPECT_EQ(settings.client_id, "wasl");
  EXPECT_EQ(settings.client_secret.reveal(), "s3cret");
  EXPECT_EQ(settings.redirect_uri, "https://wasl.hospital.example/signin/hospital/callback");
  EXPECT_EQ(settings.scopes, (std::vector<std::string>{"openid", "profile", "email"}));
  EXPECT_EQ(hospital->access.groups_claim, "roles");
  EXPECT_EQ(hospital->access.practitioner_claim, "fhirUser");
  ASSERT_EQ(hospital->access.rules.size(), 1u);
  EXPECT_EQ(hospital->access.rules[0].role, access::Role::kAdmin);
  EXPECT_EQ((*set)->mfa().roles,
            (std::vector<access::Role>{access::Role::kAdmin, access::Role::kClinician}));
  EXPECT_EQ((*set)->mfa().acr, std::vector<std::string>{"urn:loa:2"});
  EXPECT_NE((*set)->find("keycloak")->oidc, hospital->oidc);
  EXPECT_EQ((*set)->find("other"), nullptr);
}

}  // namespace
}  // namespace wasl::signin
