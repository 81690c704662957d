// Payments: the reconciliations the poll recorded (the real router, from
// polled messages), listed, read and exported as CSV, with roles and
// facility isolation, on both backends.
#include "hub/api/payments.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "hub/claims/claim_poll.hpp"
#include "hub/claims/claim_store.hpp"
#include "hub/claims/polled_message_router.hpp"
#include "plugins/moh/tests/csv_rows.hpp"
#include "tests/unit/api/api_fixture.hpp"
#include "wasl/sdk/timestamp.hpp"

namespace wasl::api::testing {
namespace {

using access::Role;
using plugins::moh::testing::csv_rows;
using Rows = std::vector<std::vector<std::string>>;

// Midnight of `date` in Saudi Arabia, as the exchange dates.
std::int64_t saudi(const std::string& date) {
  return *sdk::parse_iso8601(date + "T00:00:00+03:00");
}

class PaymentsTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    if (HasFatalFailure()) return;
    deps_.store = store_.get();
    deps_.cipher = cipher_.get();
    deps_.audit = audit_.get();
    // Claims the payer approved (benefit in halalas), each sent with the
    // key "key-<id>".
    struct Approved {
      const char* facility;
      const char* consultation;
      const char* claim;
      std::int64_t benefit;
    };
    const std::vector<Approved> approved = {{kFacilityA, "c-a", "claim-1", 15000},
                                            {kFacilityA, "c-a", "claim-2", 20000},
                                            {kFacilityA, "c-a2", "claim-3", 30000},
                                            {kFacilityB, "c-b", "claim-b", 10000}};
    records::ConsultationStore consultations(*cipher_);
    claims::ClaimStore claims(*cipher_, *audit_);
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    for (const Approved& a : approved) {
      domain::Consultation visit;
      visit.id = a.consultation;
      visit.facility_id = a.facility;
      visit.workflow_name = "consultation";
      visit.created_at = visit.updated_at = kNow;
      if (!records::ConsultationStore::exists(**tx, a.facility, a.consultation).value_or(true)) {
        ASSERT_TRUE(consultations.insert(**tx, visit).ok());
      }
      domain::Claim claim;
      claim.id = a.claim;
      claim.consultation_id = a.consultation;
      claim.facility_id = a.facility;
      claim.request = "{}";
      claim.created_at = kNow;
      ASSERT_TRUE(claims.create(**tx, claim, {}).ok());
      claims::ClaimSubmission answer;
      answer.state = domain::ClaimState::kApproved;
      answer.response = "{}";
      answer.at_ms = kNow;
      answer.amounts = domain::ClaimAmounts{"SAR", a.benefit, a.benefit};
      answer.request_key = std::string("key-") + a.claim;
      ASSERT_TRUE(claims.record_submission(**tx, a.facility, a.claim, answer, {}).ok());
    }
    ASSERT_TRUE((*tx)->commit().ok());
  }

  // The exchange's payment reconciliation `id`, dated `date`, taken from
  // the poll queue of `facility` at `at_ms` as the poll does.
  void reconcile(const std::string& facility, const std::string& id, const std::string& date,
                 const std::vector<nlohmann::json>& details, std::int64_t at_ms) {
    nlohmann::json message = {{"event", "payment-reconciliation"},
                              {"message_id", "msg-" + id},
                              {"payment",
                               {{"reconciliation_system", "http://payer.example/reconciliation"},
                                {"reconciliation_id", id},
                                {"payment_id", "TRF-" + id},
                                {"payment_date_ms", saudi(date)},
                                {"payment_amount", 1.0},
                                {"currency", "SAR"},
                                {"details", details}}}};
    auto taken = claims::take_polled_message(deps_, facility, message.get<sdk::PolledMessage>(),
                                             at_ms, "system");
    ASSERT_TRUE(taken.ok()) << taken.error().message;
    ASSERT_EQ(taken->state, claims::BillingMessageState::kRecorded) << id;
    ASSERT_TRUE(taken->stored) << id;
  }

  static nlohmann::json detail(const std::string& claim, const std::string& type, double amount,
                               double early_fee = 0, double nphies_fee = 0) {
    return {{"claim_request_id", "key-" + claim},
            {"type", type},
            {"amount", amount},
            {"early_fee", early_fee},
            {"nphies_fee", nphies_fee}};
  }

  // December's payments of facility A (PR-1 and PR-2), one of January, and
  // one of facility B's in December.
  void reconcile_december() {
    reconcile(kFacilityA, "PR-1", "2026-12-01",
              {detail("claim-1", "payment", 150, 0, 1.5), detail("claim-2", "payment", 200, 2),
               detail("claim-3", "payment", 100)},
              kNow + 1);
    reconcile(kFacilityA, "PR-2", "2026-12-15",
              {detail("claim-3", "payment", 250), detail("claim-3", "adjustment", -50)}, kNow + 2);
    reconcile(kFacilityA, "PR-3", "2027-01-02", {detail("claim-1", "adjustment", -0.05)}, kNow + 3);
    reconcile(kFacilityB, "PR-B", "2026-12-10", {detail("claim-b", "payment", 100)}, kNow + 4);
  }

  claims::ClaimPollDeps deps_;
};

TEST_P(PaymentsTest, ListsAndReadsTheFacilitysPaymentsWithTheirLines) {
  reconcile_december();
  http::Response r = send({"GET", "/v1/payments"}, Role::kIntegrator);
  ASSERT_EQ(r.status, 200) << r.body;
  nlohmann::json items = body_of(r)["items"];
  ASSERT_EQ(items.size(), 3u) << r.body;  // facility B's is not A's to see
  EXPECT_TRUE(body_of(r)["next_cursor"].is_null());
  const nlohmann::json& first = items[0];  // oldest first, as recorded
  EXPECT_EQ(first["reconciliation_id"], "PR-1");
  EXPECT_EQ(first["payment_identifier"], "TRF-PR-1");
  EXPECT_EQ(first["payment_date"], "2026-12-01");
  EXPECT_EQ(first["currency"], "SAR");
  EXPECT_EQ(first["received_at"], iso(kNow + 1));
  ASSERT_EQ(first["lines"].size(), 3u);
  EXPECT_EQ(first["lines"][0], (nlohmann::json{{"claim_id", "claim-1"},
                                               {"consultation_id", "c-a"},
                                               {"type", "payment"},
                                               {"amount", 150.0},
                                               {"early_fee", 0.0},
                                               {"nphies_fee", 1.5},
                                               {"date", nullptr}}));
  EXPECT_EQ(first["lines"][2]["consultation_id"], "c-a2");
  EXPECT_EQ(items[1]["lines"][1]["amount"], -50.0);
  EXPECT_EQ(items[2]["reconciliation_id"], "PR-3");
  EXPECT_EQ(audit_count("payment.list"), 1);

  // The claims they paid: claim-3 in two payments, claim-1 adjusted below
  // its benefit in January.
  http::Response paid = send({"GET", "/v1/claims?state=paid"}, Role::kHospital);
  ASSERT_EQ(paid.status, 200) << paid.body;
  ASSERT_EQ(body_of(paid)["items"].size(), 2u) << paid.body;
  EXPECT_EQ(body_of(paid)["items"][0]["id"], "claim-2");
  EXPECT_EQ(body_of(paid)["items"][1]["id"], "claim-3");
  http::Response partly = send({"GET", "/v1/claims?state=partially_paid"}, Role::kHospital);
  ASSERT_EQ(body_of(partly)["items"].size(), 1u) << partly.body;
  EXPECT_EQ(body_of(partly)["items"][0]["id"], "claim-1");

  // Pages, and the window of when they were recorded.
  http::Response page = send({"GET", "/v1/payments?limit=2"}, Role::kHospital);
  ASSERT_EQ(page.status, 200) << page.body;
  ASSERT_EQ(body_of(page)["items"].size(), 2u);
  const std::string cursor = body_of(page)["next_cursor"].get<std::string>();
  http::Response rest = send({"GET", "/v1/payments?limit=2&cursor=" + cursor}, Role::kHospital);
  ASSERT_EQ(body_of(rest)["items"].size(), 1u) << rest.body;
  EXPECT_EQ(body_of(rest)["items"][0]["reconciliation_id"], "PR-3");
  http::Response window =
      send({"GET", "/v1/payments?since=" + iso(kNow + 2) + "&until=" + iso(kNow + 3)});
  ASSERT_EQ(body_of(window)["items"].size(), 1u) << window.body;
  EXPECT_EQ(body_of(window)["items"][0]["reconciliation_id"], "PR-2");

  // One read, and another facility's key, to which A's payments are missing.
  const std::string id = first["id"].get<std::string>();
  http::Response one = send({"GET", "/v1/payments/" + id}, Role::kHospital);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(body_of(one), first);
  EXPECT_EQ(audit_count("payment.read"), 1);
  http::Response other = send({"GET", "/v1/payments/" + id}, Role::kAdmin, /*facility_b=*/true);
  EXPECT_EQ(other.status, 404) << other.body;
  EXPECT_EQ(body_of(other)["detail"], "No payment with this id exists.");
  EXPECT_EQ(other.body.find("PR-1"), std::string::npos);
  http::Response arabic = send({"GET", "/v1/payments/nope", "", {{"Accept-Language", "ar"}}});
  EXPECT_EQ(arabic.status, 404);
  EXPECT_EQ(body_of(arabic)["detail"], "لا توجد دفعة بهذا المعرّف.");
  http::Response theirs = send({"GET", "/v1/payments"}, Role::kAdmin, /*facility_b=*/true);
  ASSERT_EQ(theirs.status, 200) << theirs.body;
  ASSERT_EQ(body_of(theirs)["items"].size(), 1u);
  EXPECT_EQ(body_of(theirs)["items"][0]["reconciliation_id"], "PR-B");

  for (const char* bad : {"/v1/payments?since=yesterday", "/v1/payments?limit=0",
                          "/v1/payments?cursor=zz", "/v1/payments?colour=red"}) {
    http::Response b = send({"GET", bad});
    EXPECT_EQ(b.status, 400) << bad << " " << b.body;
  }
  http::Response backwards =
      send({"GET", "/v1/payments?since=" + iso(kNow + 3) + "&until=" + iso(kNow + 2)});
  EXPECT_EQ(backwards.status, 400) << backwards.body;
  EXPECT_EQ(send({"GET", "/v1/payments"}, Role::kClinician).status, 403);
  EXPECT_EQ(send({"GET", "/v1/payments/" + id}, Role::kAuditor).status, 403);
  EXPECT_EQ(send({"GET", "/v1/payments"}, std::nullopt).status, 401);
}

// The export of December holds exactly December's lines of the facility, in
// payment-date order, amounts as decimals; a text cell that a spreadsheet
// would run as a formula is neutralised.
TEST_P(PaymentsTest, TheExportMatchesThePeriodsLines) {
  reconcile_december();
  reconcile(kFacilityA, "=SUM(A1,A2)", "2026-12-31", {detail("claim-2", "adjustment", -0.5)},
            kNow + 5);
  http::Response r =
      send({"GET", "/v1/payments/export.csv?from=2026-12-01&to=2026-12-31"}, Role::kHospital);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.find("Content-Type")->second, "text/csv; charset=utf-8");
  EXPECT_EQ(r.headers.find("Content-Disposition")->second,
            "attachment; filename=\"payments-2026-12-01-2026-12-31.csv\"");
  const Rows expected = {
      {"payment_date", "reconciliation_id", "payment_identifier", "claim_id", "consultation_id",
       "type", "amount", "early_fee", "nphies_fee", "currency"},
      {"2026-12-01", "PR-1", "TRF-PR-1", "claim-1", "c-a", "payment", "150.00", "0.00", "1.50",
       "SAR"},
      {"2026-12-01", "PR-1", "TRF-PR-1", "claim-2", "c-a", "payment", "200.00", "2.00", "0.00",
       "SAR"},
      {"2026-12-01", "PR-1", "TRF-PR-1", "claim-3", "c-a2", "payment", "100.00", "0.00", "0.00",
       "SAR"},
      {"2026-12-15", "PR-2", "TRF-PR-2", "claim-3", "c-a2", "payment", "250.00", "0.00", "0.00",
       "SAR"},
      {"2026-12-15", "PR-2", "TRF-PR-2", "claim-3", "c-a2", "adjustment", "-50.00", "0.00", "0.00",
       "SAR"},
      {"2026-12-31", "'=SUM(A1,A2)", "TRF-=SUM(A1,A2)", "claim-2", "c-a", "adjustment", "-0.50",
       "0.00", "0.00", "SAR"}};
  EXPECT_EQ(csv_rows(r.body), expected) << r.body;
  EXPECT_NE(r.body.find("\"'=SUM(A1,A2)\""), std::string::npos) << r.body;
  EXPECT_EQ(audit_count("payment.export"), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'payment.export' AND "
                   "detail LIKE '%\"count\":3%'"),
            1);

  // One day; and another facility's export of the same period.
  http::Response day =
      send({"GET", "/v1/payments/export.csv?from=2026-12-15&to=2026-12-15"}, Role::kIntegrator);
  ASSERT_EQ(day.status, 200) << day.body;
  EXPECT_EQ(csv_rows(day.body), (Rows{expected[0], expected[4], expected[5]}));
  http::Response theirs =
      send({"GET", "/v1/payments/export.csv?from=2026-12-01&to=2026-12-31"}, Role::kAdmin, true);
  ASSERT_EQ(theirs.status, 200) << theirs.body;
  EXPECT_EQ(csv_rows(theirs.body), (Rows{expected[0],
                                         {"2026-12-10", "PR-B", "TRF-PR-B", "claim-b", "c-b",
                                          "payment", "100.00", "0.00", "0.00", "SAR"}}));
  http::Response none =
      send({"GET", "/v1/payments/export.csv?from=2025-01-01&to=2025-12-31"}, Role::kAdmin);
  ASSERT_EQ(none.status, 200);
  EXPECT_EQ(csv_rows(none.body), (Rows{expected[0]}));

  for (const char* bad : {"/v1/payments/export.csv?from=2026-12-01",
                          "/v1/payments/export.csv?from=2026-13-01&to=2026-12-31",
                          "/v1/payments/export.csv?from=2026-12-01T00:00:00Z&to=2026-12-31",
                          "/v1/payments/export.csv?from=2026-12-31&to=2026-12-01",
                          "/v1/payments/export.csv?from=2026-01-01&to=2027-01-02",
                          "/v1/payments/export.csv?from=2026-12-01&to=2026-12-31&claim=x"}) {
    http::Response b = send({"GET", bad});
    EXPECT_EQ(b.status, 400) << bad << " " << b.body;
    EXPECT_EQ(b.headers.find("Content-Type")->second, "application/problem+json");
  }
  EXPECT_EQ(send({"GET", "/v1/payments/export.csv?from=2026-01-01&to=2027-01-01"}).status, 200);
  EXPECT_EQ(send({"GET", "/v1/payments/export.csv?from=2026-12-01&to=2026-12-31"}, Role::kClinician)
                .status,
            403);
  EXPECT_EQ(audit_count("payment.export"), 5);
}

INSTANTIATE_TEST_SUITE_P(Backends, PaymentsTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
