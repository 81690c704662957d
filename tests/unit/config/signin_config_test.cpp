// The signin section (people signing in to the console through their
// hospital's identity provider) and facilities.<id>.console: every value
// read, and every bad value named with its file and line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "hub/config/describe.hpp"
#include "hub/config/loader.hpp"
#include "tests/unit/config/test_files.hpp"

namespace wasl::config {
namespace {

using test_support::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

std::vector<std::string> signin_problems_of(const LoadResult& result) {
  std::vector<std::string> out;
  for (const auto& p : result.problems) out.push_back(p.to_string());
  return out;
}

std::vector<std::string> signin_problems(const std::string& yaml) {
  return signin_problems_of(load_text(yaml, "t.yaml", "."));
}

// A facility and a provider with one rule; `provider_extra` is appended
// inside the provider (six spaces of indent) from line 13 on, `signin_extra`
// inside signin after line 5. Lines: 4 signin, 5 public_url, 7 the provider
// entra, 8 its label, 9 its issuer, 12 its first rule.
std::string signin_document(const std::string& provider_extra = "",
                            const std::string& signin_extra = "") {
  return "facilities:\n"
         "  hospital-a:\n"
         "    name: Hospital A\n"
         "signin:\n"
         "  public_url: https://wasl.hospital-a.example\n" +
         signin_extra +
         "  providers:\n"
         "    entra:\n"
         "      label: { en: Hospital account, ar: حساب المستشفى }\n"
         "      issuer: https://login.example/tenant/v2.0\n"
         "      client_id: wasl\n"
         "      rules:\n"
         "        - { group: admins, facility: hospital-a, role: admin }\n" +
         provider_extra;
}

TEST(LoadSignin, AbsentSectionMeansNoProvidersAndNoApiKeySignIn) {
  const auto result = load_text("facilities:\n  a:\n    name: A\n", "t.yaml");
  ASSERT_TRUE(result.ok()) << ::testing::PrintToString(signin_problems_of(result));
  EXPECT_FALSE(result.config.signin.has_value());
  EXPECT_FALSE(result.config.facilities.at("a").console.api_key_sign_in);
}

TEST(LoadSignin, EveryValueIsReadWithTheDeclaredDefaults) {
  const auto result = load_text(signin_document("      client_secret: s3cret-value\n"
                                                "      practitioner_claim: fhir_user\n"),
                                "t.yaml");
  ASSERT_TRUE(result.ok()) << ::testing::PrintToString(signin_problems_of(result));
  ASSERT_TRUE(result.config.signin.has_value());
  const SigninConfig& s = *result.config.signin;
  EXPECT_EQ(s.public_url, "https://wasl.hospital-a.example");
  EXPECT_EQ(s.session.idle_timeout, 15min);
  EXPECT_EQ(s.session.absolute_lifetime, 8h);
  EXPECT_EQ(s.session.keep_ended, 7 * 24h);
  EXPECT_THAT(s.mfa.roles, ElementsAre("admin", "integrator", "clinician"));
  EXPECT_THAT(s.mfa.amr, ElementsAre("mfa", "otp", "hwk", "swk", "sms"));
  EXPECT_TRUE(s.mfa.acr.empty());
  ASSERT_EQ(s.providers.size(), 1u);
  const SigninProviderConfig& p = s.providers.at("entra");
  EXPECT_EQ(p.name, "entra");
  EXPECT_EQ(p.line, 7);
  EXPECT_EQ(p.label.en, "Hospital account");
  EXPECT_EQ(p.label.ar, "حساب المستشفى");
  EXPECT_EQ(p.issuer, "https://login.example/tenant/v2.0");
  EXPECT_EQ(p.client_id, "wasl");
  EXPECT_EQ(p.client_secret.reveal(), "s3cret-value");
  EXPECT_TRUE(p.client_key.empty());
  EXPECT_THAT(p.scopes, ElementsAre("openid", "profile", "email"));
  EXPECT_EQ(p.groups_claim, "groups");
  EXPECT_EQ(p.practitioner_claim, "fhir_user");
  ASSERT_EQ(p.rules.size(), 1u);
  EXPECT_EQ(p.rules[0].group, "admins");
  EXPECT_EQ(p.rules[0].facility, "hospital-a");
  EXPECT_EQ(p.rules[0].role, "admin");
  EXPECT_EQ(p.rules[0].line, 12);
  // The client secret is redacted when the settings are shown.
  EXPECT_THAT(render(result.config), Not(HasSubstr("s3cret-value")));
}

TEST(LoadSignin, SessionMfaAndAPrivateKeyClientAreRead) {
  TempDir dir;
  dir.write("client.key", "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n");
  const std::string path = dir.write(
      "wasl.yaml", signin_document("      client_key: ${file:client.key}\n"
                                   "      client_key_id: wasl-2026\n"
                                   "      scopes: [openid, profile]\n"
                                   "      groups_claim: roles\n",
                                   "  session: { idle_timeout: 5m, absolute_lifetime: 1h, "
                                   "keep_ended: 30d }\n"
                                   "  mfa: { roles: [admin], amr: [hwk], acr: [phr] }\n"));
  const auto result = load_file(path);
  ASSERT_TRUE(result.ok()) << ::testing::PrintToString(signin_problems_of(result));
  const SigninConfig& s = *result.config.signin;
  EXPECT_EQ(s.session.idle_timeout, 5min);
  EXPECT_EQ(s.session.absolute_lifetime, 1h);
  EXPECT_EQ(s.session.keep_ended, 30 * 24h);
  EXPECT_THAT(s.mfa.roles, ElementsAre("admin"));
  EXPECT_THAT(s.mfa.amr, ElementsAre("hwk"));
  EXPECT_THAT(s.mfa.acr, ElementsAre("phr"));
  const SigninProviderConfig& p = s.providers.at("entra");
  EXPECT_THAT(p.client_key.reveal(), HasSubstr("BEGIN PRIVATE KEY"));
  EXPECT_EQ(p.client_key_id, "wasl-2026");
  EXPECT_TRUE(p.client_secret.empty());
  EXPECT_THAT(p.scopes, ElementsAre("openid", "profile"));
  EXPECT_EQ(p.groups_claim, "roles");
}

TEST(LoadSignin, AFacilityMayAllowApiKeySignIn) {
  const auto result =
      load_text("facilities:\n  a:\n    console:\n      api_key_sign_in: true\n  b:\n    name: B\n",
                "t.yaml");
  ASSERT_TRUE(result.ok()) << ::testing::PrintToString(signin_problems_of(result));
  EXPECT_TRUE(result.config.facilities.at("a").console.api_key_sign_in);
  EXPECT_FALSE(result.config.facilities.at("b").console.api_key_sign_in);
  EXPECT_THAT(signin_problems("facilities:\n  a:\n    console:\n      api_key_sign_in: maybe\n"),
              ElementsAre("t.yaml:4: facilities.a.console.api_key_sign_in: expected true or "
                          "false"));
}

TEST(LoadSignin, AnIssuerMustBeHttpsOrALoopbackHttpUrl) {
  const std::string form =
      "expected an https:// URL (http:// only to a loopback host) without query or fragment";
  auto with_issuer = [](const std::string& issuer) {
    std::string text = signin_document("      client_secret: x\n");
    const std::string from = "issuer: https://login.example/tenant/v2.0";
    return text.replace(text.find(from), from.size(), "issuer: " + issuer);
  };
  for (const char* bad : {"http://login.example", "http://10.0.0.7:8080", "ftp://idp",
                          "https://idp.example/?tenant=1", "login.example"}) {
    EXPECT_THAT(signin_problems(with_issuer(bad)),
                ElementsAre("t.yaml:9: signin.providers.entra.issuer: " + form))
        << bad;
  }
  for (const char* good : {"http://127.0.0.1:4590", "http://localhost:4590/realms/a",
                           "http://[::1]:4590", "https://sso.example/realms/a"}) {
    EXPECT_THAT(signin_problems(with_issuer(good)), ElementsAre()) << good;
  }
}

TEST(LoadSignin, ARuleMustNameADeclaredFacilityAndAKnownRole) {
  EXPECT_THAT(
      signin_problems(
          signin_document("        - { group: b, facility: hospital-b, role: clinician }\n"
                          "        - { group: c, facility: hospital-a, role: doctor }\n"
                          "        - { facility: hospital-a, role: auditor }\n"
                          "      client_secret: x\n")),
      ElementsAre(
          "t.yaml:13: signin.providers.entra.rules[1].facility: facility \"hospital-b\" "
          "is not declared in facilities (did you mean \"hospital-a\"?)",
          "t.yaml:14: signin.providers.entra.rules[2].role: expected one of admin, "
          "integrator, hospital, clinician, auditor",
          "t.yaml:15: signin.providers.entra.rules[3].group: required (a non-empty string)"));
}

TEST(LoadSignin, ExactlyOneClientCredentialIsSet) {
  EXPECT_THAT(signin_problems(signin_document()),
              ElementsAre("t.yaml:7: signin.providers.entra: needs client_secret "
                          "(client_secret_basic) or client_key with client_key_id "
                          "(private_key_jwt)"));
  EXPECT_THAT(signin_problems(signin_document("      client_secret: x\n"
                                              "      client_key: \"-----BEGIN PRIVATE KEY-----\"\n"
                                              "      client_key_id: k1\n")),
              ElementsAre("t.yaml:14: signin.providers.entra.client_key: set client_secret or "
                          "client_key, not both"));
  EXPECT_THAT(signin_problems(signin_document("      client_key: not a key\n")),
              ElementsAre("t.yaml:13: signin.providers.entra.client_key: expected a PEM private "
                          "key (-----BEGIN PRIVATE KEY-----)",
                          "t.yaml:13: signin.providers.entra.client_key_id: required with "
                          "client_key: the kid the identity provider knows the key by"));
  EXPECT_THAT(signin_problems(signin_document("      client_secret: x\n"
                                              "      client_key_id: k1\n")),
              ElementsAre("t.yaml:14: signin.providers.entra.client_key_id: names the kid of "
                          "client_key, which is not set"));
}

TEST(LoadSignin, AMissingSecretFileIsNamedWithItsLine) {
  TempDir dir;
  const std::string path =
      dir.write("wasl.yaml", signin_document("      client_secret: ${file:oidc/client_secret}\n"));
  EXPECT_THAT(signin_problems_of(load_file(path)),
              ElementsAre(path + ":13: signin.providers.entra.client_secret: cannot read file " +
                          (dir.path() / "oidc/client_secret").string() +
                          " (No such file or directory; from ${file:oidc/client_secret})"));
}

TEST(LoadSignin, ScopesClaimsAndLabelsAreChecked) {
  EXPECT_THAT(signin_problems(signin_document("      client_secret: x\n"
                                              "      scopes: [profile, email]\n"
                                              "      groups_claim: my groups\n"
                                              "      practitioner_claim: a.b\n")),
              ElementsAre("t.yaml:14: signin.providers.entra.scopes: must include openid",
                          "t.yaml:15: signin.providers.entra.groups_claim: expected a claim name "
                          "(no spaces or dots)",
                          "t.yaml:16: signin.providers.entra.practitioner_claim: expected a claim "
                          "name (no spaces or dots)"));
  std::string text = signin_document("      client_secret: x\n");
  const std::string label = "label: { en: Hospital account, ar: حساب المستشفى }";
  text.replace(text.find(label), label.size(), "label: { en: Hospital account }");
  EXPECT_THAT(
      signin_problems(text),
      ElementsAre("t.yaml:8: signin.providers.entra.label.ar: required (a non-empty string)"));
}

TEST(LoadSignin, ProviderNamesSessionsAndMfaRolesAreChecked) {
  EXPECT_THAT(
      signin_problems(signin_document("      client_secret: x\n"
                                      "    Hospital A:\n"
                                      "      client_id: x\n",
                                      "  session: { idle_timeout: 9h, absolute_lifetime: 8h }\n"
                                      "  mfa:\n"
                                      "    roles: [admin, clinican]\n")),
      ElementsAre("t.yaml:6: signin.session.idle_timeout: must not be longer than "
                  "absolute_lifetime",
                  "t.yaml:8: signin.mfa.roles[1]: unknown role \"clinican\" (did you mean "
                  "\"clinician\"?)",
                  "t.yaml:17: signin.providers.Hospital A: expected a provider name (a-z, 0-9 "
                  "and -, not starting with -)"));
  EXPECT_THAT(signin_problems(signin_document("      client_secret: x\n",
                                              "  session:\n"
                                              "    idle_timeout: 500ms\n"
                                              "    absolute_lifetime: forever\n"
                                              "    keep_ended: 30s\n")),
              ElementsAre("t.yaml:7: signin.session.idle_timeout: expected a positive duration "
                          "with a unit, such as 250ms, 5s, 2m or 1h",
                          "t.yaml:8: signin.session.absolute_lifetime: expected a positive "
                          "duration with a unit, such as 250ms, 5s, 2m or 1h",
                          "t.yaml:9: signin.session.keep_ended: expected a positive "
                          "duration with a unit, such as 250ms, 5s, 2m or 1h"));
}

TEST(LoadSignin, ThePublicUrlIsAnHttpUrl) {
  std::string text = signin_document("      client_secret: x\n");
  const std::string url = "public_url: https://wasl.hospital-a.example";
  text.replace(text.find(url), url.size(), "public_url: wasl.hospital-a.example");
  EXPECT_THAT(signin_problems(text),
              ElementsAre("t.yaml:5: signin.public_url: expected an absolute "
                          "http:// or https:// URL"));
}

}  // namespace
}  // namespace wasl::config
