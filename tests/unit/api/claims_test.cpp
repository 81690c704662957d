// Claims: list, read and retry, with roles and facility isolation.
#include "hub/api/claims.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "hub/api/billing_messages.hpp"
#include "hub/claims/billing_message_store.hpp"
#include "hub/claims/claim_store.hpp"
#include "hub/claims/polled_message_router.hpp"
#include "tests/unit/api/api_fixture.hpp"
#include "tests/unit/audit/audit_outage.hpp"

namespace wasl::api::testing {
namespace {

using access::Role;

// A run whose only step submits the claim named by the trigger.
constexpr const char* kSubmitFlow = R"(
name: submit-only
version: 1
trigger: {kind: api}
steps:
  - id: claim_submitted
    call: billing.submit_claim
    with:
      patient_id: pat-1
      raw:
        claim_id: ${trigger.claim_id}
    retry: {max_attempts: 1}
)";

class ClaimsTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(definitions_->deploy_source(kSubmitFlow, "submit-only.yaml", "test").ok());
    consultation_ = add_consultation(kFacilityA, "c-a");
    add_consultation(kFacilityB, "c-b");
    add_claim(kFacilityA, consultation_, "claim-a");
    add_claim(kFacilityB, "c-b", "claim-b");
  }

  // A polled message stored for `facility` (claims::BillingMessageStore).
  std::string add_billing_message(const std::string& facility, const std::string& message_id,
                                  claims::BillingMessageState state) {
    claims::BillingMessage m;
    m.id = "bm-" + message_id;
    m.facility_id = facility;
    m.message_id = message_id;
    m.event = "claim-response";
    m.state = state;
    m.problem = "it answers no claim of the facility";
    m.received_at = kNow;
    sdk::PolledMessage polled;
    polled.event = "claim-response";
    polled.message_id = message_id;
    polled.request_message_id = "mh-nobody";
    polled.answer.request_message_id = "mh-nobody";
    polled.answer.status = "complete";
    m.message = nlohmann::json(polled).dump();
    claims::BillingMessageStore messages(*cipher_, *audit_);
    auto tx = store_->begin();
    EXPECT_TRUE(tx.ok());
    auto inserted = messages.insert(**tx, m, "system");
    EXPECT_TRUE(inserted.ok() && *inserted);
    EXPECT_TRUE((*tx)->commit().ok());
    return m.id;
  }

  std::string add_consultation(const std::string& facility, const std::string& id) {
    domain::Consultation c;
    c.id = id;
    c.facility_id = facility;
    c.workflow_name = "submit-only";
    c.created_at = kNow;
    c.updated_at = kNow;
    records::ConsultationStore consultations(*cipher_);
    auto tx = store_->begin();
    EXPECT_TRUE(tx.ok());
    auto inserted = consultations.insert(**tx, c);
    EXPECT_TRUE(inserted.ok()) << inserted.error().message;
    EXPECT_TRUE((*tx)->commit().ok());
    return id;
  }

  void add_claim(const std::string& facility, const std::string& consultation,
                 const std::string& id) {
    domain::Claim c;
    c.id = id;
    c.consultation_id = consultation;
    c.facility_id = facility;
    c.request = R"({"patient_id":"pat-1"})";
    c.created_at = kNow;
    claims::ClaimStore claims(*cipher_, *audit_);
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(claims.create(**tx, c, {}).ok());
    ASSERT_TRUE((*tx)->commit().ok());
  }

  void set_state(const std::string& id, domain::ClaimState state) {
    exec("UPDATE claims SET state = $1 WHERE id = $2", {std::string(domain::to_string(state)), id});
  }

  // Starts the submit-only run for claim-a and waits for it to end.
  std::string run_submission(bool failing) {
    invoker_->fail("billing.submit_claim", failing);
    workflow::StartRunRequest r;
    r.workflow = "submit-only";
    r.facility_id = kFacilityA;
    r.consultation_id = consultation_;
    r.trigger = {{"claim_id", "claim-a"}};
    auto run = engine_->start_run(r);
    EXPECT_TRUE(run.ok());
    if (!engine_started_) {
      EXPECT_TRUE(engine_->start().ok());
      engine_started_ = true;
    }
    return wait_for_run(*run, {"failed", "succeeded"});
  }

  std::string wait_for_run(const std::string& run, const std::set<std::string>& ends) {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < until) {
      auto t = engine_->timeline(run);
      if (t.ok() && ends.count(t->status)) return run;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << "run " << run << " did not end";
    return run;
  }

  std::string run_status(const std::string& run) {
    auto t = engine_->timeline(run);
    return t.ok() ? t->status : "";
  }

  std::string consultation_;
  bool engine_started_ = false;
};

TEST_P(ClaimsTest, ListsAndReadsWithoutTheDocuments) {
  http::Response list = send({"GET", "/v1/consultations/c-a/claims"}, Role::kIntegrator);
  ASSERT_EQ(list.status, 200) << list.body;
  nlohmann::json items = body_of(list)["items"];
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["id"], "claim-a");
  EXPECT_EQ(items[0]["state"], "draft");

  http::Response read = send({"GET", "/v1/claims/claim-a"}, Role::kHospital);
  ASSERT_EQ(read.status, 200) << read.body;
  nlohmann::json claim = body_of(read);
  EXPECT_EQ(claim["consultation_id"], "c-a");
  EXPECT_EQ(claim["created_at"], iso(kNow));
  EXPECT_EQ(read.body.find("pat-1"), std::string::npos);  // the request is not on the wire
  EXPECT_EQ(audit_count("claim.read"), 1);
  EXPECT_EQ(audit_count("claim.list"), 1);
}

TEST_P(ClaimsTest, AnotherFacilitysIdsAreNotFound) {
  EXPECT_EQ(send({"GET", "/v1/claims/claim-a"}, Role::kAdmin, /*facility_b=*/true).status, 404);
  EXPECT_EQ(send({"GET", "/v1/consultations/c-a/claims"}, Role::kAdmin, true).status, 404);
  EXPECT_EQ(send({"POST", "/v1/claims/claim-a/retry"}, Role::kAdmin, true).status, 404);
  http::Response missing = send({"GET", "/v1/claims/nope"});
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(body_of(missing)["detail"], "No claim with this id exists.");
  // The same answer as a missing claim: nothing tells them apart.
  EXPECT_EQ(send({"GET", "/v1/claims/claim-b"}).body.find("claim-b"), std::string::npos);
}

TEST_P(ClaimsTest, RolesFollowTheMatrix) {
  EXPECT_EQ(send({"GET", "/v1/claims/claim-a"}, Role::kClinician).status, 403);
  EXPECT_EQ(send({"GET", "/v1/claims/claim-a"}, Role::kAuditor).status, 403);
  EXPECT_EQ(send({"GET", "/v1/consultations/c-a/claims"}, Role::kClinician).status, 403);
  EXPECT_EQ(send({"POST", "/v1/claims/claim-a/retry"}, Role::kHospital).status, 403);
  EXPECT_EQ(send({"POST", "/v1/claims/claim-a/retry"}, Role::kClinician).status, 403);
  EXPECT_EQ(send({"GET", "/v1/claims/claim-a"}, std::nullopt).status, 401);
}

TEST_P(ClaimsTest, RetryResumesTheRunThatFailedAtTheSubmission) {
  std::string run = run_submission(/*failing=*/true);
  ASSERT_EQ(run_status(run), "failed");
  set_state("claim-a", domain::ClaimState::kError);  // what the submit observer records
  invoker_->fail("billing.submit_claim", false);

  http::Response r =
      send({"POST", "/v1/claims/claim-a/retry", "", {{"Idempotency-Key", "retry-1"}}},
           Role::kIntegrator);
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(body_of(r)["id"], "claim-a");
  EXPECT_EQ(body_of(r)["run_id"], run);
  wait_for_run(run, {"succeeded"});
  EXPECT_EQ(invoker_->calls("billing.submit_claim"), 2);
  EXPECT_EQ(audit_count("claim.retry"), 1);

  // A replay of the same key answers the first 202 and retries nothing.
  http::Response again =
      send({"POST", "/v1/claims/claim-a/retry", "", {{"Idempotency-Key", "retry-1"}}},
           Role::kIntegrator);
  EXPECT_EQ(again.status, 202);
  EXPECT_EQ(again.body, r.body);
  EXPECT_EQ(invoker_->calls("billing.submit_claim"), 2);
}

// A claim retry whose audit event cannot be written resumes nothing and
// keeps its Idempotency-Key free: the replay of that key is the one retry,
// and the claim is submitted once more, not twice.
TEST_P(ClaimsTest, RetryCommitsWithItsAuditEventAndKeyOrNotAtAll) {
  std::string run = run_submission(/*failing=*/true);
  ASSERT_EQ(run_status(run), "failed");
  set_state("claim-a", domain::ClaimState::kError);
  ASSERT_EQ(invoker_->calls("billing.submit_claim"), 1);  // still failing from here on

  const Call retry{"POST", "/v1/claims/claim-a/retry", "", {{"Idempotency-Key", "retry-1"}}};
  ASSERT_TRUE(audit::testing::set_audit_outage(*store_, true).ok());
  http::Response failed = send(retry, Role::kIntegrator);
  ASSERT_TRUE(audit::testing::set_audit_outage(*store_, false).ok());
  EXPECT_GE(failed.status, 400) << failed.body;
  EXPECT_EQ(run_status(run), "failed") << "the retry outlived its audit";
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM idempotency_keys WHERE key = 'retry-1'"), 0);
  // Whatever the engine was handed in the failed request has run its course
  // (the step fails again) before the replay is judged.
  wait_for_run(run, {"failed"});

  http::Response r = send(retry, Role::kIntegrator);
  ASSERT_EQ(r.status, 202) << r.body;
  wait_for_run(run, {"failed"});
  http::Response again = send(retry, Role::kIntegrator);
  EXPECT_EQ(again.status, 202);
  EXPECT_EQ(again.body, r.body);
  wait_for_run(run, {"failed"});
  EXPECT_EQ(invoker_->calls("billing.submit_claim"), 2) << "one submission per retry that answered";
  EXPECT_EQ(audit_count("claim.retry"), 1);
}

TEST_P(ClaimsTest, RetryResumesTheClaimsOwnRunNotTheLatest) {
  std::string first = run_submission(/*failing=*/true);
  ASSERT_EQ(run_status(first), "failed");
  std::string latest = run_submission(/*failing=*/false);
  ASSERT_NE(first, latest);
  ASSERT_EQ(run_status(latest), "succeeded");
  exec("UPDATE claims SET state = 'error', run_id = $1 WHERE id = 'claim-a'", {first});

  http::Response r = send({"POST", "/v1/claims/claim-a/retry"}, Role::kIntegrator);
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(body_of(r)["run_id"], first);
  wait_for_run(first, {"succeeded"});
}

TEST_P(ClaimsTest, ListsTheFacilitysClaimsByStateAndSince) {
  add_claim(kFacilityA, consultation_, "claim-a2");
  add_claim(kFacilityA, consultation_, "claim-a3");
  set_state("claim-a", domain::ClaimState::kQueued);
  set_state("claim-a3", domain::ClaimState::kQueued);
  set_state("claim-b", domain::ClaimState::kQueued);
  exec("UPDATE claims SET created_at = $1 WHERE id = 'claim-a'", {kNow - 3600000});

  const std::string since = iso(kNow - 60000);
  http::Response r = send({"GET", "/v1/claims?state=queued&since=" + since}, Role::kIntegrator);
  ASSERT_EQ(r.status, 200) << r.body;
  nlohmann::json items = body_of(r)["items"];
  ASSERT_EQ(items.size(), 1u) << r.body;
  EXPECT_EQ(items[0]["id"], "claim-a3");
  EXPECT_EQ(items[0]["state"], "queued");
  EXPECT_TRUE(body_of(r)["next_cursor"].is_null());
  EXPECT_EQ(audit_count("claim.list"), 1);

  // Pages: one at a time, oldest first, then the cursor.
  http::Response page = send({"GET", "/v1/claims?state=queued&limit=1"}, Role::kHospital);
  ASSERT_EQ(page.status, 200) << page.body;
  ASSERT_EQ(body_of(page)["items"].size(), 1u);
  EXPECT_EQ(body_of(page)["items"][0]["id"], "claim-a");
  std::string cursor = body_of(page)["next_cursor"].get<std::string>();
  http::Response next =
      send({"GET", "/v1/claims?state=queued&limit=1&cursor=" + cursor}, Role::kHospital);
  ASSERT_EQ(next.status, 200) << next.body;
  EXPECT_EQ(body_of(next)["items"][0]["id"], "claim-a3");

  // Another facility sees only its own claims; A's are as good as missing.
  http::Response theirs = send({"GET", "/v1/claims?state=queued"}, Role::kAdmin, true);
  ASSERT_EQ(theirs.status, 200) << theirs.body;
  ASSERT_EQ(body_of(theirs)["items"].size(), 1u);
  EXPECT_EQ(body_of(theirs)["items"][0]["id"], "claim-b");
  EXPECT_EQ(send({"GET", "/v1/claims/claim-a3"}, Role::kAdmin, true).status, 404);

  for (const char* bad : {"/v1/claims?state=lost", "/v1/claims?since=yesterday",
                          "/v1/claims?limit=0", "/v1/claims?cursor=zz", "/v1/claims?colour=red"}) {
    http::Response b = send({"GET", bad});
    EXPECT_EQ(b.status, 400) << bad << " " << b.body;
    EXPECT_EQ(b.headers.find("Content-Type")->second, "application/problem+json");
  }
  EXPECT_EQ(send({"GET", "/v1/claims"}, Role::kClinician).status, 403);
  EXPECT_EQ(send({"GET", "/v1/claims"}, Role::kAuditor).status, 403);
  EXPECT_EQ(send({"GET", "/v1/claims"}, std::nullopt).status, 401);
}

TEST_P(ClaimsTest, ListsTheClaimsInDoubt) {
  add_claim(kFacilityA, consultation_, "claim-a2");
  set_state("claim-a", domain::ClaimState::kInDoubt);
  set_state("claim-a2", domain::ClaimState::kQueued);
  set_state("claim-b", domain::ClaimState::kInDoubt);
  http::Response r = send({"GET", "/v1/claims?state=in_doubt"}, Role::kIntegrator);
  ASSERT_EQ(r.status, 200) << r.body;
  nlohmann::json items = body_of(r)["items"];
  ASSERT_EQ(items.size(), 1u) << r.body;  // facility B's is not A's to see
  EXPECT_EQ(items[0]["id"], "claim-a");
  EXPECT_EQ(items[0]["state"], "in_doubt");
  http::Response one = send({"GET", "/v1/claims/claim-a"}, Role::kIntegrator);
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(body_of(one)["state"], "in_doubt");
  // The hub resolves a claim in doubt itself: an operator's retry is refused.
  EXPECT_EQ(send({"POST", "/v1/claims/claim-a/retry"}, Role::kIntegrator).status, 409);
}

TEST_P(ClaimsTest, ListsThePaidAndPartlyPaidClaims) {
  add_claim(kFacilityA, consultation_, "claim-a2");
  set_state("claim-a", domain::ClaimState::kPaid);
  set_state("claim-a2", domain::ClaimState::kPartiallyPaid);
  set_state("claim-b", domain::ClaimState::kPaid);
  for (const char* state : {"paid", "partially_paid"}) {
    http::Response r = send({"GET", std::string("/v1/claims?state=") + state}, Role::kHospital);
    ASSERT_EQ(r.status, 200) << r.body;
    nlohmann::json items = body_of(r)["items"];
    ASSERT_EQ(items.size(), 1u) << r.body;  // facility B's is not A's to see
    EXPECT_EQ(items[0]["state"], state);
  }
  http::Response bad = send({"GET", "/v1/claims?state=settled"});
  ASSERT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("paid, partially_paid"), std::string::npos) << bad.body;
  // Paid is not a failed submission: nothing to retry.
  EXPECT_EQ(send({"POST", "/v1/claims/claim-a/retry"}, Role::kIntegrator).status, 409);
}

TEST_P(ClaimsTest, PollFetchesQueuedAnswersForTheCallersFacilityOnly) {
  http::Response unavailable = send({"POST", "/v1/claims/poll"}, Role::kIntegrator);
  EXPECT_EQ(unavailable.status, 503) << unavailable.body;

  std::vector<std::pair<std::string, std::string>> polled;
  bool refuse_identity = false;
  context_.poll_claims = [&polled, &refuse_identity](
                             const std::string& facility,
                             const audit::AuditActor& actor) -> sdk::Result<nlohmann::json> {
    polled.emplace_back(facility, actor.actor);
    if (facility == kFacilityB) {
      return sdk::Error(sdk::ErrorCode::kNotFound, "facility has no billing binding", false);
    }
    if (refuse_identity) {
      return sdk::Error(sdk::ErrorCode::kFailedPrecondition,
                        "billing.nphies: NPHIES client certificate expired at 2021-02-01T00:00:00Z",
                        false);
    }
    return nlohmann::json{{"fetched", 2}, {"matched", 1}, {"unmatched", 1}, {"acknowledged", 1}};
  };
  http::Response r = send({"POST", "/v1/claims/poll"}, Role::kIntegrator);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_of(r)["matched"], 1);
  ASSERT_EQ(polled.size(), 1u);
  EXPECT_EQ(polled[0].first, kFacilityA);
  EXPECT_NE(polled[0].second.find("apikey:"), std::string::npos);
  EXPECT_EQ(audit_count("claim.poll"), 1);

  http::Response theirs = send({"POST", "/v1/claims/poll"}, Role::kAdmin, /*facility_b=*/true);
  EXPECT_EQ(theirs.status, 409) << theirs.body;
  ASSERT_EQ(polled.size(), 2u);
  EXPECT_EQ(polled[1].first, kFacilityB);
  EXPECT_EQ(send({"POST", "/v1/claims/poll"}, Role::kHospital).status, 403);
  EXPECT_EQ(send({"POST", "/v1/claims/poll"}, Role::kClinician).status, 403);
  EXPECT_EQ(send({"POST", "/v1/claims/poll"}, std::nullopt).status, 401);
  EXPECT_EQ(polled.size(), 2u);

  // The instance refusing its own certificate is not "no billing binding":
  // the problem names the instance.
  refuse_identity = true;
  http::Response refused = send({"POST", "/v1/claims/poll"}, Role::kIntegrator);
  EXPECT_NE(refused.status, 200) << refused.body;
  EXPECT_NE(refused.status, 500) << refused.body;
  EXPECT_NE(refused.body.find("billing.nphies"), std::string::npos) << refused.body;
}

TEST_P(ClaimsTest, BillingMessagesAreTheCallersFacilitysAndReplayable) {
  const std::string a =
      add_billing_message(kFacilityA, "m-a", claims::BillingMessageState::kUnmatched);
  const std::string done =
      add_billing_message(kFacilityA, "m-done", claims::BillingMessageState::kRecorded);
  const std::string b =
      add_billing_message(kFacilityB, "m-b", claims::BillingMessageState::kUnmatched);
  claims::ClaimPollDeps deps;
  deps.store = store_.get();
  deps.cipher = cipher_.get();
  deps.audit = audit_.get();
  context_.replay_billing_message =
      [&deps](const std::string& facility, const std::string& id,
              const audit::AuditActor& actor) -> sdk::Result<nlohmann::json> {
    WASL_ASSIGN_OR_RETURN(claims::BillingMessage m,
                          claims::replay_billing_message(deps, facility, id, kNow + 1, actor));
    return billing_message_json(m);
  };

  http::Response listed = send({"GET", "/v1/billing/messages?state=unmatched"}, Role::kIntegrator);
  ASSERT_EQ(listed.status, 200) << listed.body;
  ASSERT_EQ(body_of(listed)["items"].size(), 1u) << listed.body;
  EXPECT_EQ(body_of(listed)["items"][0]["id"], a);
  EXPECT_EQ(body_of(listed)["items"][0]["problem"], "it answers no claim of the facility");
  EXPECT_EQ(listed.body.find("mh-nobody"), std::string::npos) << "the message is not listed";
  http::Response theirs = send({"GET", "/v1/billing/messages"}, Role::kAdmin, /*facility_b=*/true);
  ASSERT_EQ(theirs.status, 200) << theirs.body;
  ASSERT_EQ(body_of(theirs)["items"].size(), 1u);
  EXPECT_EQ(body_of(theirs)["items"][0]["id"], b);
  EXPECT_EQ(send({"GET", "/v1/billing/messages?state=lost"}, Role::kIntegrator).status, 400);

  // Another facility's message is not found, exactly like a missing one.
  http::Response other =
      send({"POST", "/v1/billing/messages/" + a + "/replay"}, Role::kAdmin, /*facility_b=*/true);
  EXPECT_EQ(other.status, 404) << other.body;
  EXPECT_EQ(body_of(other)["detail"], "No billing message with this id exists.");
  EXPECT_EQ(send({"POST", "/v1/billing/messages/nope/replay"}, Role::kIntegrator).status, 404);
  EXPECT_EQ(send({"POST", "/v1/billing/messages/" + done + "/replay"}, Role::kIntegrator).status,
            409);
  http::Response replayed =
      send({"POST", "/v1/billing/messages/" + a + "/replay"}, Role::kIntegrator);
  ASSERT_EQ(replayed.status, 200) << replayed.body;
  EXPECT_EQ(body_of(replayed)["state"], "unmatched");  // still no claim of A's asked for it
  EXPECT_EQ(body_of(replayed)["replays"], 1);
  EXPECT_EQ(audit_count("billing.message_replayed"), 1);

  EXPECT_EQ(send({"GET", "/v1/billing/messages"}, Role::kHospital).status, 403);
  EXPECT_EQ(send({"POST", "/v1/billing/messages/" + a + "/replay"}, Role::kClinician).status, 403);
  EXPECT_EQ(send({"GET", "/v1/billing/messages"}, std::nullopt).status, 401);
}

TEST_P(ClaimsTest, ADraftClaimIsRetriedWhenItsSubmitStepFailed) {
  std::string run = run_submission(/*failing=*/true);
  invoker_->fail("billing.submit_claim", false);
  http::Response r = send({"POST", "/v1/claims/claim-a/retry"}, Role::kAdmin);
  ASSERT_EQ(r.status, 202) << r.body;
  wait_for_run(run, {"succeeded"});
}

TEST_P(ClaimsTest, OtherStatesAnswerConflict) {
  for (auto state : {domain::ClaimState::kApproved, domain::ClaimState::kRejected,
                     domain::ClaimState::kQueued, domain::ClaimState::kSubmitted,
                     domain::ClaimState::kPartial, domain::ClaimState::kCancelled}) {
    set_state("claim-a", state);
    http::Response r = send({"POST", "/v1/claims/claim-a/retry"}, Role::kIntegrator);
    EXPECT_EQ(r.status, 409) << r.body;
    EXPECT_EQ(r.headers.find("Content-Type")->second, "application/problem+json");
    const std::string name(domain::to_string(state));
    EXPECT_EQ(
        body_of(r)["detail"],
        "The claim is " + name + "; only a claim whose submission failed can be resubmitted.");
  }
  // A draft claim whose run did not fail at the submission.
  set_state("claim-a", domain::ClaimState::kDraft);
  EXPECT_EQ(send({"POST", "/v1/claims/claim-a/retry"}).status, 409);
  // An error claim whose run succeeded: nothing to resume.
  run_submission(/*failing=*/false);
  set_state("claim-a", domain::ClaimState::kError);
  http::Response r = send({"POST", "/v1/claims/claim-a/retry"});
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_NE(body_of(r)["detail"].get<std::string>().find("succeeded"), std::string::npos);
  EXPECT_EQ(audit_count("claim.retry"), 0);
}

TEST_P(ClaimsTest, BadIdempotencyKeyIsABadRequest) {
  http::Response r =
      send({"POST", "/v1/claims/claim-a/retry", "", {{"Idempotency-Key", std::string(300, 'k')}}});
  EXPECT_EQ(r.status, 400) << r.body;
  http::Response no_run = send({"POST", "/v1/claims/claim-a/retry"});
  EXPECT_EQ(no_run.status, 409) << no_run.body;
  EXPECT_EQ(body_of(no_run)["detail"], "This consultation has no workflow run.");
  set_state("claim-a", domain::ClaimState::kApproved);
  http::Response arabic =
      send({"POST", "/v1/claims/claim-a/retry", "", {{"Accept-Language", "ar"}}});
  EXPECT_EQ(arabic.status, 409);
  EXPECT_NE(body_of(arabic)["detail"].get<std::string>().find("المطالبة"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, ClaimsTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
