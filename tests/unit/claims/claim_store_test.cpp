#include "hub/claims/claim_store.hpp"

#include <gtest/gtest.h>

#include "hub/records/consultation_store.hpp"
#include "tests/unit/records/records_database.hpp"

namespace wasl::claims::testing {
namespace {

using namespace records::testing;
using records::ConsultationStore;

using domain::Claim;
using domain::ClaimState;

class ClaimStoreTest : public RecordsDatabaseTest {
 protected:
  void SetUp() override {
    RecordsDatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    audit_ = std::make_unique<audit::AuditWriter>(GetParam(), std::string(32, 'a'));
    ConsultationStore consultations(*cipher_);
    auto tx = begin();
    ASSERT_OK(consultations.insert(*tx, sample_consultation(kFacilityA, "c-1")));
    ASSERT_OK(tx->commit());
  }

  static Claim sample(const std::string& id, std::int64_t created = 500) {
    Claim c;
    c.id = id;
    c.consultation_id = "c-1";
    c.facility_id = kFacilityA;
    c.request = R"({"patient_id":"Patient/7","member_id":"MEM-1"})";
    c.created_at = created;
    return c;
  }

  std::int64_t audits(const std::string& action) {
    return scalar("SELECT COUNT(*) FROM audit_events WHERE action = $1", {action});
  }

  std::unique_ptr<audit::AuditWriter> audit_;
};

TEST_P(ClaimStoreTest, CreatesADraftOnceWithTheRequestEncryptedAndAudited) {
  ClaimStore store(*cipher_, *audit_);
  ClaimActor by;
  by.run_id = "run-1";
  auto tx = begin();
  Claim c = sample("cl-1");
  c.state = ClaimState::kApproved;  // ignored: a new claim is a draft
  ASSERT_OK_AND_ASSIGN(bool created, store.create(*tx, c, by));
  EXPECT_TRUE(created);
  ASSERT_OK_AND_ASSIGN(bool again, store.create(*tx, sample("cl-1", 900), by));
  EXPECT_FALSE(again);
  ASSERT_OK(tx->commit());

  tx = begin();
  ASSERT_OK_AND_ASSIGN(Claim read, store.get(*tx, kFacilityA, "cl-1"));
  EXPECT_EQ(read.state, ClaimState::kDraft);
  EXPECT_EQ(read.created_at, 500);
  EXPECT_EQ(read.request, sample("cl-1").request);
  EXPECT_FALSE(read.response.has_value());
  EXPECT_EQ(raw_bytes("SELECT request_enc FROM claims").find("MEM-1"), std::string::npos);
  EXPECT_EQ(audits("claim.create"), 1);
  EXPECT_NE(
      raw_bytes("SELECT detail FROM audit_events WHERE action = 'claim.create'").find("run-1"),
      std::string::npos);
}

TEST_P(ClaimStoreTest, RecordsSubmissionsAndListsOldestFirst) {
  ClaimStore store(*cipher_, *audit_);
  auto tx = begin();
  ASSERT_OK(store.create(*tx, sample("cl-2", 700), {}));
  ASSERT_OK(store.create(*tx, sample("cl-1", 600), {}));
  ASSERT_OK(store.record_submission(
      *tx, kFacilityA, "cl-1", {ClaimState::kQueued, std::nullopt, R"({"status":"queued"})", 1000},
      {}));
  ASSERT_OK(store.record_submission(*tx, kFacilityA, "cl-1",
                                    {ClaimState::kPartial, "CR-9", R"({"status":"partial"})", 2000},
                                    {}));
  ASSERT_OK(store.record_submission(
      *tx, kFacilityA, "cl-2", {ClaimState::kError, std::nullopt, R"({"error":{}})", 3000}, {}));
  ASSERT_OK(tx->commit());

  tx = begin();
  ASSERT_OK_AND_ASSIGN(Claim one, store.get(*tx, kFacilityA, "cl-1"));
  EXPECT_EQ(one.state, ClaimState::kPartial);
  EXPECT_EQ(one.provider_claim_id, "CR-9");
  EXPECT_EQ(one.submitted_at, 1000);
  EXPECT_EQ(one.adjudicated_at, 2000);
  EXPECT_EQ(one.response, R"({"status":"partial"})");
  ASSERT_OK_AND_ASSIGN(Claim two, store.get(*tx, kFacilityA, "cl-2"));
  EXPECT_EQ(two.state, ClaimState::kError);
  EXPECT_FALSE(two.submitted_at.has_value());
  ASSERT_OK_AND_ASSIGN(auto listed, store.list_for_consultation(*tx, kFacilityA, "c-1"));
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].id, "cl-1");
  EXPECT_EQ(listed[1].id, "cl-2");
  EXPECT_FALSE(listed[0].request.has_value());  // lists decrypt nothing
  EXPECT_EQ(audits("claim.submit_result"), 3);
  EXPECT_EQ(raw_bytes("SELECT response_enc FROM claims").find("partial"), std::string::npos);
}

TEST_P(ClaimStoreTest, AnotherFacilityCannotReachOrTakeClaims) {
  ClaimStore store(*cipher_, *audit_);
  auto tx = begin();
  ASSERT_OK(store.create(*tx, sample("cl-1"), {}));
  EXPECT_EQ(store.get(*tx, kFacilityB, "cl-1").error().code, sdk::ErrorCode::kNotFound);
  EXPECT_EQ(store.record_submission(*tx, kFacilityB, "cl-1", {}, {}).error().code,
            sdk::ErrorCode::kNotFound);
  Claim theirs = sample("cl-1");
  theirs.facility_id = kFacilityB;
  EXPECT_EQ(store.create(*tx, theirs, {}).error().code, sdk::ErrorCode::kNotFound);
  Claim elsewhere = sample("cl-9");
  elsewhere.facility_id = kFacilityB;  // c-1 is facility A's consultation
  EXPECT_EQ(store.create(*tx, elsewhere, {}).error().code, sdk::ErrorCode::kNotFound);
  Claim nameless = sample("");
  EXPECT_EQ(store.create(*tx, nameless, {}).error().code, sdk::ErrorCode::kInvalidArgument);
  ASSERT_OK_AND_ASSIGN(auto listed, store.list_for_consultation(*tx, kFacilityB, "c-1"));
  EXPECT_TRUE(listed.empty());
}

TEST_P(ClaimStoreTest, KeepsTheRunAndTheAdjudicatedAmountsInClear) {
  ClaimStore store(*cipher_, *audit_);
  ClaimActor by;
  by.run_id = "run-7";
  auto tx = begin();
  ASSERT_OK(store.create(*tx, sample("cl-1"), by));
  domain::ClaimAmounts amounts{"SAR", 23000, 20700, 2300, 2300, 3450};
  ClaimSubmission approved{ClaimState::kApproved, "CR-1", R"({"outcome":"complete"})", 1000,
                           amounts};
  ASSERT_OK(store.record_submission(*tx, kFacilityA, "cl-1", approved, {}));
  ASSERT_OK(tx->commit());

  tx = begin();
  ASSERT_OK_AND_ASSIGN(Claim read, store.get(*tx, kFacilityA, "cl-1"));
  EXPECT_EQ(read.run_id, "run-7");
  ASSERT_TRUE(read.amounts.has_value());
  EXPECT_EQ(*read.amounts, amounts);
  EXPECT_EQ(scalar("SELECT benefit_minor FROM claims WHERE id = 'cl-1'"), 20700);
  nlohmann::json wire = read;
  EXPECT_EQ(wire["run_id"], "run-7");
  EXPECT_DOUBLE_EQ(wire["amounts"]["benefit"].get<double>(), 207.0);
  EXPECT_EQ(wire["amounts"]["currency"], "SAR");
  EXPECT_EQ(domain::to_minor_units(172.505), 17251);
}

TEST_P(ClaimStoreTest, ACancelledClaimTakesNoLaterAnswer) {
  ClaimStore store(*cipher_, *audit_);
  auto tx = begin();
  ASSERT_OK(store.create(*tx, sample("cl-1"), {}));
  ASSERT_OK(store.record_submission(*tx, kFacilityA, "cl-1",
                                    {ClaimState::kCancelled, std::nullopt, "{}", 1000}, {}));
  EXPECT_EQ(store
                .record_submission(*tx, kFacilityA, "cl-1",
                                   {ClaimState::kApproved, std::nullopt, "{}", 2000}, {})
                .error()
                .code,
            sdk::ErrorCode::kFailedPrecondition);
  ASSERT_OK_AND_ASSIGN(Claim read, store.get(*tx, kFacilityA, "cl-1"));
  EXPECT_EQ(read.state, ClaimState::kCancelled);
  EXPECT_EQ(domain::parse_claim_state("cancelled"), ClaimState::kCancelled);
  EXPECT_EQ(domain::parse_claim_state("in_doubt"), ClaimState::kInDoubt);
  EXPECT_EQ(domain::to_string(ClaimState::kInDoubt), "in_doubt");
}

TEST_P(ClaimStoreTest, ListsAFacilitysClaimsByStateSinceAPointInPages) {
  ClaimStore store(*cipher_, *audit_);
  ConsultationStore consultations(*cipher_);
  auto tx = begin();
  ASSERT_OK(consultations.insert(*tx, sample_consultation(kFacilityB, "c-b")));
  for (int i = 1; i <= 4; ++i) {
    ASSERT_OK(store.create(*tx, sample("cl-" + std::to_string(i), 100 * i), {}));
  }
  Claim theirs = sample("cl-b", 250);
  theirs.consultation_id = "c-b";
  theirs.facility_id = kFacilityB;
  ASSERT_OK(store.create(*tx, theirs, {}));
  ASSERT_OK(store.record_submission(*tx, kFacilityB, "cl-b",
                                    {ClaimState::kQueued, std::nullopt, "{}", 300}, {}));
  for (const char* id : {"cl-1", "cl-2", "cl-4"}) {
    ASSERT_OK(store.record_submission(*tx, kFacilityA, id,
                                      {ClaimState::kQueued, std::nullopt, "{}", 500}, {}));
  }
  ASSERT_OK(tx->commit());

  tx = begin();
  ClaimQuery q;
  q.state = ClaimState::kQueued;
  q.since_ms = 200;
  ASSERT_OK_AND_ASSIGN(auto queued, store.list(*tx, kFacilityA, q));
  ASSERT_EQ(queued.size(), 2u);
  EXPECT_EQ(queued[0].id, "cl-2");
  EXPECT_EQ(queued[1].id, "cl-4");
  EXPECT_FALSE(queued[0].request.has_value());
  q.limit = 1;
  ASSERT_OK_AND_ASSIGN(auto first, store.list(*tx, kFacilityA, q));
  ASSERT_EQ(first.size(), 1u);
  q.after = std::make_pair(first[0].created_at, first[0].id);
  ASSERT_OK_AND_ASSIGN(auto second, store.list(*tx, kFacilityA, q));
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].id, "cl-4");
  ASSERT_OK_AND_ASSIGN(auto all, store.list(*tx, kFacilityA, ClaimQuery{}));
  EXPECT_EQ(all.size(), 4u);
  ASSERT_OK_AND_ASSIGN(auto b, store.list(*tx, kFacilityB, ClaimQuery{}));
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].id, "cl-b");
}

TEST_P(ClaimStoreTest, AMovedCiphertextIsRefused) {
  ClaimStore store(*cipher_, *audit_);
  auto tx = begin();
  ASSERT_OK(store.create(*tx, sample("cl-1"), {}));
  ASSERT_OK(store.create(*tx, sample("cl-2"), {}));
  ASSERT_OK(tx->commit());
  exec_raw(
      "UPDATE claims SET request_enc = (SELECT request_enc FROM claims WHERE id = 'cl-1') "
      "WHERE id = 'cl-2'");
  tx = begin();
  EXPECT_FALSE(store.get(*tx, kFacilityA, "cl-2").ok());
}

TEST(ClaimState, FollowsTheExchangesAnswer) {
  using domain::claim_state_after_response;
  EXPECT_EQ(claim_state_after_response("queued", "queued", false), ClaimState::kQueued);
  EXPECT_EQ(claim_state_after_response("complete", "complete", true), ClaimState::kApproved);
  EXPECT_EQ(claim_state_after_response("complete", "complete", false), ClaimState::kRejected);
  EXPECT_EQ(claim_state_after_response("partial", "partial", true), ClaimState::kPartial);
  EXPECT_EQ(claim_state_after_response("error", "error", false), ClaimState::kRejected);
  EXPECT_EQ(claim_state_after_response("", "", false), ClaimState::kSubmitted);
  // No answer arrived: in doubt, never queued.
  EXPECT_EQ(claim_state_after_response("unknown", "", false), ClaimState::kInDoubt);
  EXPECT_FALSE(domain::is_adjudicated(ClaimState::kInDoubt));
  EXPECT_TRUE(domain::is_adjudicated(ClaimState::kRejected));
  EXPECT_FALSE(domain::is_adjudicated(ClaimState::kQueued));
}

// A payment follows the payer's decision: paid and partially paid claims are
// adjudicated, and only an approved or partial claim, or one already paid
// in part or whole, takes a payment.
TEST(ClaimState, PaidStatesComeAfterTheDecision) {
  EXPECT_EQ(domain::parse_claim_state("paid"), ClaimState::kPaid);
  EXPECT_EQ(domain::parse_claim_state("partially_paid"), ClaimState::kPartiallyPaid);
  EXPECT_EQ(domain::to_string(ClaimState::kPartiallyPaid), "partially_paid");
  EXPECT_TRUE(domain::is_adjudicated(ClaimState::kPaid));
  EXPECT_TRUE(domain::is_adjudicated(ClaimState::kPartiallyPaid));
  for (ClaimState s : {ClaimState::kApproved, ClaimState::kPartial, ClaimState::kPaid,
                       ClaimState::kPartiallyPaid}) {
    EXPECT_TRUE(domain::is_payable(s)) << domain::to_string(s);
  }
  for (ClaimState s :
       {ClaimState::kDraft, ClaimState::kSubmitted, ClaimState::kQueued, ClaimState::kInDoubt,
        ClaimState::kRejected, ClaimState::kError, ClaimState::kCancelled}) {
    EXPECT_FALSE(domain::is_payable(s)) << domain::to_string(s);
  }
}

TEST_P(ClaimStoreTest, TheLatestClaimOfAConsultation) {
  ClaimStore store(*cipher_, *audit_);
  auto tx = begin();
  ASSERT_OK_AND_ASSIGN(auto none, store.latest_for_consultation(*tx, kFacilityA, "c-1"));
  EXPECT_FALSE(none.has_value());
  ASSERT_OK(store.create(*tx, sample("cl-2", 700), {}));
  ASSERT_OK(store.create(*tx, sample("cl-1", 900), {}));
  ASSERT_OK(store.create(*tx, sample("cl-3", 900), {}));
  ASSERT_OK_AND_ASSIGN(auto latest, store.latest_for_consultation(*tx, kFacilityA, "c-1"));
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->id, "cl-3");              // created last; the higher id breaks the tie
  EXPECT_FALSE(latest->request.has_value());  // nothing decrypted
  ASSERT_OK_AND_ASSIGN(auto other, store.latest_for_consultation(*tx, kFacilityB, "c-1"));
  EXPECT_FALSE(other.has_value());
}

TEST_P(ClaimStoreTest, CountsStatesOverMoreConsultationsThanOneListTakes) {
  // 1,201 consultations of facility A (more than two chunks of
  // storage::kListChunk ids), each with a claim: every third approved.
  const int n = 1201;
  exec_raw("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
               std::to_string(n) +
               ") INSERT INTO consultations (id, facility_id, status, consultation_type, "
               "created_at, updated_at) SELECT 'bulk-' || i, $1, 'completed', 'follow_up', 1, 1 "
               "FROM n",
           {std::string(kFacilityA)});
  exec_raw("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " +
               std::to_string(n) +
               ") INSERT INTO claims (id, consultation_id, facility_id, state, created_at) "
               "SELECT 'claim-' || i, 'bulk-' || i, $1, CASE WHEN i % 3 = 0 THEN 'approved' "
               "ELSE 'submitted' END, 1 FROM n",
           {std::string(kFacilityA)});
  exec_raw(
      "INSERT INTO claims (id, consultation_id, facility_id, state, created_at) "
      "VALUES ('other', 'bulk-1', $1, 'rejected', 1)",
      {std::string(kFacilityB)});
  std::vector<std::string> ids;
  for (int i = 1; i <= n; ++i) ids.push_back("bulk-" + std::to_string(i));
  ids.push_back("c-1");  // a consultation without claims
  ClaimStore store(*cipher_, *audit_);
  auto tx = begin();
  ASSERT_OK_AND_ASSIGN(auto states, store.count_states(*tx, kFacilityA, ids));
  EXPECT_EQ(states, (std::map<std::string, std::int64_t>{{"approved", 400}, {"submitted", 801}}));
  ASSERT_OK_AND_ASSIGN(auto theirs, store.count_states(*tx, kFacilityB, ids));
  EXPECT_EQ(theirs, (std::map<std::string, std::int64_t>{{"rejected", 1}}));
  ASSERT_OK_AND_ASSIGN(auto empty, store.count_states(*tx, kFacilityA, {}));
  EXPECT_TRUE(empty.empty());
}

WASL_RECORDS_INSTANTIATE(ClaimStoreTest);

}  // namespace
}  // namespace wasl::claims::testing
