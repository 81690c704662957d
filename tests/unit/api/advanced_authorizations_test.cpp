// GET /v1/advanced-authorizations and /{id}: the payer's advanced
// authorizations of the caller's facility, found by patient identifier and
// coverage member id through their blind index, each read audited; another
// facility's key finds none of them; on both backends.
#include "hub/api/advanced_authorizations.hpp"

#include <gtest/gtest.h>

#include "hub/claims/advanced_authorization_store.hpp"
#include "tests/unit/api/api_fixture.hpp"

namespace wasl::api::testing {
namespace {

using access::Role;
using nlohmann::json;

class AdvancedAuthorizationsTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    if (HasFatalFailure()) return;
    add("aa-1", kFacilityA, "AA-1", "2098765432", "M-10001", 1000);
    add("aa-2", kFacilityA, "AA-2", "2098765432", "M-20002", 2000);
    add("aa-3", kFacilityA, "AA-3", "1034567890", "M-10001", 3000);
    add("aa-b", kFacilityB, "AA-B", "2098765432", "M-10001", 4000);
  }

  // Stores an authorization of `facility` for the patient of national id
  // `patient` and the coverage of member id `member`.
  void add(const std::string& id, const std::string& facility, const std::string& ref,
           const std::string& patient, const std::string& member, std::int64_t received_at) {
    claims::AdvancedAuthorizationRow a;
    a.id = id;
    a.facility_id = facility;
    a.billing_message_id = "bm-" + id;
    a.response_system = "http://payer.example/advanced-authorization";
    a.response_id = ref;
    a.pre_auth_ref = ref;
    a.period_start = "2026-12-01";
    a.period_end = "2026-12-31";
    a.patient_identifiers = {{"http://nphies.sa/identifier/nationalid", patient}};
    a.member_id = member;
    a.received_at = received_at;
    claims::AdvancedAuthorizationStore authorizations(*cipher_, *audit_);
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    auto inserted = authorizations.insert(**tx, a, "system");
    ASSERT_TRUE(inserted.ok()) << inserted.error().message;
    ASSERT_TRUE(*inserted);
    ASSERT_TRUE((*tx)->commit().ok());
  }

  std::vector<std::string> ids(const std::string& target, bool facility_b = false) {
    http::Response r = send({"GET", target}, Role::kIntegrator, facility_b);
    EXPECT_EQ(r.status, 200) << r.body;
    std::vector<std::string> out;
    const json body = body_of(r);
    for (const json& a : body["items"]) out.push_back(a.value("id", ""));
    return out;
  }
};

TEST_P(AdvancedAuthorizationsTest, AreFoundByPatientAndCoverageNewestFirst) {
  using Ids = std::vector<std::string>;
  EXPECT_EQ(ids("/v1/advanced-authorizations"), (Ids{"aa-3", "aa-2", "aa-1"}));
  EXPECT_EQ(ids("/v1/advanced-authorizations?patient=2098765432"), (Ids{"aa-2", "aa-1"}));
  // The identifier written another way is the same patient.
  EXPECT_EQ(ids("/v1/advanced-authorizations?patient=209-876-5432"), (Ids{"aa-2", "aa-1"}));
  EXPECT_EQ(ids("/v1/advanced-authorizations?coverage=M-10001"), (Ids{"aa-3", "aa-1"}));
  EXPECT_EQ(ids("/v1/advanced-authorizations?coverage=m-10001"), (Ids{"aa-3", "aa-1"}));
  EXPECT_EQ(ids("/v1/advanced-authorizations?patient=2098765432&coverage=M-10001"), (Ids{"aa-1"}));
  EXPECT_EQ(ids("/v1/advanced-authorizations?patient=1111111111"), Ids{});
  EXPECT_EQ(ids("/v1/advanced-authorizations?coverage=M-99999&limit=1"), Ids{});
  EXPECT_EQ(ids("/v1/advanced-authorizations?limit=1"), (Ids{"aa-3"}));

  http::Response r = send({"GET", "/v1/advanced-authorizations?coverage=M-20002"});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(
      body_of(r)["items"][0],
      (json{{"id", "aa-2"},
            {"pre_auth_ref", "AA-2"},
            {"response_system", "http://payer.example/advanced-authorization"},
            {"response_id", "AA-2"},
            {"period_start", "2026-12-01"},
            {"period_end", "2026-12-31"},
            {"patient_identifiers",
             {{{"system", "http://nphies.sa/identifier/nationalid"}, {"value", "2098765432"}}}},
            {"member_id", "M-20002"},
            {"billing_message_id", "bm-aa-2"},
            {"received_at", "1970-01-01T00:00:02.000Z"}}));
  // The PHI is encrypted at rest.
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM advanced_authorizations WHERE "
                   "CAST(patient_enc AS TEXT) LIKE '%2098765432%' OR "
                   "CAST(member_enc AS TEXT) LIKE '%M-10001%' OR "
                   "patient_index LIKE '%2098765432%'"),
            0);

  // Every read is audited.
  EXPECT_EQ(audit_count("advanced_authorization.list"), 10);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = "
                   "'advanced_authorization.list' AND detail LIKE '%\"count\":2%'"),
            4);

  // Bad input is a problem naming the parameter.
  for (const char* bad :
       {"/v1/advanced-authorizations?patient=", "/v1/advanced-authorizations?limit=0",
        "/v1/advanced-authorizations?limit=201", "/v1/advanced-authorizations?member=M-1",
        "/v1/advanced-authorizations?coverage=0123456789012345678901234567890123456789"
        "012345678901234567890123456789"}) {
    http::Response refused = send({"GET", bad});
    EXPECT_EQ(refused.status, 400) << bad;
    auto type = refused.headers.find("Content-Type");
    ASSERT_NE(type, refused.headers.end()) << bad;
    EXPECT_EQ(type->second, "application/problem+json") << bad;
  }
  EXPECT_EQ(send({"GET", "/v1/advanced-authorizations"}, Role::kHospital).status, 403);
  EXPECT_EQ(send({"GET", "/v1/advanced-authorizations"}, Role::kClinician).status, 403);
  EXPECT_EQ(send({"GET", "/v1/advanced-authorizations"}, std::nullopt).status, 401);
}

TEST_P(AdvancedAuthorizationsTest, AnotherFacilitysKeyFindsNone) {
  using Ids = std::vector<std::string>;
  EXPECT_EQ(ids("/v1/advanced-authorizations", true), (Ids{"aa-b"}));
  EXPECT_EQ(ids("/v1/advanced-authorizations?patient=1034567890", true), Ids{});
  EXPECT_EQ(ids("/v1/advanced-authorizations?coverage=M-20002", true), Ids{});

  http::Response mine = send({"GET", "/v1/advanced-authorizations/aa-1"}, Role::kIntegrator);
  ASSERT_EQ(mine.status, 200) << mine.body;
  EXPECT_EQ(body_of(mine)["pre_auth_ref"], "AA-1");
  EXPECT_EQ(body_of(mine)["member_id"], "M-10001");
  EXPECT_EQ(audit_count("advanced_authorization.read"), 1);

  http::Response theirs = send({"GET", "/v1/advanced-authorizations/aa-1"}, Role::kAdmin, true);
  EXPECT_EQ(theirs.status, 404) << theirs.body;
  EXPECT_EQ(body_of(theirs)["detail"], "No advanced authorization with this id exists.");
  EXPECT_EQ(send({"GET", "/v1/advanced-authorizations/nope"}).status, 404);
  EXPECT_EQ(audit_count("advanced_authorization.read"), 1);
  EXPECT_EQ(send({"GET", "/v1/advanced-authorizations/aa-1"}, Role::kHospital).status, 403);
}

INSTANTIATE_TEST_SUITE_P(Backends, AdvancedAuthorizationsTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
