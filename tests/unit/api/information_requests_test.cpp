// Information requests: list, read and answer, with roles and facility
// isolation; the answer goes through the real claims::answer_information_request
// to a scripted billing plugin.
#include "hub/api/information_requests.hpp"

#include <gtest/gtest.h>

#include "hub/claims/claim_store.hpp"
#include "hub/claims/information_answers.hpp"
#include "hub/claims/information_request_store.hpp"
#include "hub/records/consultation_store.hpp"
#include "tests/unit/api/api_fixture.hpp"
#include "tests/unit/claims/scripted_billing.hpp"
#include "wasl/sdk/base64.hpp"

namespace wasl::api::testing {
namespace {

using access::Role;
using nlohmann::json;

class InformationRequestsTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    if (HasFatalFailure()) return;
    add_claim(kFacilityA, "c-a", "claim-a");
    add_claim(kFacilityB, "c-b", "claim-b");
    request_a_ = add_request(kFacilityA, "claim-a", "CR-A");
    request_b_ = add_request(kFacilityB, "claim-b", "CR-B");
    deps_.store = store_.get();
    deps_.cipher = cipher_.get();
    deps_.audit = audit_.get();
    deps_.billing =
        [this](const std::string&) -> sdk::Result<std::shared_ptr<sdk::BillingGateway>> {
      return std::shared_ptr<sdk::BillingGateway>(billing_);
    };
    context_.answer_information_request = [this](const std::string& facility, const std::string& id,
                                                 const claims::AnswerInput& input,
                                                 const audit::AuditActor& actor) {
      return claims::answer_information_request(deps_, facility, id, input, kNow, actor);
    };
  }

  // A claim the exchange answered, sent with the key "key-<id>".
  void add_claim(const std::string& facility, const std::string& consultation,
                 const std::string& id) {
    domain::Consultation c;
    c.id = consultation;
    c.facility_id = facility;
    c.workflow_name = "standard";
    c.created_at = kNow;
    c.updated_at = kNow;
    records::ConsultationStore consultations(*cipher_);
    claims::ClaimStore claims(*cipher_, *audit_);
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(consultations.insert(**tx, c).ok());
    domain::Claim claim;
    claim.id = id;
    claim.consultation_id = consultation;
    claim.facility_id = facility;
    claim.request = R"({"patient_id":"pat-1","provider_license":"N-F-00001"})";
    claim.created_at = kNow;
    ASSERT_TRUE(claims.create(**tx, claim, {}).ok());
    claims::ClaimSubmission s{domain::ClaimState::kQueued, std::nullopt,
                              json{{"status", "queued"}, {"request_id", "key-" + id}}.dump(), kNow};
    s.request_key = "key-" + id;
    ASSERT_TRUE(claims.record_submission(**tx, facility, id, s, {}).ok());
    ASSERT_TRUE((*tx)->commit().ok());
  }

  std::string add_request(const std::string& facility, const std::string& claim,
                          const std::string& request_id) {
    claims::InformationRequestRow row;
    row.id = "ir-" + request_id;
    row.facility_id = facility;
    row.claim_id = claim;
    row.billing_message_id = "bm-" + request_id;
    row.request_id = request_id;
    row.reason = "missing-attachment";
    row.due_at = kNow + 86'400'000;
    row.received_at = kNow;
    sdk::InformationRequest asked;
    asked.request_id = request_id;
    asked.questions = {"Send the visit note of Sara Al-Qahtani"};
    asked.documents = {{"application/pdf", "visit note"}};
    row.request = json(asked).dump();
    claims::InformationRequestStore requests(*cipher_, *audit_);
    auto tx = store_->begin();
    EXPECT_TRUE(tx.ok());
    auto inserted = requests.insert(**tx, row, "system");
    EXPECT_TRUE(inserted.ok() && *inserted);
    EXPECT_TRUE((*tx)->commit().ok());
    return row.id;
  }

  static std::string answer_body(const std::string& bytes,
                                 const std::string& type = "application/pdf") {
    return json{
        {"texts", {"The visit note is attached."}},
        {"attachments",
         {{{"content_type", type}, {"title", "visit note"}, {"data", sdk::base64_encode(bytes)}}}}}
        .dump();
  }

  std::string request_a_;
  std::string request_b_;
  std::shared_ptr<claims::testing::ScriptedBilling> billing_ =
      std::make_shared<claims::testing::ScriptedBilling>();
  claims::ClaimPollDeps deps_;
};

const std::string kPdf = std::string("%PDF-1.4\n") + std::string(500, 'x');

TEST_P(InformationRequestsTest, ListsAndReadsTheCallersFacilitysOnly) {
  http::Response listed = send({"GET", "/v1/information-requests?state=open"}, Role::kIntegrator);
  ASSERT_EQ(listed.status, 200) << listed.body;
  ASSERT_EQ(body_of(listed)["items"].size(), 1u) << listed.body;
  EXPECT_EQ(body_of(listed)["items"][0]["id"], request_a_);
  EXPECT_EQ(body_of(listed)["items"][0]["reason"], "missing-attachment");
  EXPECT_EQ(listed.body.find("Sara"), std::string::npos) << "no PHI is listed";
  http::Response theirs =
      send({"GET", "/v1/information-requests"}, Role::kAdmin, /*facility_b=*/true);
  ASSERT_EQ(body_of(theirs)["items"].size(), 1u);
  EXPECT_EQ(body_of(theirs)["items"][0]["id"], request_b_);
  EXPECT_EQ(send({"GET", "/v1/information-requests?state=late"}, Role::kIntegrator).status, 400);

  http::Response read = send({"GET", "/v1/information-requests/" + request_a_}, Role::kIntegrator);
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(body_of(read)["questions"][0], "Send the visit note of Sara Al-Qahtani");
  EXPECT_EQ(body_of(read)["documents"][0]["content_type"], "application/pdf");
  EXPECT_EQ(audit_count("information_request.read"), 1);
  http::Response other =
      send({"GET", "/v1/information-requests/" + request_a_}, Role::kAdmin, /*facility_b=*/true);
  EXPECT_EQ(other.status, 404) << other.body;
  EXPECT_EQ(body_of(other)["detail"], "No information request with this id exists.");

  EXPECT_EQ(send({"GET", "/v1/information-requests"}, Role::kHospital).status, 403);
  EXPECT_EQ(send({"GET", "/v1/information-requests/" + request_a_}, Role::kClinician).status, 403);
  EXPECT_EQ(send({"GET", "/v1/information-requests"}, std::nullopt).status, 401);
}

TEST_P(InformationRequestsTest, AnAnswerIsCheckedSentOnceAndKeptWithoutItsBytesOnTheWire) {
  const std::string target = "/v1/information-requests/" + request_a_ + "/answer";
  // Another facility's request is not found, whatever the body.
  http::Response other = send({"POST", target, answer_body(kPdf)}, Role::kAdmin, true);
  EXPECT_EQ(other.status, 404) << other.body;
  // A PNG sent as a PDF: 422 naming the document; nothing is sent.
  http::Response bad = send({"POST", target, answer_body("\x89PNG\r\n\x1a\n")}, Role::kIntegrator);
  ASSERT_EQ(bad.status, 422) << bad.body;
  EXPECT_NE(bad.body.find("attachments[0]"), std::string::npos) << bad.body;
  EXPECT_EQ(send({"POST", target, R"({"texts":"one"})"}, Role::kIntegrator).status, 422);
  EXPECT_EQ(send({"POST", target, R"({"cannot_supply":true})"}, Role::kIntegrator).status, 422);
  // A page the hub does not write, or one named twice: 422 naming it.
  http::Response page = send({"POST", target, R"({"pages":["visit_note"]})"}, Role::kIntegrator);
  ASSERT_EQ(page.status, 422) << page.body;
  EXPECT_NE(page.body.find("pages[0]"), std::string::npos) << page.body;
  http::Response twice =
      send({"POST", target, R"({"pages":["visit_summary","visit_summary"]})"}, Role::kIntegrator);
  ASSERT_EQ(twice.status, 422) << twice.body;
  EXPECT_NE(twice.body.find("pages[1]"), std::string::npos) << twice.body;
  EXPECT_TRUE(billing_->calls_of("billing.answer_information_request").empty());
  EXPECT_EQ(send({"POST", target, answer_body(kPdf)}, Role::kHospital).status, 403);

  billing_->answer_results.push_back(sdk::Acknowledgement{"ack-1", true});
  http::Response ok = send({"POST", target, answer_body(kPdf)}, Role::kIntegrator);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(body_of(ok)["state"], "answered");
  auto sent = billing_->calls_of("billing.answer_information_request");
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].input["claim"]["idempotency_key"], "key-claim-a");
  EXPECT_EQ(sdk::base64_decode(sent[0].input["attachments"][0]["data"].get<std::string>()),
            std::optional<std::string>(kPdf));

  http::Response read = send({"GET", "/v1/information-requests/" + request_a_}, Role::kIntegrator);
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(body_of(read)["answer"]["attachments"][0]["size"], static_cast<int>(kPdf.size()));
  EXPECT_EQ(read.body.find(sdk::base64_encode(kPdf)), std::string::npos) << "no bytes on the wire";
  EXPECT_EQ(send({"POST", target, answer_body(kPdf)}, Role::kIntegrator).status, 409);
}

TEST_P(InformationRequestsTest, TheExchangesRefusalIsABadGatewayAndTheRequestIsOpenAgain) {
  const std::string target = "/v1/information-requests/" + request_a_ + "/answer";
  billing_->answer_results.push_back(
      sdk::Error(sdk::ErrorCode::kInvalidArgument, "CM-0004: the attachment is too large", false));
  http::Response refused = send({"POST", target, answer_body(kPdf)}, Role::kIntegrator);
  ASSERT_EQ(refused.status, 502) << refused.body;
  EXPECT_NE(refused.body.find("CM-0004"), std::string::npos) << refused.body;
  billing_->answer_results.push_back(
      sdk::Error(sdk::ErrorCode::kUnavailable, "the exchange did not answer", true));
  http::Response lost = send({"POST", target, answer_body(kPdf)}, Role::kIntegrator);
  EXPECT_EQ(lost.status, 503) << lost.body;
  http::Response listed = send({"GET", "/v1/information-requests?state=sending"}, Role::kAdmin);
  ASSERT_EQ(body_of(listed)["items"].size(), 1u) << listed.body;
}

INSTANTIATE_TEST_SUITE_P(Backends, InformationRequestsTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
