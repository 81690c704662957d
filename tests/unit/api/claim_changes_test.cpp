// POST /v1/claims/{id}/cancel, /nullify and /resubmit (hub/api/claims.cpp):
// the states each allows, the reason, roles, another facility's claim, the
// audit event committed with the intent, a lost answer and its replay, the
// Idempotency-Key; through the real claims::cancel_claim and
// claims::resubmit_claim to a scripted billing plugin, on both backends.
#include <gtest/gtest.h>

#include "hub/api/claims.hpp"
#include "hub/claims/claim_actions.hpp"
#include "hub/claims/claim_cancellation.hpp"
#include "hub/claims/claim_resubmission.hpp"
#include "hub/claims/claim_store.hpp"
#include "hub/records/consultation_store.hpp"
#include "tests/unit/api/api_fixture.hpp"
#include "tests/unit/audit/audit_outage.hpp"
#include "tests/unit/claims/scripted_billing.hpp"

namespace wasl::api::testing {
namespace {

using access::Role;
using domain::ClaimState;
using nlohmann::json;

class ClaimChangesTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    if (HasFatalFailure()) return;
    add_consultation(kFacilityA, "c-a");
    add_consultation(kFacilityB, "c-b");
    deps_.store = store_.get();
    deps_.cipher = cipher_.get();
    deps_.audit = audit_.get();
    deps_.config = &config_;
    deps_.billing =
        [this](const std::string& facility) -> sdk::Result<std::shared_ptr<sdk::BillingGateway>> {
      billing_->facility = facility;
      return std::shared_ptr<sdk::BillingGateway>(billing_);
    };
    context_.cancel_claim = [this](const std::string& facility, const std::string& id,
                                   claims::CancelKind kind, const std::string& reason,
                                   const audit::AuditActor& actor) {
      return claims::cancel_claim(deps_, facility, id, kind, reason, kNow, actor);
    };
    context_.resubmit_claim = [this](const std::string& facility, const std::string& id,
                                     const claims::ResubmissionInput& input,
                                     const audit::AuditActor& actor) {
      return claims::resubmit_claim(deps_, facility, id, input, kNow, actor);
    };
  }

  void add_consultation(const std::string& facility, const std::string& id) {
    domain::Consultation c;
    c.id = id;
    c.facility_id = facility;
    c.workflow_name = "consultation";
    c.created_at = kNow;
    c.updated_at = kNow;
    records::ConsultationStore consultations(*cipher_);
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(consultations.insert(**tx, c).ok());
    ASSERT_TRUE((*tx)->commit().ok());
  }

  // Claim `id` sent with key "key-<id>" and answered in `state` (queued,
  // unknown, approved, partial, rejected), or a draft.
  void add_claim(const std::string& facility, const std::string& consultation,
                 const std::string& id, const std::string& state) {
    sdk::Claim request;
    request.idempotency_key = id;
    request.patient_id = "pat-1";
    request.patient.given_name = "Sara";
    request.coverage.payer_id = "INS-7";
    request.provider_license = "PR-A";
    request.raw = {{"claim_id", id}};
    domain::Claim c;
    c.id = id;
    c.consultation_id = consultation;
    c.facility_id = facility;
    c.request = json(request).dump();
    c.created_at = kNow;
    claims::ClaimStore claims(*cipher_, *audit_);
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(claims.create(**tx, c, {}).ok());
    if (state != "draft") {
      sdk::ClaimResponse r;
      r.request_id = "key-" + id;
      r.request_message_id = "mh-" + id;
      r.status = state == "queued" || state == "unknown" ? state : "complete";
      r.outcome = state == "partial" ? "partial" : r.status;
      r.approved = state == "approved" || state == "partial";
      r.total_benefit = 150;
      ASSERT_TRUE(
          claims
              .record_submission(**tx, facility, id, claims::claim_submission_of(json(r), kNow), {})
              .ok());
    }
    ASSERT_TRUE((*tx)->commit().ok());
  }

  std::string state_of(const std::string& id) {
    auto tx = store_->begin(storage::TxMode::kReadOnly);
    EXPECT_TRUE(tx.ok());
    auto rows = (*tx)->query("SELECT state FROM claims WHERE id = $1", {id});
    EXPECT_TRUE(rows.ok());
    if (!rows.ok() || rows->empty()) return "";
    return rows->front().get_text(0).value_or("");
  }

  static sdk::ClaimResponse taken() {
    sdk::ClaimResponse r;
    r.status = "complete";
    r.approved = true;
    return r;
  }

  http::Response post(const std::string& target, const std::string& body,
                      Role role = Role::kIntegrator, bool facility_b = false,
                      std::vector<std::pair<std::string, std::string>> headers = {}) {
    return send({"POST", target, body, std::move(headers)}, role, facility_b);
  }

  std::shared_ptr<claims::testing::ScriptedBilling> billing_ =
      std::make_shared<claims::testing::ScriptedBilling>();
  claims::ClaimPollDeps deps_;
};

const std::string kWrongInformation = R"({"reason":"WI"})";

TEST_P(ClaimChangesTest, CancelTakesAClaimTheExchangeHasNotAdjudicated) {
  for (const char* state : {"queued", "unknown"}) {
    const std::string id = std::string("claim-") + state;
    add_claim(kFacilityA, "c-a", id, state);
    billing_->cancel_answers.push_back(taken());
    http::Response r = post("/v1/claims/" + id + "/cancel", kWrongInformation, Role::kAdmin);
    ASSERT_EQ(r.status, 200) << state << ": " << r.body;
    EXPECT_EQ(body_of(r)["state"], "cancelled");
    EXPECT_EQ(body_of(r)["cancellation"]["kind"], "cancel");
    EXPECT_EQ(body_of(r)["cancellation"]["reason"], "WI");
    EXPECT_EQ(body_of(r)["cancellation"]["state"], "taken");
    EXPECT_EQ(r.body.find("Sara"), std::string::npos) << "no PHI on the wire";
    EXPECT_EQ(state_of(id), "cancelled");
  }
  auto sent = billing_->calls_of("billing.cancel");
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].input["request_id"], "key-claim-queued");
  EXPECT_EQ(sent[0].input["idempotency_key"], "wasl-cancel-claim-queued");
  EXPECT_EQ(sent[0].input["kind"], "cancel");
  EXPECT_EQ(audit_count("claim.cancel"), 2);
  EXPECT_EQ(audit_count("claim.cancel_result"), 2);
  // Cancelled now: a second cancel names the state.
  http::Response again = post("/v1/claims/claim-queued/cancel", kWrongInformation);
  ASSERT_EQ(again.status, 409) << again.body;
  EXPECT_NE(body_of(again)["detail"].get<std::string>().find("cancelled"), std::string::npos);
}

TEST_P(ClaimChangesTest, CancelAndNullifyAnswerConflictNamingAStateThatDoesNotAllowThem) {
  for (const char* state : {"approved", "partial", "rejected"}) {
    add_claim(kFacilityA, "c-a", std::string("claim-") + state, state);
  }
  add_claim(kFacilityA, "c-a", "claim-queued", "queued");
  add_claim(kFacilityA, "c-a", "claim-draft", "draft");
  for (const char* state : {"approved", "partial", "rejected", "draft"}) {
    http::Response r =
        post(std::string("/v1/claims/claim-") + state + "/cancel", kWrongInformation);
    ASSERT_EQ(r.status, 409) << state << ": " << r.body;
    EXPECT_NE(body_of(r)["detail"].get<std::string>().find(std::string("is ") + state),
              std::string::npos)
        << r.body;
  }
  for (const char* state : {"queued", "draft"}) {
    http::Response r =
        post(std::string("/v1/claims/claim-") + state + "/nullify", kWrongInformation);
    ASSERT_EQ(r.status, 409) << state << ": " << r.body;
    EXPECT_NE(body_of(r)["detail"].get<std::string>().find(state), std::string::npos) << r.body;
  }
  // Paid: the payer's money is in; nullify names the state.
  exec("UPDATE claims SET state = 'paid' WHERE id = 'claim-approved'");
  exec("UPDATE claims SET state = 'partially_paid' WHERE id = 'claim-partial'");
  for (const char* state : {"approved", "partial"}) {
    http::Response r =
        post(std::string("/v1/claims/claim-") + state + "/nullify", kWrongInformation);
    ASSERT_EQ(r.status, 409) << r.body;
    EXPECT_NE(body_of(r)["detail"].get<std::string>().find("paid"), std::string::npos) << r.body;
  }
  EXPECT_TRUE(billing_->calls_of("billing.cancel").empty());
  EXPECT_EQ(audit_count("claim.cancel") + audit_count("claim.nullify"), 0);
  http::Response arabic = send(
      {"POST", "/v1/claims/claim-draft/cancel", kWrongInformation, {{"Accept-Language", "ar"}}},
      Role::kIntegrator);
  ASSERT_EQ(arabic.status, 409);
  EXPECT_NE(body_of(arabic)["detail"].get<std::string>().find("draft"), std::string::npos);
  EXPECT_EQ(body_of(arabic)["title"], "تعارض");
}

TEST_P(ClaimChangesTest, NullifyTakesAnAdjudicatedClaimAndKeepsARefusal) {
  add_claim(kFacilityA, "c-a", "claim-approved", "approved");
  add_claim(kFacilityA, "c-a", "claim-rejected", "rejected");
  billing_->cancel_answers.push_back(taken());
  http::Response r = post("/v1/claims/claim-approved/nullify", R"({"reason":"TAS"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_of(r)["state"], "nullified");
  EXPECT_EQ(audit_count("claim.nullify"), 1);
  EXPECT_EQ(billing_->calls_of("billing.cancel")[0].input["kind"], "nullify");
  EXPECT_EQ(billing_->calls_of("billing.cancel")[0].input["reason"], "TAS");

  // The exchange refuses: 409 naming its code, the claim unchanged.
  sdk::ClaimResponse refused;
  refused.status = "error";
  refused.errors = {"TK-0003"};
  refused.disposition = "The claim is not adjudicated";
  billing_->cancel_answers.push_back(refused);
  http::Response no = post("/v1/claims/claim-rejected/nullify", kWrongInformation);
  ASSERT_EQ(no.status, 409) << no.body;
  EXPECT_EQ(body_of(no)["type"], "https://wasl.dev/problems/conflict");
  EXPECT_NE(body_of(no)["detail"].get<std::string>().find("TK-0003"), std::string::npos);
  EXPECT_EQ(state_of("claim-rejected"), "rejected");
  http::Response read = send({"GET", "/v1/claims/claim-rejected"}, Role::kHospital);
  EXPECT_EQ(body_of(read)["cancellation"]["state"], "refused");
  EXPECT_NE(body_of(read)["cancellation"]["error"].get<std::string>().find("TK-0003"),
            std::string::npos);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'claim.nullify_result' AND "
                   "outcome = 'failure'"),
            1);

  // A message the exchange refuses as invalid: 422 naming its rule.
  billing_->cancel_answers.push_back(
      sdk::Error(sdk::ErrorCode::kInvalidArgument, "BV-00163: Task.reasonCode", false));
  http::Response invalid = post("/v1/claims/claim-rejected/nullify", kWrongInformation);
  ASSERT_EQ(invalid.status, 422) << invalid.body;
  EXPECT_NE(invalid.body.find("BV-00163"), std::string::npos);
  EXPECT_EQ(state_of("claim-rejected"), "rejected");
}

TEST_P(ClaimChangesTest, TheReasonIsRequiredAndOneOfTheExchangesCodes) {
  add_claim(kFacilityA, "c-a", "claim-queued", "queued");
  for (const std::string& body :
       {std::string("{}"), std::string(R"({"reason":"XX"})"), std::string(R"({"reason":7})"),
        std::string(""), std::string(R"({"reason":"WI","note":"x"})")}) {
    http::Response r = post("/v1/claims/claim-queued/cancel", body);
    EXPECT_EQ(r.status, 400) << body << ": " << r.body;
  }
  http::Response missing = post("/v1/claims/claim-queued/nullify", "{}");
  ASSERT_EQ(missing.status, 400);
  EXPECT_EQ(body_of(missing)["errors"][0]["field"], "reason");
  EXPECT_TRUE(billing_->calls_of("billing.cancel").empty());
  EXPECT_EQ(state_of("claim-queued"), "queued");
}

TEST_P(ClaimChangesTest, RolesAndAnotherFacilitysClaim) {
  add_claim(kFacilityA, "c-a", "claim-queued", "queued");
  add_claim(kFacilityA, "c-a", "claim-rejected", "rejected");
  for (const char* action : {"cancel", "nullify", "resubmit"}) {
    const std::string id = std::string(action) == "cancel" ? "claim-queued" : "claim-rejected";
    const std::string target = "/v1/claims/" + id + "/" + action;
    for (Role role : {Role::kHospital, Role::kClinician, Role::kAuditor}) {
      EXPECT_EQ(post(target, kWrongInformation, role).status, 403) << action;
    }
    EXPECT_EQ(send({"POST", target, kWrongInformation}, std::nullopt).status, 401) << action;
    // Another facility's key: not found, as a missing claim, whatever the body.
    http::Response theirs = post(target, "{}", Role::kAdmin, /*facility_b=*/true);
    EXPECT_EQ(theirs.status, 404) << action << ": " << theirs.body;
    EXPECT_EQ(body_of(theirs)["detail"], "No claim with this id exists.");
  }
  EXPECT_TRUE(billing_->calls.empty());
  EXPECT_EQ(state_of("claim-queued"), "queued");
}

// The intent and its audit event commit together: without the audit trail
// nothing is recorded and nothing is sent.
TEST_P(ClaimChangesTest, TheIntentCommitsWithItsAuditEventOrNotAtAll) {
  add_claim(kFacilityA, "c-a", "claim-queued", "queued");
  add_claim(kFacilityA, "c-a", "claim-rejected", "rejected");
  ASSERT_TRUE(audit::testing::set_audit_outage(*store_, true).ok());
  http::Response cancel = post("/v1/claims/claim-queued/cancel", kWrongInformation);
  http::Response resubmit = post("/v1/claims/claim-rejected/resubmit", "");
  ASSERT_TRUE(audit::testing::set_audit_outage(*store_, false).ok());
  EXPECT_GE(cancel.status, 400) << cancel.body;
  EXPECT_GE(resubmit.status, 400) << resubmit.body;
  EXPECT_TRUE(billing_->calls.empty());
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM claims WHERE cancel_key IS NOT NULL"), 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM claims"), 2);
  EXPECT_EQ(state_of("claim-queued"), "queued");
  // The trail back: the same request goes through, audited once.
  billing_->cancel_answers.push_back(taken());
  EXPECT_EQ(post("/v1/claims/claim-queued/cancel", kWrongInformation).status, 200);
  EXPECT_EQ(audit_count("claim.cancel"), 1);
}

// A lost answer is a 503; the same request later is the same message, and an
// Idempotency-Key replays the final answer without sending anything.
TEST_P(ClaimChangesTest, ALostAnswerIsServiceUnavailableThenTheSameMessageAgain) {
  add_claim(kFacilityA, "c-a", "claim-queued", "queued");
  billing_->cancel_answers.push_back(
      sdk::Error(sdk::ErrorCode::kDeadlineExceeded, "no answer from the exchange", true));
  http::Response lost = post("/v1/claims/claim-queued/cancel", kWrongInformation, Role::kIntegrator,
                             false, {{"Idempotency-Key", "cancel-1"}});
  ASSERT_EQ(lost.status, 503) << lost.body;
  EXPECT_TRUE(lost.headers.count("Retry-After"));
  EXPECT_EQ(state_of("claim-queued"), "queued");
  http::Response sending = send({"GET", "/v1/claims/claim-queued"}, Role::kHospital);
  EXPECT_EQ(body_of(sending)["cancellation"]["state"], "sending");

  // The key was freed with the 503: the same request again goes out again,
  // as the same message.
  billing_->cancel_answers.push_back(taken());
  http::Response ok = post("/v1/claims/claim-queued/cancel", kWrongInformation, Role::kIntegrator,
                           false, {{"Idempotency-Key", "cancel-1"}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  auto sent = billing_->calls_of("billing.cancel");
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].input, sent[0].input);
  EXPECT_EQ(audit_count("claim.cancel"), 1);

  http::Response replay = post("/v1/claims/claim-queued/cancel", kWrongInformation,
                               Role::kIntegrator, false, {{"Idempotency-Key", "cancel-1"}});
  ASSERT_EQ(replay.status, 200) << replay.body;
  EXPECT_EQ(replay.body, ok.body);
  EXPECT_EQ(replay.headers.count("Idempotent-Replayed"), 1u);
  EXPECT_EQ(billing_->calls_of("billing.cancel").size(), 2u);
  http::Response other = post("/v1/claims/claim-queued/cancel", R"({"reason":"NP"})",
                              Role::kIntegrator, false, {{"Idempotency-Key", "cancel-1"}});
  EXPECT_EQ(other.status, 422) << other.body;
  EXPECT_EQ(post("/v1/claims/claim-queued/cancel", kWrongInformation, Role::kIntegrator, false,
                 {{"Idempotency-Key", std::string(300, 'k')}})
                .status,
            400);
}

TEST_P(ClaimChangesTest, ResubmitMakesANewClaimRelatedToTheRejectedOne) {
  add_claim(kFacilityA, "c-a", "claim-rejected", "rejected");
  const std::string id = claims::resubmission_id("claim-rejected", 1);
  sdk::ClaimResponse approved = taken();
  approved.request_id = claims::resubmission_key(id);
  approved.total_benefit = 150;
  billing_->submit_answers.push_back(approved);
  http::Response r = post("/v1/claims/claim-rejected/resubmit", R"({"diagnosis_codes":["J06.9"]})",
                          Role::kAdmin, false, {{"Idempotency-Key", "resubmit-1"}});
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(body_of(r)["id"], id);
  EXPECT_EQ(body_of(r)["replaces"], "claim-rejected");
  EXPECT_EQ(body_of(r)["consultation_id"], "c-a");
  EXPECT_EQ(body_of(r)["state"], "approved");
  EXPECT_EQ(r.headers.find("Location")->second, "/v1/claims/" + id);
  EXPECT_EQ(r.body.find("Sara"), std::string::npos) << "no PHI on the wire";
  auto sent = billing_->calls_of("billing.submit_claim");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].input["related_request_id"], "key-claim-rejected");
  EXPECT_EQ(sent[0].input["related_relationship"], "prior");
  EXPECT_EQ(sent[0].input["diagnoses"][0]["code"], "J06.9");
  EXPECT_EQ(sent[0].input["patient"]["given_name"], "Sara") << "decrypted and sent as it was";

  http::Response old = send({"GET", "/v1/claims/claim-rejected"}, Role::kHospital);
  EXPECT_EQ(body_of(old)["state"], "rejected");
  EXPECT_EQ(body_of(old)["replaced_by"], id);
  EXPECT_EQ(audit_count("claim.resubmit"), 1);
  http::Response listed = send({"GET", "/v1/consultations/c-a/claims"}, Role::kHospital);
  EXPECT_EQ(body_of(listed)["items"].size(), 2u);

  // The replay answers the first 202; without the key, 409 naming the claim
  // that replaces it.
  http::Response replay =
      post("/v1/claims/claim-rejected/resubmit", R"({"diagnosis_codes":["J06.9"]})", Role::kAdmin,
           false, {{"Idempotency-Key", "resubmit-1"}});
  EXPECT_EQ(replay.status, 202);
  EXPECT_EQ(replay.body, r.body);
  http::Response twice = post("/v1/claims/claim-rejected/resubmit", "");
  ASSERT_EQ(twice.status, 409) << twice.body;
  EXPECT_NE(body_of(twice)["detail"].get<std::string>().find(id), std::string::npos);
  EXPECT_EQ(billing_->calls_of("billing.submit_claim").size(), 1u);
}

TEST_P(ClaimChangesTest, ResubmitAnswersInDoubtWhenTheAnswerIsLost) {
  add_claim(kFacilityA, "c-a", "claim-rejected", "rejected");
  billing_->submit_answers.push_back(
      sdk::Error(sdk::ErrorCode::kUnavailable, "the exchange answered HTTP 503", true));
  http::Response r = post("/v1/claims/claim-rejected/resubmit", "{}");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(body_of(r)["state"], "in_doubt");
  http::Response doubt = send({"GET", "/v1/claims?state=in_doubt"}, Role::kIntegrator);
  ASSERT_EQ(body_of(doubt)["items"].size(), 1u);
  EXPECT_EQ(body_of(doubt)["items"][0]["replaces"], "claim-rejected");
}

TEST_P(ClaimChangesTest, ResubmitTakesOnlyARejectedClaimAndAWellFormedBody) {
  for (const char* state : {"queued", "approved", "draft"}) {
    add_claim(kFacilityA, "c-a", std::string("claim-") + state, state);
    http::Response r = post(std::string("/v1/claims/claim-") + state + "/resubmit", "{}");
    ASSERT_EQ(r.status, 409) << state << ": " << r.body;
    EXPECT_NE(body_of(r)["detail"].get<std::string>().find(state), std::string::npos);
  }
  add_claim(kFacilityA, "c-a", "claim-rejected", "rejected");
  for (const std::string& body :
       {std::string(R"({"items":[{"quantity":1}]})"),
        std::string(R"({"items":[{"service_code":"x","quantity":0}]})"),
        std::string(R"({"diagnosis_codes":[""]})"), std::string(R"({"diagnosis_codes":"J06.9"})"),
        std::string(R"({"note":"x"})")}) {
    http::Response r = post("/v1/claims/claim-rejected/resubmit", body);
    EXPECT_EQ(r.status, 422) << body << ": " << r.body;
  }
  EXPECT_TRUE(billing_->calls.empty());
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM claims"), 4);
}

INSTANTIATE_TEST_SUITE_P(Backends, ClaimChangesTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
