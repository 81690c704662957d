// GET /v1/audit: auditors only, their facility only, JSON or FHIR.
#include "hub/api/audit_trail.hpp"

#include <gtest/gtest.h>

#include "hub/api/request_audit.hpp"
#include "tests/unit/api/api_fixture.hpp"

namespace wasl::api::testing {
namespace {

using access::Role;

class AuditTrailTest : public ApiFixture {};

TEST_P(AuditTrailTest, AuditorsSeeTheirFacilitysEvents) {
  const std::string id = create_id("k");
  create_id("kb", true);
  send({"GET", "/v1/consultations/" + id}, Role::kClinician);
  http::Response r =
      send({"GET", "/v1/audit?entity_type=consultation&entity_id=" + id}, Role::kAuditor);
  ASSERT_EQ(r.status, 200) << r.body;
  nlohmann::json page = body_of(r);
  std::vector<std::string> actions;
  for (const auto& e : page["items"]) {
    actions.push_back(e["action"]);
    EXPECT_EQ(e["facility_id"], kFacilityA);
  }
  EXPECT_EQ(actions, (std::vector<std::string>{"consultation.create", "consultation.read"}));
  nlohmann::json b = body_of(send({"GET", "/v1/audit?entity_id=" + id}, Role::kAuditor, true));
  EXPECT_TRUE(b["items"].empty()) << "facility B's auditor sees none of A's events";
  EXPECT_GE(audit_count("audit.read"), 2);
}

TEST_P(AuditTrailTest, PagesAndFhirBundles) {
  for (int i = 0; i < 3; ++i) create_id("k" + std::to_string(i), false, booking(std::to_string(i)));
  nlohmann::json p1 =
      body_of(send({"GET", "/v1/audit?action=consultation.create&limit=2"}, Role::kAuditor));
  ASSERT_EQ(p1["items"].size(), 2u);
  ASSERT_TRUE(p1["next_cursor"].is_string());
  http::Response fhir = send({"GET",
                              "/v1/audit?action=consultation.create&limit=2",
                              "",
                              {{"Accept", "application/fhir+json"}}},
                             Role::kAuditor);
  ASSERT_EQ(fhir.status, 200);
  EXPECT_EQ(fhir.headers.find("Content-Type")->second, "application/fhir+json");
  nlohmann::json bundle = body_of(fhir);
  EXPECT_EQ(bundle["resourceType"], "Bundle");
  EXPECT_EQ(bundle["entry"].size(), 2u);
  EXPECT_EQ(bundle["entry"][0]["resource"]["resourceType"], "AuditEvent");
  std::string next;
  for (const auto& link : bundle.value("link", nlohmann::json::array())) {
    if (link["relation"] == "next") next = link["url"];
  }
  EXPECT_NE(next.find("cursor="), std::string::npos) << bundle.dump();
  EXPECT_NE(next.find("limit=2"), std::string::npos);
}

TEST_P(AuditTrailTest, OnlyAuditorsAndGoodParameters) {
  for (Role role : {Role::kAdmin, Role::kIntegrator, Role::kHospital, Role::kClinician}) {
    EXPECT_EQ(send({"GET", "/v1/audit"}, role).status, 403);
  }
  for (const std::string q : {"limit=0", "limit=1001", "from=x", "cursor=zzz", "colour=red"}) {
    EXPECT_EQ(send({"GET", "/v1/audit?" + q}, Role::kAuditor).status, 400) << q;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, AuditTrailTest, ::testing::Values(storage::Dialect::kSqlite),
                         dialect_test_name);

const std::string kHala = "psn_0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a";
const std::string kOmar = "psn_0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b";
const std::string kHalaSession = "ses_111111111111111111111111";
const std::string kOmarSession = "ses_222222222222222222222222";

// Requests made by people signed in to the console: the trail names the
// person and the session, and the page names the person through the
// resolver the sign-in records provide.
class AuditTrailPersonTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    if (HasFatalFailure()) return;
    // Only Hala is known to the resolver (Omar's record is gone).
    context_.person_names = [this](storage::Transaction& tx, const std::vector<std::string>& ids)
        -> sdk::Result<std::map<std::string, std::string>> {
      asked_.push_back(ids);
      if (resolver_error_) return *resolver_error_;
      // The resolver reads in the handler's open transaction.
      WASL_RETURN_IF_ERROR(tx.query("SELECT COUNT(*) FROM facilities"));
      std::map<std::string, std::string> names;
      for (const auto& id : ids) {
        if (id == kHala) names[id] = kHalaName;
      }
      return names;
    };
  }

  // What a handler does for a request of a signed-in person: its event, in
  // its own transaction.
  void person_request(const std::string& person_id, const std::string& session,
                      const std::string& facility, const std::string& entity_id) {
    access::Principal principal;
    principal.facility_id = facility;
    principal.role = access::Role::kClinician;
    principal.person = access::Person{person_id, "never stored"};
    principal.session_ref = session;
    http::Request request;
    request.method = "GET";
    request.path = "/v1/consultations/" + entity_id;
    request.request_id = "req-person-" + entity_id;
    request.remote_address = "10.1.2.3:5000";
    audit::AuditEvent event =
        request_event(request, principal, "consultation.read", "consultation", entity_id);
    EXPECT_EQ(event.actor, "person:" + person_id);
    EXPECT_EQ(event.session, session);
    // What the claims stores are given to audit a change on the request's behalf.
    audit::AuditActor by = request_actor(principal);
    EXPECT_EQ(by.actor, "person:" + person_id);
    EXPECT_EQ(by.session, session);
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    auto failed = commit_audited(*audit_, request, **tx, event);
    ASSERT_FALSE(failed.has_value()) << failed->body;
  }

  nlohmann::json page(const std::string& query, bool facility_b = false) {
    http::Response r = send({"GET", "/v1/audit?" + query}, Role::kAuditor, facility_b);
    EXPECT_EQ(r.status, 200) << r.body;
    return body_of(r);
  }

  // The items of a page other than the audit.read events of earlier pages.
  static std::vector<nlohmann::json> reads(const nlohmann::json& page) {
    std::vector<nlohmann::json> out;
    for (const auto& e : page["items"]) {
      if (e["action"] != "audit.read") out.push_back(e);
    }
    return out;
  }

  const std::string kHalaName = "د. هالة القحطاني";
  std::vector<std::vector<std::string>> asked_;
  std::optional<sdk::Error> resolver_error_;
};

TEST_P(AuditTrailPersonTest, ListsThePersonTheirSessionAndTheirName) {
  person_request(kHala, kHalaSession, kFacilityA, "c-1");
  person_request(kOmar, kOmarSession, kFacilityA, "c-2");
  person_request(kHala, kHalaSession, kFacilityA, "c-3");
  send({"GET", "/v1/consultations?limit=1"}, Role::kClinician);  // a bearer key's request

  auto items = reads(page("entity_type=consultation&action=consultation.read"));
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0]["actor"], "person:" + kHala);
  EXPECT_EQ(items[0]["session"], kHalaSession);
  EXPECT_EQ(items[0]["actor_name"], kHalaName);
  EXPECT_EQ(items[0]["entity_id"], "c-1");
  EXPECT_EQ(items[1]["actor"], "person:" + kOmar);
  EXPECT_EQ(items[1]["session"], kOmarSession);
  EXPECT_TRUE(items[1]["actor_name"].is_null()) << "unknown to the resolver: no name";
  EXPECT_EQ(items[2]["actor_name"], kHalaName);
  // The page's distinct people, asked for once.
  ASSERT_EQ(asked_.size(), 1u);
  EXPECT_EQ(asked_[0], (std::vector<std::string>{kHala, kOmar}));

  // The bearer key's own events: no session, no name.
  auto list = reads(page("action=consultation.list"));
  ASSERT_EQ(list.size(), 1u);
  EXPECT_TRUE(list[0]["actor"].get<std::string>().starts_with("apikey:"));
  EXPECT_TRUE(list[0]["session"].is_null());
  EXPECT_FALSE(list[0].contains("actor_name"));
  // The name is read when served, never written to the trail.
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE detail LIKE $1 OR actor LIKE $1",
                   {"%" + kHalaName + "%"}),
            0);
}

TEST_P(AuditTrailPersonTest, FiltersByActorAndBySession) {
  person_request(kHala, kHalaSession, kFacilityA, "c-1");
  person_request(kOmar, kOmarSession, kFacilityA, "c-2");
  person_request(kHala, "ses_333333333333333333333333", kFacilityA, "c-3");

  auto by_actor = reads(page("actor=person:" + kHala));
  ASSERT_EQ(by_actor.size(), 2u);
  EXPECT_EQ(by_actor[0]["entity_id"], "c-1");
  EXPECT_EQ(by_actor[1]["entity_id"], "c-3");

  auto by_session = reads(page("session=" + kHalaSession));
  ASSERT_EQ(by_session.size(), 1u);
  EXPECT_EQ(by_session[0]["entity_id"], "c-1");
  EXPECT_EQ(by_session[0]["actor_name"], kHalaName);

  auto both = reads(page("actor=person:" + kOmar + "&session=" + kHalaSession));
  EXPECT_TRUE(both.empty());
  EXPECT_EQ(send({"GET", "/v1/audit?session=" + std::string(300, 's')}, Role::kAuditor).status,
            400);
}

TEST_P(AuditTrailPersonTest, AnotherFacilitysKeySeesNoneOfThem) {
  person_request(kHala, kHalaSession, kFacilityA, "c-1");
  person_request(kOmar, kOmarSession, kFacilityA, "c-2");
  for (const std::string& q :
       {"actor=person:" + kHala, "session=" + kHalaSession, std::string("entity_type=consultation"),
        std::string("limit=1000")}) {
    auto items = page(q, /*facility_b=*/true)["items"];
    for (const auto& e : items) {
      EXPECT_EQ(e["facility_id"], kFacilityB) << q;
      EXPECT_NE(e["actor"], "person:" + kHala) << q;
      EXPECT_NE(e["actor"], "person:" + kOmar) << q;
    }
    EXPECT_EQ(reads(page(q, true)).size(), 0u) << q;
  }
  // B's pages named nobody, so nobody's name was looked up.
  EXPECT_TRUE(asked_.empty());
}

TEST_P(AuditTrailPersonTest, FhirAgentIsThePersonWithTheirName) {
  person_request(kHala, kHalaSession, kFacilityA, "c-1");
  http::Response r =
      send({"GET", "/v1/audit?actor=person:" + kHala, "", {{"Accept", "application/fhir+json"}}},
           Role::kAuditor);
  ASSERT_EQ(r.status, 200) << r.body;
  nlohmann::json bundle = body_of(r);
  ASSERT_EQ(bundle["entry"].size(), 1u);
  const nlohmann::json& event = bundle["entry"][0]["resource"];
  EXPECT_EQ(event["agent"][0]["who"]["identifier"]["system"], "urn:wasl:person");
  EXPECT_EQ(event["agent"][0]["who"]["identifier"]["value"], kHala);
  EXPECT_EQ(event["agent"][0]["who"]["display"], kHalaName);
  bool has_session = false;
  for (const auto& d : event["entity"][0]["detail"]) {
    if (d["type"] == "session") has_session = d["valueString"] == kHalaSession;
  }
  EXPECT_TRUE(has_session) << event.dump();
}

TEST_P(AuditTrailPersonTest, ResolverFailureAnswersTheErrorAndAuditsNothing) {
  person_request(kHala, kHalaSession, kFacilityA, "c-1");
  const std::int64_t reads_before = audit_count("audit.read");
  resolver_error_ = sdk::Error(sdk::ErrorCode::kUnavailable, "database unavailable", true);
  http::Response r = send({"GET", "/v1/audit?actor=person:" + kHala}, Role::kAuditor);
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(audit_count("audit.read"), reads_before);
  // Without a resolver the page is served without names.
  context_.person_names = nullptr;
  auto items = reads(page("actor=person:" + kHala));
  ASSERT_EQ(items.size(), 1u);
  EXPECT_TRUE(items[0]["actor_name"].is_null());
}

INSTANTIATE_TEST_SUITE_P(Backends, AuditTrailPersonTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
