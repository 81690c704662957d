// Prescriptions through the router, on SQLite and PostgreSQL: the role
// matrix of every route, the facility's code system and block list (422
// naming the rule), signing by the author, cancellation with a reason that
// keeps the prescription, the details encrypted in the database and every
// read and write audited.
#include "hub/api/prescriptions.hpp"

#include <gtest/gtest.h>

#include "tests/unit/api/clinical_fixture.hpp"

namespace wasl::api::testing {
namespace {

using access::Role;

constexpr const char* kAtc = "http://www.whocc.no/atc";

class PrescriptionsTest : public ClinicalFixture {
 protected:
  void SetUp() override {
    ClinicalFixture::SetUp();
    if (HasFatalFailure()) return;
    config_.facilities[kFacilityA].clinical.medication_system = kAtc;
    config_.facilities[kFacilityA].clinical.blocked_medications = {"N02AA01", "N05BA01"};
    config_.facilities[kFacilityB].clinical.medication_system = kAtc;
  }

  std::string path(const std::string& suffix = "") {
    return "/v1/consultations/" + consultation_ + "/prescriptions" + suffix;
  }

  static nlohmann::json rx(const std::string& code = "N02BE01",
                           const std::string& instructions = "قرص كل ثماني ساعات بعد الأكل") {
    return {{"language", "ar"},
            {"medication", {{"code", code}, {"system", kAtc}, {"text", "Paracetamol 500 mg"}}},
            {"dose", "500 mg"},
            {"route", "oral"},
            {"frequency", "every 8 hours"},
            {"duration", "5 days"},
            {"quantity", {{"value", 15}, {"unit", "tablet"}}},
            {"refills", 1},
            {"instructions", instructions}};
  }

  std::string create_rx(const Caller& as = kClinicianCaller, const nlohmann::json& body = rx()) {
    http::Response r = call("POST", path(), as, body);
    EXPECT_EQ(r.status, 201) << r.body;
    return body_of(r).value("id", std::string());
  }

  static nlohmann::json reason(const std::string& why = "Patient reports an allergy") {
    return {{"reason", why}};
  }
};

TEST_P(PrescriptionsTest, PrescribingIsForTheFacilitysClinicians) {
  http::Response created = call("POST", path(), kClinicianCaller, rx());
  ASSERT_EQ(created.status, 201) << created.body;
  nlohmann::json p = body_of(created);
  EXPECT_EQ(p["status"], "draft");
  EXPECT_EQ(p["medication"]["system"], kAtc);
  EXPECT_EQ(p["medication"]["code"], "N02BE01");
  EXPECT_EQ(p["medication"]["text"], "Paracetamol 500 mg");
  EXPECT_EQ(p["quantity"]["value"], 15);
  EXPECT_EQ(p["refills"], 1);
  EXPECT_EQ(p["instructions"], "قرص كل ثماني ساعات بعد الأكل");
  EXPECT_EQ(created.headers.find("Location")->second, path("/" + p["id"].get<std::string>()));
  EXPECT_EQ(call("POST", path(), kOtherClinicianCaller, rx()).status, 201);
  for (const Caller& as : {kHospitalCaller, kIntegratorCaller, kAdminCaller, kAuditorCaller}) {
    http::Response r = call("POST", path(), as, rx());
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_TRUE(is_problem(r));
  }
  EXPECT_EQ(call("POST", path(), kOtherFacilityClinician, rx()).status, 404);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM prescriptions"), 2);
  EXPECT_EQ(audit_count("prescription.create"), 2);
}

TEST_P(PrescriptionsTest, ReadersSeeTheDetailsOrOnlyThatThePrescriptionExists) {
  const std::string rid = create_rx();
  for (const Caller& as : {kClinicianCaller, kOtherClinicianCaller, kHospitalCaller}) {
    http::Response one = call("GET", path("/" + rid), as);
    ASSERT_EQ(one.status, 200) << one.body;
    EXPECT_EQ(body_of(one)["dose"], "500 mg");
    http::Response all = call("GET", path(), as);
    ASSERT_EQ(all.status, 200);
    EXPECT_EQ(body_of(all)["items"][0]["medication"]["code"], "N02BE01");
  }
  for (const Caller& as : {kIntegratorCaller, kAdminCaller}) {
    http::Response one = call("GET", path("/" + rid), as);
    ASSERT_EQ(one.status, 200) << one.body;
    nlohmann::json p = body_of(one);
    EXPECT_EQ(p["id"], rid);
    EXPECT_EQ(p["status"], "draft");
    for (const char* hidden : {"medication", "dose", "route", "frequency", "duration", "quantity",
                               "refills", "instructions", "cancel_reason"}) {
      EXPECT_FALSE(p.contains(hidden)) << hidden;
    }
    http::Response all = call("GET", path(), as);
    ASSERT_EQ(all.status, 200);
    EXPECT_EQ(all.body.find("N02BE01"), std::string::npos);
    EXPECT_EQ(body_of(all)["items"].size(), 1u);
  }
  for (const std::string& target : {path(), path("/" + rid)}) {
    EXPECT_EQ(call("GET", target, kAuditorCaller).status, 403);
    EXPECT_EQ(call("GET", target, kOtherFacilityClinician).status, 404);
    EXPECT_EQ(call("GET", target, kOtherFacilityHospital).status, 404);
  }
  EXPECT_EQ(audit_count("prescription.read"), 5);
  EXPECT_EQ(audit_count("prescription.list"), 5);
}

TEST_P(PrescriptionsTest, ABlockedMedicationIsRefusedNamingTheRule) {
  http::Response r = call("POST", path(), kClinicianCaller, rx("N02AA01"));
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_TRUE(is_problem(r));
  nlohmann::json problem = body_of(r);
  EXPECT_NE(
      problem["detail"].get<std::string>().find("facilities.fac-a.clinical.blocked_medications"),
      std::string::npos)
      << r.body;
  ASSERT_EQ(problem["errors"].size(), 1u);
  EXPECT_EQ(problem["errors"][0]["field"], "medication.code");
  EXPECT_EQ(problem["errors"][0]["code"], "blocked");
  // Facility B blocks nothing: the rule is facility A's.
  const std::string b_consultation = create_id("booking-b", /*facility_b=*/true);
  EXPECT_EQ(call("POST", "/v1/consultations/" + b_consultation + "/prescriptions",
                 kOtherFacilityClinician, rx("N02AA01"))
                .status,
            201);
  // Another code system than the facility's is refused too; nothing was written.
  nlohmann::json other_system = rx();
  other_system["medication"]["system"] = "http://www.nlm.nih.gov/research/umls/rxnorm";
  EXPECT_EQ(call("POST", path(), kClinicianCaller, other_system).status, 422);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM prescriptions WHERE facility_id = 'fac-a'"), 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'prescription.create' AND "
                   "facility_id = 'fac-a'"),
            0);
}

TEST_P(PrescriptionsTest, AFacilityWithoutACodeSystemTakesNoPrescriptions) {
  config_.facilities[kFacilityA].clinical.medication_system.clear();
  http::Response r = call("POST", path(), kClinicianCaller, rx());
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_NE(r.body.find("facilities.fac-a.clinical.medication_system"), std::string::npos);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM prescriptions"), 0);
}

TEST_P(PrescriptionsTest, TheAuthorSignsAnyClinicianCancelsAndNothingIsDeleted) {
  const std::string rid = create_rx();
  for (const Caller& as :
       {kOtherClinicianCaller, kHospitalCaller, kIntegratorCaller, kAdminCaller, kAuditorCaller}) {
    EXPECT_EQ(call("POST", path("/" + rid + "/sign"), as).status, 403);
  }
  EXPECT_EQ(call("POST", path("/" + rid + "/sign"), kOtherFacilityClinician).status, 404);
  http::Response signed_rx = call("POST", path("/" + rid + "/sign"), kClinicianCaller);
  ASSERT_EQ(signed_rx.status, 200) << signed_rx.body;
  EXPECT_EQ(body_of(signed_rx)["status"], "signed");
  EXPECT_EQ(body_of(signed_rx)["signed_at"], iso(kNow));
  EXPECT_EQ(call("POST", path("/" + rid + "/sign"), kClinicianCaller).status, 409);

  for (const Caller& as : {kHospitalCaller, kIntegratorCaller, kAdminCaller, kAuditorCaller}) {
    EXPECT_EQ(call("POST", path("/" + rid + "/cancel"), as, reason()).status, 403);
  }
  EXPECT_EQ(call("POST", path("/" + rid + "/cancel"), kOtherFacilityClinician, reason()).status,
            404);
  EXPECT_EQ(
      call("POST", path("/" + rid + "/cancel"), kClinicianCaller, nlohmann::json::object()).status,
      422);
  http::Response cancelled =
      call("POST", path("/" + rid + "/cancel"), kOtherClinicianCaller, reason());
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  nlohmann::json p = body_of(cancelled);
  EXPECT_EQ(p["status"], "cancelled");
  EXPECT_EQ(p["cancel_reason"], "Patient reports an allergy");
  EXPECT_EQ(p["cancelled_at"], iso(kNow));
  EXPECT_EQ(p["signed_at"], iso(kNow));
  EXPECT_TRUE(p["cancelled_by"].is_string());
  EXPECT_EQ(call("POST", path("/" + rid + "/cancel"), kClinicianCaller, reason("again")).status,
            409);
  EXPECT_EQ(call("POST", path("/" + rid + "/sign"), kClinicianCaller).status, 409);
  // Kept: read back whole, the reason hidden from an integrator.
  nlohmann::json read = body_of(call("GET", path("/" + rid), kHospitalCaller));
  EXPECT_EQ(read["status"], "cancelled");
  EXPECT_EQ(read["medication"]["code"], "N02BE01");
  nlohmann::json seen = body_of(call("GET", path("/" + rid), kIntegratorCaller));
  EXPECT_EQ(seen["status"], "cancelled");
  EXPECT_FALSE(seen.contains("cancel_reason"));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM prescriptions"), 1);
  EXPECT_EQ(audit_count("prescription.sign"), 1);
  EXPECT_EQ(audit_count("prescription.cancel"), 1);

  // A draft is cancelled too, and then never signed.
  const std::string draft = create_rx();
  ASSERT_EQ(call("POST", path("/" + draft + "/cancel"), kClinicianCaller, reason()).status, 200);
  EXPECT_EQ(call("POST", path("/" + draft + "/sign"), kClinicianCaller).status, 409);
}

TEST_P(PrescriptionsTest, TheDetailsAreEncryptedInTheDatabase) {
  const std::string secret = "SECRET-INSTRUCTIONS-" + consultation_;
  const std::string rid = create_rx(kClinicianCaller, rx("N02BE01", secret));
  ASSERT_EQ(call("POST", path("/" + rid + "/cancel"), kClinicianCaller,
                 reason("SECRET-REASON-" + consultation_))
                .status,
            200);
  {
    auto tx = store_->begin(storage::TxMode::kReadOnly);
    ASSERT_TRUE(tx.ok());
    auto rows = (*tx)->query(
        "SELECT details_enc, cancel_reason_enc FROM prescriptions WHERE id = $1", {rid});
    ASSERT_TRUE(rows.ok()) << rows.error().message;
    ASSERT_EQ(rows->size(), 1u);
    for (std::size_t column : {0u, 1u}) {
      auto sealed = rows->front().get_blob(column);
      ASSERT_TRUE(sealed.ok());
      EXPECT_EQ(sealed->find("SECRET-"), std::string::npos);
      EXPECT_EQ(sealed->find("Paracetamol"), std::string::npos);
    }
  }
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE detail LIKE '%SECRET-%'"), 0);
  if (GetParam() == storage::Dialect::kSqlite) {
    const std::string bytes = sqlite_bytes();
    ASSERT_FALSE(bytes.empty());
    EXPECT_NE(bytes.find(consultation_), std::string::npos);
    EXPECT_EQ(bytes.find(secret), std::string::npos);
    EXPECT_EQ(bytes.find("SECRET-REASON-"), std::string::npos);
    EXPECT_EQ(bytes.find("Paracetamol 500 mg"), std::string::npos);
  }
}

TEST_P(PrescriptionsTest, BadInputChangesNothing) {
  nlohmann::json bad = rx();
  bad["quantity"]["value"] = 0;
  bad["refills"] = 13;
  bad.erase("dose");
  http::Response r = call("POST", path(), kClinicianCaller, bad);
  ASSERT_EQ(r.status, 422) << r.body;
  std::set<std::string> fields;
  const nlohmann::json problem = body_of(r);
  for (const auto& e : problem["errors"]) fields.insert(e["field"]);
  EXPECT_EQ(fields, (std::set<std::string>{"quantity.value", "refills", "dose"}));
  EXPECT_EQ(call("POST", "/v1/consultations/no-such/prescriptions", kClinicianCaller, rx()).status,
            404);
  EXPECT_EQ(call("GET", path("/no-such"), kClinicianCaller).status, 404);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM prescriptions"), 0);
}

TEST_P(PrescriptionsTest, AnIdempotencyKeyReplaysTheFirstAnswer) {
  const std::vector<std::pair<std::string, std::string>> key = {{"Idempotency-Key", "rx-1"}};
  http::Response first = call("POST", path(), kClinicianCaller, rx(), key);
  ASSERT_EQ(first.status, 201) << first.body;
  http::Response again = call("POST", path(), kClinicianCaller, rx(), key);
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.headers.find("Idempotent-Replayed")->second, "true");
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM prescriptions"), 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, PrescriptionsTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
