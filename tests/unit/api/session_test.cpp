// Console sessions through the router: POST /signin/api-key makes one (its
// cookie's attributes), every /v1 route takes its cookie (CSRF token and
// Origin on unsafe methods), idle and absolute lifetimes on an injected
// clock, logout, a revoked key or suspended facility ending its sessions,
// GET /v1/session and the 404 rule across facilities; the purge of ended
// sessions and the audit trail after it; the webhooks' repair routes over a
// real http::Server with the cookie (api::bearer_or_session_principal, as
// hub/app wires them).
#include "hub/api/session.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#ifdef WASL_TEST_WITH_WEBHOOKS
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include "hub/api/authorization.hpp"
#include "hub/http/server.hpp"
#include "hub/records/inbox_store.hpp"
#include "hub/webhooks/webhook_context.hpp"
#include "hub/webhooks/webhook_routes.hpp"
#endif

#include "hub/api/signin_routes.hpp"
#include "hub/signin/people_store.hpp"
#include "hub/signin/session_store.hpp"
#include "tests/unit/api/api_fixture.hpp"

namespace wasl::api::testing {
namespace {

using access::Role;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::int64_t kMinute = 60'000;

class SessionTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    if (HasFatalFailure()) return;
    config_.facilities[kFacilityA].console.api_key_sign_in = true;
    config_.facilities[kFacilityB].console.api_key_sign_in = true;
    sessions_ = std::make_unique<signin::SessionStore>(
        *cipher_, *audit_,
        signin::SessionOptions{std::chrono::minutes(15), std::chrono::hours(8),
                               std::chrono::seconds(30)});
    people_ = std::make_unique<signin::PeopleStore>(*cipher_);
    context_.sessions = sessions_.get();
    context_.people = people_.get();
    context_.api_keys = &keys_;
    context_.options.clock = [this] { return now_; };
  }

  struct SignedIn {
    std::string cookie;  // the cookie's value
    std::string csrf;
    std::string set_cookie;  // the whole Set-Cookie header
  };

  http::Response sign_in_response(const std::string& key,
                                  std::vector<std::pair<std::string, std::string>> headers = {}) {
    return send({"POST", "/signin/api-key", nlohmann::json{{"key", key}}.dump(), headers},
                std::nullopt);
  }

  SignedIn sign_in(Role role, bool facility_b = false) {
    http::Response r = sign_in_response((facility_b ? keys_b_ : keys_a_).at(role));
    EXPECT_EQ(r.status, 200) << r.body;
    SignedIn s;
    auto header = r.headers.find("Set-Cookie");
    if (header == r.headers.end()) {
      ADD_FAILURE() << "no Set-Cookie";
      return s;
    }
    s.set_cookie = header->second;
    const std::string prefix = "wasl_session=";
    EXPECT_EQ(s.set_cookie.rfind(prefix, 0), 0u) << s.set_cookie;
    s.cookie = s.set_cookie.substr(prefix.size(), s.set_cookie.find(';') - prefix.size());
    http::Response session = with_cookie({"GET", "/v1/session"}, s.cookie);
    EXPECT_EQ(session.status, 200) << session.body;
    s.csrf = body_of(session).value("csrf_token", std::string());
    return s;
  }

  // `call` with the session cookie and no Authorization header.
  http::Response with_cookie(Call call, const std::string& cookie) {
    call.headers.emplace_back("Cookie", "theme=dark; wasl_session=" + cookie);
    return send(call, std::nullopt);
  }

  std::string end_reason() {
    auto tx = store_->begin(storage::TxMode::kReadOnly);
    auto rows = (*tx)->query("SELECT end_reason FROM signin_sessions");
    if (!rows.ok() || rows->empty() || rows->front().is_null(0)) return "";
    return rows->front().get_text(0).value_or("");
  }

  std::int64_t now_ = kNow;
  std::unique_ptr<signin::SessionStore> sessions_;
  std::unique_ptr<signin::PeopleStore> people_;
};

TEST_P(SessionTest, ApiKeySignInSetsAStrictHttpOnlyCookie) {
  const SignedIn s = sign_in(Role::kAdmin);
  EXPECT_EQ(s.set_cookie, "wasl_session=" + s.cookie + "; HttpOnly; SameSite=Strict; Path=/");
  EXPECT_EQ(audit_count("session.created"), 1);
  // Secure but on plain HTTP to a loopback address.
  config_.server.host = "0.0.0.0";
  EXPECT_THAT(sign_in(Role::kAdmin).set_cookie, HasSubstr("; Secure"));
  config_.server.host = "127.0.0.1";
  config_.server.tls = config::TlsConfig{};
  EXPECT_THAT(sign_in(Role::kAdmin).set_cookie, HasSubstr("; Secure"));
  config_.server.tls.reset();
  config_.signin.emplace();
  config_.signin->public_url = "https://wasl.hospital.example";
  EXPECT_THAT(sign_in(Role::kAdmin).set_cookie, HasSubstr("; Secure"));
}

TEST_P(SessionTest, TheSessionNamesItsKeyAndTellsItsCsrfToken) {
  const SignedIn s = sign_in(Role::kIntegrator);
  http::Response r = with_cookie({"GET", "/v1/session"}, s.cookie);
  ASSERT_EQ(r.status, 200) << r.body;
  nlohmann::json body = body_of(r);
  EXPECT_EQ(body["facility_id"], kFacilityA);
  EXPECT_EQ(body["role"], "integrator");
  EXPECT_TRUE(body["person"].is_null());
  EXPECT_FALSE(body["key_id"].get<std::string>().empty());
  EXPECT_EQ(body["session_ref"].get<std::string>().rfind("ses_", 0), 0u);
  EXPECT_EQ(body["csrf_token"], signin::SessionStore::csrf_token_of(s.cookie));
  EXPECT_EQ(body["idle_timeout_s"], 900);
  EXPECT_EQ(body["expires_at"], iso(kNow + 8 * 60 * kMinute));
  // A Bearer caller has no session.
  nlohmann::json bearer = body_of(send({"GET", "/v1/session"}, Role::kAuditor));
  EXPECT_EQ(bearer["role"], "auditor");
  EXPECT_TRUE(bearer["session_ref"].is_null());
  EXPECT_TRUE(bearer["csrf_token"].is_null());
  // Bearer wins when both are sent.
  Call both{"GET", "/v1/session"};
  both.headers.emplace_back("Cookie", "wasl_session=" + s.cookie);
  both.headers.emplace_back("Authorization", "Bearer " + keys_b_.at(Role::kAuditor));
  EXPECT_EQ(body_of(send(both, std::nullopt))["facility_id"], kFacilityB);
}

TEST_P(SessionTest, ACookieSessionReadsAndWritesWithItsCsrfToken) {
  const SignedIn s = sign_in(Role::kHospital);
  EXPECT_EQ(with_cookie({"GET", "/v1/consultations"}, s.cookie).status, 200);
  http::Response created = with_cookie({"POST",
                                        "/v1/consultations",
                                        booking().dump(),
                                        {{"Idempotency-Key", "cookie-1"},
                                         {"X-CSRF-Token", s.csrf},
                                         {"Origin", "http://127.0.0.1:8080"}}},
                                       s.cookie);
  ASSERT_EQ(created.status, 201) << created.body;
  // The request's audit event names the session's key.
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM consultations"), 1);
}

TEST_P(SessionTest, AnUnsafeMethodWithoutTheCsrfTokenOrFromAnotherOriginChangesNothing) {
  const SignedIn s = sign_in(Role::kHospital);
  const std::vector<std::vector<std::pair<std::string, std::string>>> refused = {
      {{"Idempotency-Key", "k1"}},
      {{"Idempotency-Key", "k2"}, {"X-CSRF-Token", s.csrf + "x"}},
      {{"Idempotency-Key", "k3"}, {"X-CSRF-Token", s.csrf}, {"Origin", "https://evil.example"}},
      {{"Idempotency-Key", "k4"}, {"X-CSRF-Token", s.csrf}, {"Origin", "null"}},
  };
  for (const auto& headers : refused) {
    http::Response r =
        with_cookie({"POST", "/v1/consultations", booking().dump(), headers}, s.cookie);
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_EQ(body_of(r)["type"], "https://wasl.dev/problems/csrf");
  }
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM consultations"), 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM idempotency_keys"), 0);
  // The Host the request came to is the hub's own origin too.
  http::Response r = with_cookie({"POST",
                                  "/v1/consultations",
                                  booking().dump(),
                                  {{"Idempotency-Key", "k5"},
                                   {"X-CSRF-Token", s.csrf},
                                   {"Host", "wasl.internal:8443"},
                                   {"Origin", "https://wasl.internal:8443"}}},
                                 s.cookie);
  EXPECT_EQ(r.status, 201) << r.body;
}

TEST_P(SessionTest, AnIdleSessionEnds) {
  const SignedIn s = sign_in(Role::kAdmin);
  now_ += 14 * kMinute;
  EXPECT_EQ(with_cookie({"GET", "/v1/me"}, s.cookie).status, 200);
  now_ += 15 * kMinute;
  http::Response r = with_cookie({"GET", "/v1/me"}, s.cookie);
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(end_reason(), "idle");
  EXPECT_EQ(audit_count("session.ended"), 1);
  now_ += kMinute;
  EXPECT_EQ(with_cookie({"GET", "/v1/me"}, s.cookie).status, 401);
  EXPECT_EQ(audit_count("session.ended"), 1);
}

TEST_P(SessionTest, ABusySessionEndsAtItsAbsoluteLifetime) {
  const SignedIn s = sign_in(Role::kAdmin);
  for (int i = 0; i < 47; ++i) {
    now_ += 10 * kMinute;
    ASSERT_EQ(with_cookie({"GET", "/v1/me"}, s.cookie).status, 200) << i;
  }
  now_ = kNow + 8 * 60 * kMinute;
  EXPECT_EQ(with_cookie({"GET", "/v1/me"}, s.cookie).status, 401);
  EXPECT_EQ(end_reason(), "expired");
}

TEST_P(SessionTest, LogoutEndsTheSessionAndClearsTheCookie) {
  const SignedIn s = sign_in(Role::kAdmin);
  EXPECT_EQ(with_cookie({"POST", "/signin/logout"}, s.cookie).status, 403);  // no CSRF token
  http::Response r =
      with_cookie({"POST", "/signin/logout", "", {{"X-CSRF-Token", s.csrf}}}, s.cookie);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(body_of(r)["logout_url"].is_null());
  EXPECT_THAT(r.headers.find("Set-Cookie")->second, HasSubstr("wasl_session=; "));
  EXPECT_THAT(r.headers.find("Set-Cookie")->second, HasSubstr("Max-Age=0"));
  EXPECT_EQ(end_reason(), "logout");
  EXPECT_EQ(with_cookie({"GET", "/v1/me"}, s.cookie).status, 401);
}

TEST_P(SessionTest, AFacilityThatSignsPeopleInThroughItsProviderRefusesApiKeys) {
  config_.facilities[kFacilityA].console.api_key_sign_in = false;
  http::Response r = sign_in_response(keys_a_.at(Role::kAdmin));
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_THAT(r.body, HasSubstr("identity provider"));
  EXPECT_EQ(r.headers.count("Set-Cookie"), 0u);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM signin_sessions"), 0);
}

TEST_P(SessionTest, ABadKeyOrAForeignOriginSignsNobodyIn) {
  EXPECT_EQ(sign_in_response("wasl_" + std::string(64, '0')).status, 401);
  EXPECT_EQ(sign_in_response(keys_a_.at(Role::kAdmin), {{"Origin", "https://evil.example"}}).status,
            403);
  EXPECT_EQ(send({"POST", "/signin/api-key", "{\"key\": 7}"}, std::nullopt).status, 422);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM signin_sessions"), 0);
}

TEST_P(SessionTest, ARevokedKeyEndsItsSessions) {
  const SignedIn s = sign_in(Role::kAdmin);
  auto me = body_of(with_cookie({"GET", "/v1/session"}, s.cookie));
  {
    auto tx = store_->begin();
    ASSERT_TRUE(keys_.revoke(**tx, me["key_id"].get<std::string>()).ok());
    ASSERT_TRUE((*tx)->commit().ok());
  }
  EXPECT_EQ(with_cookie({"GET", "/v1/me"}, s.cookie).status, 401);
  EXPECT_EQ(end_reason(), "key_revoked");
}

TEST_P(SessionTest, ASuspendedFacilityEndsItsSessions) {
  const SignedIn s = sign_in(Role::kAdmin);
  exec("UPDATE facilities SET status = 'suspended' WHERE id = $1", {std::string(kFacilityA)});
  EXPECT_EQ(with_cookie({"GET", "/v1/me"}, s.cookie).status, 403);
  EXPECT_EQ(end_reason(), "key_revoked");
  EXPECT_EQ(with_cookie({"GET", "/v1/me"}, s.cookie).status, 401);
}

TEST_P(SessionTest, AnotherFacilitysSessionGets404) {
  const std::string id = create_id("a-1");
  const SignedIn own = sign_in(Role::kHospital);
  EXPECT_EQ(with_cookie({"GET", "/v1/consultations/" + id}, own.cookie).status, 200);
  const SignedIn other = sign_in(Role::kHospital, /*facility_b=*/true);
  http::Response r = with_cookie({"GET", "/v1/consultations/" + id}, other.cookie);
  EXPECT_EQ(r.status, 404) << r.body;
  http::Response cancel = with_cookie(
      {"POST", "/v1/consultations/" + id + "/cancel", "{}", {{"X-CSRF-Token", other.csrf}}},
      other.cookie);
  EXPECT_EQ(cancel.status, 404) << cancel.body;
}

TEST_P(SessionTest, TheAuditTrailStillNamesAPurgedSession) {
  const SignedIn s = sign_in(Role::kHospital);
  const std::string ref =
      body_of(with_cookie({"GET", "/v1/session"}, s.cookie)).value("session_ref", "");
  ASSERT_FALSE(ref.empty());
  http::Response created = with_cookie({"POST",
                                        "/v1/consultations",
                                        booking().dump(),
                                        {{"Idempotency-Key", "purged-1"},
                                         {"X-CSRF-Token", s.csrf},
                                         {"Origin", "http://127.0.0.1:8080"}}},
                                       s.cookie);
  ASSERT_EQ(created.status, 201) << created.body;
  ASSERT_EQ(
      with_cookie({"POST", "/signin/logout", "", {{"X-CSRF-Token", s.csrf}}}, s.cookie).status,
      200);
  const std::string by_session = "/v1/audit?session=" + ref;
  http::Response before = send({"GET", by_session}, Role::kAuditor);
  ASSERT_EQ(before.status, 200) << before.body;
  const nlohmann::json items_before = body_of(before)["items"];
  ASSERT_FALSE(items_before.empty());

  // A week and a minute after the logout the purge deletes the session.
  now_ += 7 * 24 * 60 * kMinute + kMinute;
  EXPECT_EQ(sessions_->purge_ended(*store_, now_, 500, 100).value_or(-1), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM signin_sessions"), 0);

  http::Response after = send({"GET", by_session}, Role::kAuditor);
  ASSERT_EQ(after.status, 200) << after.body;
  const nlohmann::json items = body_of(after)["items"];
  EXPECT_EQ(items, items_before);
  bool consultation_created = false;
  for (const auto& item : items) {
    EXPECT_EQ(item["session"], ref) << item.dump();
    if (item["entity_type"] == "consultation") consultation_created = true;
  }
  EXPECT_TRUE(consultation_created) << items.dump();
  EXPECT_EQ(send({"GET", "/v1/audit?actor=" + items[0]["actor"].get<std::string>()}, Role::kAuditor)
                .status,
            200);
  http::Response fhir =
      send({"GET", by_session, "", {{"Accept", "application/fhir+json"}}}, Role::kAuditor);
  ASSERT_EQ(fhir.status, 200) << fhir.body;
  EXPECT_THAT(fhir.body, HasSubstr(ref));
  // The ended cookie stays refused once its row is gone.
  EXPECT_EQ(with_cookie({"GET", "/v1/me"}, s.cookie).status, 401);
}

TEST_P(SessionTest, AnUnknownCookieIs401AndSaysNothingOfWhy) {
  http::Response r = with_cookie({"GET", "/v1/me"}, "not-a-session");
  EXPECT_EQ(r.status, 401);
  EXPECT_THAT(r.body, Not(HasSubstr("not-a-session")));
}

#ifdef WASL_TEST_WITH_WEBHOOKS
// No instance takes webhooks here: the rows under test are stored with
// their facility, so the repair routes' scope is the caller's facility.
class NoWebhookSources final : public webhooks::WebhookSources {
 public:
  sdk::Result<webhooks::WebhookSource> find(std::string_view instance) const override {
    return sdk::Error(sdk::ErrorCode::kNotFound, "no instance " + std::string(instance));
  }
  std::vector<std::string> instances_serving(std::string_view /*facility_id*/) const override {
    return {};
  }
};

// The webhooks' repair routes behind a real http::Server, authenticated as
// hub/app wires them: the console's cookie, else the Bearer key.
class SessionRepairRoutesTest : public SessionTest {
 protected:
  void SetUp() override {
    SessionTest::SetUp();
    if (HasFatalFailure()) return;
    inbox_ = std::make_unique<records::InboxStore>(*cipher_);
    webhook_context_.server = &config_.server;
    webhook_context_.sources = &sources_;
    webhook_context_.store = store_.get();
    webhook_context_.inbox = inbox_.get();
    webhook_context_.audit = audit_.get();
    webhook_context_.authenticate = [this](const http::Request& request) {
      return bearer_or_session_principal(context_, request);
    };
    webhooks::add_webhook_routes(router_, webhook_context_);
    http::ServerSettings settings;
    settings.host = "127.0.0.1";
    settings.port = 0;
    settings.max_threads = 8;
    server_ = std::make_unique<http::Server>(settings, router_, metrics_);
    ASSERT_TRUE(server_->start().ok());
  }
  void TearDown() override {
    if (server_) server_->stop();
    server_.reset();
    SessionTest::TearDown();
  }

  // An unmatched webhook of `facility`.
  void add_unmatched(const std::string& id, const std::string& facility) {
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    records::InboxEntry e;
    e.id = id;
    e.instance = "ehr.fhir";
    e.dedupe_key = "dedupe-" + id;
    e.facility_id = facility;
    e.received_at = kNow;
    e.body = "{}";
    e.event_type = "appointment.updated";
    e.correlation = "Appointment/" + id;
    ASSERT_TRUE(inbox_->insert(**tx, e).ok());
    ASSERT_TRUE(inbox_->mark(**tx, facility, id, records::InboxState::kUnmatched).ok());
    ASSERT_TRUE((*tx)->commit().ok());
  }
  // The first row's text columns of `sql`, empty when none.
  std::vector<std::string> texts(const std::string& sql, const storage::Params& params) {
    auto tx = store_->begin(storage::TxMode::kReadOnly);
    if (!tx.ok()) return {};
    auto rows = (*tx)->query(sql, params);
    EXPECT_TRUE(rows.ok()) << rows.error().message;
    std::vector<std::string> out;
    if (!rows.ok() || rows->empty()) return out;
    for (std::size_t i = 0; i < rows->front().size(); ++i) {
      out.push_back(rows->front().get_text(i).value_or(""));
    }
    return out;
  }
  std::string state_of(const std::string& id) {
    auto row = texts("SELECT state FROM inbox WHERE id = $1", {id});
    return row.empty() ? "" : row.front();
  }

  struct Reply {
    int status = 0;
    std::string body;
  };
  // A request over the wire with the session cookie and `headers`.
  Reply over_http(const std::string& method, const std::string& target, const SignedIn& s,
                  const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    Poco::Net::HTTPClientSession client("127.0.0.1", static_cast<Poco::UInt16>(server_->port()));
    client.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest req(method, target, Poco::Net::HTTPMessage::HTTP_1_1);
    req.set("Cookie", "theme=dark; wasl_session=" + s.cookie);
    for (const auto& [name, value] : headers) req.set(name, value);
    if (method == "POST") req.setContentLength(0);
    client.sendRequest(req);
    Poco::Net::HTTPResponse resp;
    std::istream& in = client.receiveResponse(resp);
    Reply r;
    r.status = resp.getStatus();
    Poco::StreamCopier::copyToString(in, r.body);
    return r;
  }
  Reply replay(const std::string& id, const SignedIn& s,
               const std::vector<std::pair<std::string, std::string>>& headers) {
    return over_http("POST", "/v1/webhooks/unmatched/" + id + "/replay", s, headers);
  }

  NoWebhookSources sources_;
  std::unique_ptr<records::InboxStore> inbox_;
  webhooks::WebhookContext webhook_context_;
  std::unique_ptr<http::Server> server_;
};

TEST_P(SessionRepairRoutesTest, TheCookieListsAndReplaysWithItsCsrfTokenAndOrigin) {
  add_unmatched("wh-a", kFacilityA);
  const SignedIn s = sign_in(Role::kIntegrator);
  Reply list = over_http("GET", "/v1/webhooks/unmatched", s);
  ASSERT_EQ(list.status, 200) << list.body;
  const nlohmann::json items = nlohmann::json::parse(list.body)["items"];
  ASSERT_EQ(items.size(), 1u) << list.body;
  EXPECT_EQ(items[0]["id"], "wh-a");

  const std::vector<std::vector<std::pair<std::string, std::string>>> refused = {
      {},
      {{"Origin", "http://127.0.0.1:8080"}},
      {{"X-CSRF-Token", s.csrf + "x"}, {"Origin", "http://127.0.0.1:8080"}},
      {{"X-CSRF-Token", s.csrf}, {"Origin", "https://evil.example"}},
      {{"X-CSRF-Token", s.csrf}, {"Origin", "null"}},
  };
  for (const auto& headers : refused) {
    Reply r = replay("wh-a", s, headers);
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_EQ(state_of("wh-a"), "unmatched");
  }
  EXPECT_EQ(audit_count("webhook.replayed"), 0);

  Reply r = replay("wh-a", s, {{"X-CSRF-Token", s.csrf}, {"Origin", "http://127.0.0.1:8080"}});
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(state_of("wh-a"), "received");
  // The replay's audit event names the session and its key.
  const std::string ref =
      body_of(with_cookie({"GET", "/v1/session"}, s.cookie)).value("session_ref", "");
  EXPECT_EQ(audit_count("webhook.replayed"), 1);
  auto row = texts("SELECT actor, session_ref FROM audit_events WHERE action = $1",
                   {std::string("webhook.replayed")});
  ASSERT_EQ(row.size(), 2u);
  EXPECT_EQ(row[0].rfind("apikey:", 0), 0u) << row[0];
  EXPECT_EQ(row[1], ref);
}

TEST_P(SessionRepairRoutesTest, AnEndedSessionIs401AndReplaysNothing) {
  add_unmatched("wh-a", kFacilityA);
  const SignedIn s = sign_in(Role::kAdmin);
  ASSERT_EQ(
      with_cookie({"POST", "/signin/logout", "", {{"X-CSRF-Token", s.csrf}}}, s.cookie).status,
      200);
  EXPECT_EQ(over_http("GET", "/v1/webhooks/unmatched", s).status, 401);
  Reply r = replay("wh-a", s, {{"X-CSRF-Token", s.csrf}, {"Origin", "http://127.0.0.1:8080"}});
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(state_of("wh-a"), "unmatched");
  // Idle past its timeout: 401 as well.
  const SignedIn idle = sign_in(Role::kAdmin);
  now_ += 16 * kMinute;
  EXPECT_EQ(replay("wh-a", idle, {{"X-CSRF-Token", idle.csrf}}).status, 401);
  EXPECT_EQ(state_of("wh-a"), "unmatched");
  EXPECT_EQ(audit_count("webhook.replayed"), 0);
}

TEST_P(SessionRepairRoutesTest, AnotherFacilitysSessionGets404) {
  add_unmatched("wh-a", kFacilityA);
  const SignedIn other = sign_in(Role::kIntegrator, /*facility_b=*/true);
  Reply list = over_http("GET", "/v1/webhooks/unmatched", other);
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_TRUE(nlohmann::json::parse(list.body)["items"].empty()) << list.body;
  Reply r =
      replay("wh-a", other, {{"X-CSRF-Token", other.csrf}, {"Origin", "http://127.0.0.1:8080"}});
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(state_of("wh-a"), "unmatched");
  EXPECT_EQ(audit_count("webhook.replayed"), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, SessionRepairRoutesTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         dialect_test_name);
#endif

INSTANTIATE_TEST_SUITE_P(Backends, SessionTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
