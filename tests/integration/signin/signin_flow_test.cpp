// Console sign-in through the hospital's identity provider, end to end: the
// real `wasl serve` (SQLite and PostgreSQL) and the real OIDC peer
// (tests/peers/oidc, oidc-provider), driven by a plain HTTP client with a
// cookie jar through the IdP's login form: the hub's /signin routes, the
// session cookie on /v1, the refusals (no rule, MFA, a replayed state),
// back-channel and RP-initiated logout, the IdP's key rotation, and facility
// isolation of a signed-in clinician.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/integration/hub_process.hpp"
#include "tests/integration/loopback_port.hpp"
#include "tests/integration/signin/web_client.hpp"
#include "tests/peers/oidc/oidc_peer.hpp"

namespace wasl::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* kClientSecret =
    "a2f0c3d9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1";

// A loopback port free right now, for the hub, whose callback URL the IdP's
// client registration must name before either starts.
int free_loopback_port() { return unused_loopback_port(); }

struct Backend {
  std::string name;
  bool postgres = false;
};

// Names the backend in test output and in the test list ctest reads
// ("# GetParam() = sqlite"), instead of the object's bytes, which hold a
// heap pointer and changed the listed names from one build to the next.
void PrintTo(const Backend& backend, std::ostream* os) { *os << backend.name; }

class SigninFlowTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    hub_port_ = free_loopback_port();
    ASSERT_NE(hub_port_, 0);
    hub_url_ = "http://127.0.0.1:" + std::to_string(hub_port_);

    OidcPeerOptions options;
    options.users = OidcPeer::sandbox_users();  // nora, omar, huda
    options.users[0].name = "نورة القحطاني";    // a name in Arabic, through to GET /v1/session
    options.users.push_back({.username = "zaid",
                             .password = "zaid-password",
                             .sub = "sub-zaid",
                             .name = "Zaid Nasser",
                             .email = "zaid@hospital.example",
                             .groups = {"cafeteria"},
                             .mfa = true});
    options.clients.push_back(
        {.client_id = "wasl",
         .client_secret = kClientSecret,
         .redirect_uris = {hub_url_ + "/signin/hospital/callback"},
         .post_logout_redirect_uris = {hub_url_ + "/console/"},
         .backchannel_logout_uri = hub_url_ + "/signin/hospital/backchannel-logout"});
    auto peer = OidcPeer::start(options);
    ASSERT_TRUE(peer.ok()) << peer.error().message;
    peer_ = std::move(peer).value();
    for (const OidcPeerUser& user : options.users) {
      users_[user.username] = user;
    }

    CommandResult keys = run_wasl({"keys", "generate", "--file", dir_.file("keys.json")});
    ASSERT_EQ(keys.exit_code, 0) << keys.err;
    dir_.write("client_secret", kClientSecret);
    std::string storage;
    if (GetParam().postgres) {
      std::string base = postgres_test_url();
      ASSERT_FALSE(base.empty());
      storage =
          "storage:\n  backend: postgres\n  migrate_on_start: true\n  postgres:\n    url: \"" +
          fresh_postgres_schema(base) + "\"\n    pool_size: 4\n";
    } else {
      storage = "storage:\n  sqlite:\n    path: " + dir_.file("wasl.db") + "\n";
    }
    dir_.write("wasl.yaml",
               "server:\n  host: 127.0.0.1\n  port: " + std::to_string(hub_port_) +
                   "\n"
                   "security:\n  key_file: " +
                   dir_.file("keys.json") + "\n" + storage +
                   "workflows_dir: " + std::string(WASL_SOURCE_DIR) +
                   "/workflows\n"
                   "signin:\n"
                   "  public_url: " +
                   hub_url_ +
                   "\n"
                   "  providers:\n"
                   "    hospital:\n"
                   "      label: { en: Hospital account, ar: حساب المستشفى }\n"
                   "      issuer: " +
                   peer_->url() +
                   "\n"
                   "      client_id: wasl\n"
                   "      client_secret: ${file:" +
                   dir_.file("client_secret") +
                   "}\n"
                   "      practitioner_claim: fhir_user\n"
                   "      rules:\n"
                   "        - { group: wasl-sandbox-integrators, facility: sandbox, role: "
                   "integrator }\n"
                   "        - { group: wasl-sandbox-b-clinicians, facility: sandbox-b, role: "
                   "clinician }\n"
                   "facilities:\n"
                   "  sandbox:\n    name: Sandbox\n"
                   "  sandbox-b:\n    name: Sandbox B\n");
    hub_ = std::make_unique<HubProcess>(dir_.file("wasl.yaml"));
    auto port = hub_->wait_until_listening(60s);
    ASSERT_TRUE(port) << hub_->log();
    ASSERT_EQ(*port, hub_port_);
  }

  void TearDown() override {
    hub_.reset();
    peer_.reset();
  }

  std::string api_key(const std::string& facility, const std::string& role) {
    CommandResult created = run_wasl({"apikeys", "create", "--facility", facility, "--role", role,
                                      "--config", dir_.file("wasl.yaml")});
    EXPECT_EQ(created.exit_code, 0) << created.err;
    return created.out.substr(0, created.out.find('\n'));
  }

  // What one browser sees signing in as `username`: the hub's last answer
  // (the callback's 302 to the console, or its refusal page).
  struct SigninOutcome {
    WebAnswer answer;
    std::string callback_url;  // the URL the IdP sent the browser back to
  };
  SigninOutcome sign_in(WebClient& web, const std::string& username,
                        const std::string& return_to = "/console/") {
    SigninOutcome outcome;
    WebAnswer start = web.get(hub_url_ + "/signin/hospital/start?return_to=" + return_to);
    EXPECT_EQ(start.status, 302) << start.body;
    EXPECT_EQ(start.location().rfind(peer_->url() + "/", 0), 0u) << start.location();
    WebAnswer login = web.follow_from(start);
    EXPECT_EQ(login.status, 200) << login.url << "\n" << login.body;
    auto form = first_form(login.body, login.url);
    EXPECT_TRUE(form) << login.body;
    if (!form) return outcome;
    FormFields fields;
    for (auto [name, value] : form->inputs) {
      if (name == "username") value = username;
      if (name == "password") value = users_.at(username).password;
      fields.emplace_back(name, value);
    }
    WebAnswer posted = web.post_form(form->action, fields);
    std::vector<std::string> hops;
    outcome.answer = web.follow_from(posted, hub_url_ + "/console/", &hops);
    for (const std::string& hop : hops) {
      if (hop.rfind(hub_url_ + "/signin/hospital/callback", 0) == 0) outcome.callback_url = hop;
    }
    EXPECT_FALSE(outcome.callback_url.empty()) << "the IdP never sent the browser back";
    return outcome;
  }

  WebAnswer session(WebClient& web) { return web.get(hub_url_ + "/v1/session"); }

  static std::string reason_of(const WebAnswer& page) {
    const std::string marker = "data-reason=\"";
    std::size_t at = page.body.find(marker);
    if (at == std::string::npos) return {};
    at += marker.size();
    return page.body.substr(at, page.body.find('"', at) - at);
  }

  TempDir dir_;
  int hub_port_ = 0;
  std::string hub_url_;
  std::unique_ptr<OidcPeer> peer_;
  std::map<std::string, OidcPeerUser> users_;
  std::unique_ptr<HubProcess> hub_;
};

TEST_P(SigninFlowTest, ListsTheProviders) {
  WebClient web;
  WebAnswer providers = web.get(hub_url_ + "/signin/providers");
  ASSERT_EQ(providers.status, 200) << providers.body;
  EXPECT_EQ(json::parse(providers.body),
            json::parse(
                R"([{"name":"hospital","label":{"en":"Hospital account","ar":"حساب المستشفى"}}])"));
  EXPECT_EQ(web.get(hub_url_ + "/signin/elsewhere/start").status, 404);
}

TEST_P(SigninFlowTest, IntegratorWithMfaSignsIn) {
  WebClient web;
  SigninOutcome outcome = sign_in(web, "nora", "/console/%23consultations");
  ASSERT_EQ(outcome.answer.status, 302) << outcome.answer.body;
  // return_to arrives decoded: the console's fragment is kept.
  EXPECT_EQ(outcome.answer.location(), hub_url_ + "/console/#consultations");
  std::string set_cookie;
  for (auto [it, end] = outcome.answer.headers.equal_range("set-cookie"); it != end; ++it) {
    if (it->second.rfind("wasl_session=", 0) == 0) set_cookie = it->second;
  }
  ASSERT_FALSE(set_cookie.empty());
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("SameSite=Strict"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("Path=/"), std::string::npos) << set_cookie;
  EXPECT_EQ(set_cookie.find("Secure"), std::string::npos) << "plain loopback: " << set_cookie;
  EXPECT_FALSE(web.cookie("127.0.0.1", "wasl_signin")) << "the attempt's cookie is removed";

  WebAnswer me = session(web);
  ASSERT_EQ(me.status, 200) << me.body;
  json body = json::parse(me.body);
  EXPECT_EQ(body["facility_id"], "sandbox");
  EXPECT_EQ(body["role"], "integrator");
  EXPECT_EQ(body["person"]["name"], "نورة القحطاني");
  EXPECT_EQ(body["person"]["id"].get<std::string>().rfind("psn_", 0), 0u);
  EXPECT_TRUE(body["key_id"].is_null());

  // The same person signing in again is the same person.
  WebClient again;
  ASSERT_EQ(sign_in(again, "nora").answer.status, 302);
  EXPECT_EQ(json::parse(session(again).body)["person"]["id"], body["person"]["id"]);
}

TEST_P(SigninFlowTest, TheSameGroupWithoutMfaIsRefused) {
  WebClient web;
  SigninOutcome outcome = sign_in(web, "omar");
  EXPECT_EQ(outcome.answer.status, 403) << outcome.answer.body;
  EXPECT_EQ(reason_of(outcome.answer), "mfa_required");
  EXPECT_NE(outcome.answer.body.find("multi-factor"), std::string::npos);
  EXPECT_FALSE(web.cookie("127.0.0.1", "wasl_session"));
  EXPECT_EQ(session(web).status, 401);

  // Audited for the facility the rule named, without the person's name or
  // subject.
  const std::string auditor = api_key("sandbox", "auditor");
  HttpAnswer audit = http_request(hub_port_, "GET", "/v1/audit?action=signin.refused", auditor);
  ASSERT_EQ(audit.status, 200) << audit.body;
  EXPECT_NE(audit.body.find("mfa_required"), std::string::npos) << audit.body;
  EXPECT_EQ(audit.body.find(users_.at("omar").name), std::string::npos) << audit.body;
  EXPECT_EQ(audit.body.find(users_.at("omar").sub), std::string::npos) << audit.body;
}

TEST_P(SigninFlowTest, AnAccountNoRuleNamesIsRefusedInArabicWhenAsked) {
  WebClient web;
  SigninOutcome outcome = sign_in(web, "zaid");
  EXPECT_EQ(outcome.answer.status, 403) << outcome.answer.body;
  EXPECT_EQ(reason_of(outcome.answer), "no_rule");
  EXPECT_EQ(outcome.answer.header("Content-Security-Policy").find("default-src 'self'"), 0u);
  EXPECT_EQ(session(web).status, 401);

  // The page in Arabic: the callback again, asked in Arabic, is a used
  // attempt now.
  WebAnswer arabic = web.get(outcome.callback_url, {{"Accept-Language", "ar-SA,en;q=0.5"}});
  EXPECT_EQ(arabic.status, 403);
  EXPECT_EQ(reason_of(arabic), "expired_attempt");
  EXPECT_NE(arabic.body.find("dir=\"rtl\""), std::string::npos);
}

TEST_P(SigninFlowTest, AReplayedStateIsRefused) {
  WebClient web;
  SigninOutcome outcome = sign_in(web, "nora");
  ASSERT_EQ(outcome.answer.status, 302) << outcome.answer.body;

  // The same callback (code and state) once more, from the same browser and
  // from another one: used.
  WebAnswer replayed = web.get(outcome.callback_url);
  EXPECT_EQ(replayed.status, 403);
  EXPECT_EQ(reason_of(replayed), "expired_attempt");
  WebClient other;
  WebAnswer elsewhere = other.get(outcome.callback_url);
  EXPECT_EQ(elsewhere.status, 403);
  EXPECT_EQ(reason_of(elsewhere), "expired_attempt");
  EXPECT_FALSE(other.cookie("127.0.0.1", "wasl_session"));
}

TEST_P(SigninFlowTest, ACallbackCarriedToAnotherBrowserIsRefused) {
  // The attempt's nonce stays with the browser that started it: a victim
  // sent the attacker's callback URL is not signed in as the attacker.
  WebClient attacker;
  WebAnswer start = attacker.get(hub_url_ + "/signin/hospital/start");
  ASSERT_EQ(start.status, 302);
  WebAnswer login = attacker.follow_from(start);
  auto form = first_form(login.body, login.url);
  ASSERT_TRUE(form);
  WebAnswer posted = attacker.post_form(
      form->action, {{"username", "nora"}, {"password", users_.at("nora").password}});
  WebAnswer last = attacker.follow_from(posted, hub_url_ + "/signin/hospital/callback");
  std::string callback = last.location();
  ASSERT_EQ(callback.rfind(hub_url_ + "/signin/hospital/callback?", 0), 0u) << callback;

  WebClient victim;
  WebAnswer page = victim.get(callback);
  EXPECT_EQ(page.status, 403);
  EXPECT_EQ(reason_of(page), "expired_attempt");
  EXPECT_FALSE(victim.cookie("127.0.0.1", "wasl_session"));
}

TEST_P(SigninFlowTest, BackchannelLogoutFromTheIdpEndsTheSession) {
  WebClient web;
  ASSERT_EQ(sign_in(web, "nora").answer.status, 302);
  ASSERT_EQ(session(web).status, 200);

  auto sent = peer_->logout(users_.at("nora").sub);
  ASSERT_TRUE(sent.ok()) << sent.error().message;
  EXPECT_NE(sent->dump().find("backchannel-logout"), std::string::npos) << sent->dump();

  WebAnswer after = session(web);
  EXPECT_EQ(after.status, 401) << after.body;

  // A logout token that is not one: 400, nothing ended.
  WebClient other;
  ASSERT_EQ(sign_in(other, "nora").answer.status, 302);
  WebAnswer forged = other.post_form(hub_url_ + "/signin/hospital/backchannel-logout",
                                     {{"logout_token", "eyJhbGciOiJub25lIn0.e30."}});
  EXPECT_EQ(forged.status, 400) << forged.body;
  EXPECT_EQ(session(other).status, 200);
}

TEST_P(SigninFlowTest, LogoutEndsTheSessionAndReturnsTheIdpUrl) {
  WebClient web;
  ASSERT_EQ(sign_in(web, "nora").answer.status, 302);
  WebAnswer me = session(web);
  ASSERT_EQ(me.status, 200) << me.body;
  std::string csrf = json::parse(me.body).value("csrf_token", "");
  ASSERT_FALSE(csrf.empty());

  WebAnswer out = web.request("POST", hub_url_ + "/signin/logout", "{}", "application/json",
                              {{"X-CSRF-Token", csrf}, {"Origin", hub_url_}});
  ASSERT_EQ(out.status, 200) << out.body;
  std::string url = json::parse(out.body).value("logout_url", "");
  ASSERT_EQ(url.rfind(peer_->url() + "/", 0), 0u) << out.body;
  EXPECT_NE(url.find("id_token_hint="), std::string::npos) << url;
  EXPECT_NE(url.find("post_logout_redirect_uri="), std::string::npos) << url;
  EXPECT_NE(url.find("client_id=wasl"), std::string::npos) << url;
  EXPECT_EQ(session(web).status, 401);

  // The IdP takes it: its logout page, not an error.
  WebAnswer idp = web.follow(url);
  EXPECT_EQ(idp.status, 200) << idp.body;
}

TEST_P(SigninFlowTest, SigningInStillWorksAfterTheIdpRotatesItsKeys) {
  WebClient before;
  ASSERT_EQ(sign_in(before, "nora").answer.status, 302);
  ASSERT_TRUE(peer_->rotate_keys().ok());
  ASSERT_TRUE(peer_->retire_old_keys().ok());

  WebClient after;
  SigninOutcome outcome = sign_in(after, "nora");
  ASSERT_EQ(outcome.answer.status, 302) << outcome.answer.body;
  EXPECT_EQ(session(after).status, 200);
}

TEST_P(SigninFlowTest, AClinicianOfAnotherFacilityGets404ForAConsultation) {
  const std::string hospital = api_key("sandbox", "hospital");
  json booking = {{"type", "doctor_patient"},
                  {"appointment_id", "signin-1"},
                  {"scheduled_at", "2031-01-01T09:00:00Z"},
                  {"patient", {{"id", "7"}, {"name", "Test Patient"}}},
                  {"practitioner", {{"id", "3"}, {"name", "Dr Test"}}}};
  HttpAnswer made =
      http_request(hub_port_, "POST", "/v1/consultations", hospital, booking.dump(), "signin-1");
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string id = json::parse(made.body).value("id", "");

  WebClient web;
  ASSERT_EQ(sign_in(web, "huda").answer.status, 302);
  json me = json::parse(session(web).body);
  EXPECT_EQ(me["facility_id"], "sandbox-b");
  EXPECT_EQ(me["role"], "clinician");
  WebAnswer other = web.get(hub_url_ + "/v1/consultations/" + id);
  EXPECT_EQ(other.status, 404) << other.body;
  EXPECT_EQ(http_request(hub_port_, "GET", "/v1/consultations/" + id, hospital).status, 200);
}

INSTANTIATE_TEST_SUITE_P(Backends, SigninFlowTest,
                         ::testing::Values(Backend{"sqlite", false}, Backend{"postgres", true}),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace wasl::testing
