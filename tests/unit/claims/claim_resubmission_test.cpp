// Resubmitting a rejected claim: a claim of its own stored in doubt with its
// audit event before it is sent, related to the rejected one as prior, its
// answer recorded as the billing round records a resend's; a crash (or a lost
// answer) before that is settled by the round. On both backends with a
// scripted billing plugin.
#include "hub/claims/claim_resubmission.hpp"

#include <gtest/gtest.h>

#include "hub/claims/claim_status_check.hpp"
#include "tests/unit/claims/answered_claims.hpp"

namespace wasl::claims::testing {
namespace {

using domain::ClaimState;
using records::testing::kFacilityA;
using records::testing::kFacilityB;

class ClaimResubmissionTest : public AnsweredClaimsTest {};

TEST_P(ClaimResubmissionTest, ARejectedClaimIsResubmittedRelatedToItAsPrior) {
  add(kFacilityA, "c-a", "claim-r", "wasl-step-r", "rejected");
  const std::string id = resubmission_id("claim-r", 1);
  const std::string key = resubmission_key(id);
  billing_->submit_answers.push_back(answer(key, "approved"));
  ResubmissionInput input;
  input.diagnosis_codes = {"J06.9", "Z71.9"};
  ASSERT_OK_AND_ASSIGN(domain::Claim made,
                       resubmit_claim(deps_, kFacilityA, "claim-r", input, 1'000, "apikey:ops"));
  EXPECT_EQ(made.id, id);
  EXPECT_EQ(made.state, ClaimState::kApproved);
  EXPECT_EQ(made.consultation_id, "c-a");
  EXPECT_EQ(made.replaces, "claim-r");
  EXPECT_EQ(made.request_message_id, "mh-" + key);
  EXPECT_FALSE(made.request.has_value()) << "no PHI leaves with the result";

  auto sent = billing_->calls_of("billing.submit_claim");
  ASSERT_EQ(sent.size(), 1u);
  sdk::Claim expected = stored_request("claim-r");
  expected.idempotency_key = key;
  expected.related_request_id = "wasl-step-r";
  expected.related_relationship = "prior";
  expected.raw = {{"claim_id", id}};
  expected.diagnoses = {{"J06.9", "http://hl7.org/fhir/sid/icd-10-am", "principal"},
                        {"Z71.9", "http://hl7.org/fhir/sid/icd-10-am", "secondary"}};
  EXPECT_EQ(sent[0].input, nlohmann::json(expected));

  domain::Claim old = claim(kFacilityA, "claim-r");
  EXPECT_EQ(old.state, ClaimState::kRejected) << "the rejected claim keeps its state";
  EXPECT_EQ(old.replaced_by, id);
  // The new claim's request is stored encrypted, the patient's name with it.
  domain::Claim stored = claim(kFacilityA, id);
  ASSERT_TRUE(stored.request.has_value());
  EXPECT_NE(stored.request->find("Sara"), std::string::npos);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM claims WHERE id = $1 AND request_enc IS NOT NULL", {id}),
            1);
  EXPECT_EQ(audits("claim.resubmit", id), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'claim.resubmit' AND "
                   "detail LIKE '%\"state\":\"in_doubt\"%' AND detail LIKE '%claim-r%' AND "
                   "actor = 'apikey:ops'"),
            1);
  EXPECT_EQ(audits("claim.submit_result", id), 1);

  // Resubmitted already: the same claim is not resubmitted twice.
  auto again = resubmit_claim(deps_, kFacilityA, "claim-r", {}, 2'000, "x");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, sdk::ErrorCode::kFailedPrecondition);
  EXPECT_NE(again.error().message.find(id), std::string::npos);
  EXPECT_EQ(billing_->calls_of("billing.submit_claim").size(), 1u);
}

TEST_P(ClaimResubmissionTest, ALostAnswerLeavesItInDoubtForTheRoundToResend) {
  add(kFacilityA, "c-a", "claim-r", "wasl-step-r", "rejected");
  const std::string id = resubmission_id("claim-r", 1);
  const std::string key = resubmission_key(id);
  billing_->submit_answers.push_back(
      sdk::Error(sdk::ErrorCode::kUnavailable, "the exchange answered HTTP 503", true));
  ASSERT_OK_AND_ASSIGN(domain::Claim made,
                       resubmit_claim(deps_, kFacilityA, "claim-r", {}, 1'000, "x"));
  EXPECT_EQ(made.state, ClaimState::kInDoubt);
  EXPECT_EQ(made.submitted_at, 1'000);

  // The round asks about it and resends exactly what was sent.
  billing_->status_answers.push_back(sdk::ClaimStatus{key, "not_held", "m", "c"});
  billing_->submit_answers.push_back(answer(key, "rejected"));
  ASSERT_OK_AND_ASSIGN(ClaimStatusCheckResult round,
                       check_in_doubt_claims(deps_, kFacilityA, 5'000));
  EXPECT_EQ(round.resent, 1);
  auto checks = billing_->calls_of("billing.check_status");
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].input["request_id"], key);
  auto sent = billing_->calls_of("billing.submit_claim");
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].input, sent[0].input);
  EXPECT_EQ(sent[1].input["related_request_id"], "wasl-step-r");
  EXPECT_EQ(claim(kFacilityA, id).state, ClaimState::kRejected);

  // The resubmission rejected in turn is resubmitted itself, related to its
  // own key.
  billing_->submit_answers.push_back(answer(resubmission_key(resubmission_id(id, 1)), "queued"));
  ASSERT_OK_AND_ASSIGN(domain::Claim third, resubmit_claim(deps_, kFacilityA, id, {}, 6'000, "x"));
  EXPECT_EQ(third.state, ClaimState::kQueued);
  EXPECT_EQ(third.replaces, id);
  EXPECT_EQ(billing_->calls_of("billing.submit_claim")[2].input["related_request_id"], key);
}

TEST_P(ClaimResubmissionTest, AResubmissionInErrorMayBeFollowedByAnother) {
  add(kFacilityA, "c-a", "claim-r", "wasl-step-r", "rejected");
  billing_->submit_answers.push_back(
      sdk::Error(sdk::ErrorCode::kInvalidArgument, "the message was refused as malformed", false));
  ASSERT_OK_AND_ASSIGN(domain::Claim failed,
                       resubmit_claim(deps_, kFacilityA, "claim-r", {}, 1'000, "x"));
  EXPECT_EQ(failed.state, ClaimState::kError);
  billing_->submit_answers.push_back(
      answer(resubmission_key(resubmission_id("claim-r", 2)), "approved"));
  ResubmissionInput input;
  sdk::ClaimItem item;
  item.service_code = "83600-00-20";
  item.quantity = 2;
  item.unit_price = 100;
  input.items = {item};
  ASSERT_OK_AND_ASSIGN(domain::Claim second,
                       resubmit_claim(deps_, kFacilityA, "claim-r", input, 2'000, "x"));
  EXPECT_EQ(second.id, resubmission_id("claim-r", 2));
  EXPECT_NE(second.id, failed.id);
  EXPECT_EQ(second.state, ClaimState::kApproved);
  EXPECT_EQ(claim(kFacilityA, "claim-r").replaced_by, second.id);
  auto sent = billing_->calls_of("billing.submit_claim");
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].input["items"][0]["service_code"], "83600-00-20");
  EXPECT_EQ(sent[1].input["items"][0]["quantity"], 2);
}

TEST_P(ClaimResubmissionTest, OnlyARejectedClaimOfTheFacilityIsResubmitted) {
  add(kFacilityA, "c-a", "claim-a", "wasl-step-a", "approved");
  add(kFacilityB, "c-b", "claim-b", "wasl-step-b", "rejected");
  auto approved = resubmit_claim(deps_, kFacilityA, "claim-a", {}, 1'000, "x");
  ASSERT_FALSE(approved.ok());
  EXPECT_EQ(approved.error().code, sdk::ErrorCode::kFailedPrecondition);
  EXPECT_NE(approved.error().message.find("approved"), std::string::npos);
  auto theirs = resubmit_claim(deps_, kFacilityA, "claim-b", {}, 1'000, "x");
  ASSERT_FALSE(theirs.ok());
  EXPECT_EQ(theirs.error().code, sdk::ErrorCode::kNotFound);
  EXPECT_TRUE(billing_->calls_of("billing.submit_claim").empty());
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM claims"), 2);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'claim.resubmit'"), 0);
}

TEST(ClaimResubmissionIds, DerivedFromTheRejectedClaimAndTheCount) {
  EXPECT_EQ(resubmission_id("claim-r", 1), resubmission_id("claim-r", 1));
  EXPECT_NE(resubmission_id("claim-r", 1), resubmission_id("claim-r", 2));
  EXPECT_NE(resubmission_id("claim-r", 1), resubmission_id("claim-s", 1));
  EXPECT_EQ(resubmission_key("x"), "wasl-resubmit-x");
}

WASL_RECORDS_INSTANTIATE(ClaimResubmissionTest);

}  // namespace
}  // namespace wasl::claims::testing
