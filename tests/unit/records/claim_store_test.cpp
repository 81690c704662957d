#include "hub/records/claim_store.hpp"

#include <gtest/gtest.h>

#include "hub/records/consultation_store.hpp"
#include "tests/unit/records/records_database.hpp"

namespace wasl::records::testing {
namespace {

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
  EXPECT_NE(raw_bytes("SELECT detail FROM audit_events WHERE action = 'claim.create'")
                .find("run-1"),
            std::string::npos);
}

TEST_P(ClaimStoreTest, RecordsSubmissionsAndListsOldestFirst) {
  ClaimStore store(*cipher_, *audit_);
  auto tx = begin();
  ASSERT_OK(store.create(*tx, sample("cl-2", 700), {}));
  ASSERT_OK(store.create(*tx, sample("cl-1", 600), {}));
  ASSERT_OK(store.record_submission(*tx, kFacilityA, "cl-1",
                                    {ClaimState::kQueued, std::nullopt, R"({"status":"queued"})",
                                     1000},
                                    {}));
  ASSERT_OK(store.record_submission(*tx, kFacilityA, "cl-1",
                                    {ClaimState::kPartial, "CR-9", R"({"status":"partial"})", 2000},
                                    {}));
  ASSERT_OK(store.record_submission(*tx, kFacilityA, "cl-2",
                                    {ClaimState::kError, std::nullopt, R"({"error":{}})", 3000},
                                    {}));
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

TEST_P(ClaimStoreTest, AMovedCiphertextIsRefused) {
  ClaimStore store(*cipher_, *audit_);
  auto tx = begin();
  ASSERT_OK(store.create(*tx, sample("cl-1"), {}));
  ASSERT_OK(store.create(*tx, sample("cl-2"), {}));
  ASSERT_OK(tx->commit());
  exec_raw("UPDATE claims SET request_enc = (SELECT request_enc FROM claims WHERE id = 'cl-1') "
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
  EXPECT_TRUE(domain::is_adjudicated(ClaimState::kRejected));
  EXPECT_FALSE(domain::is_adjudicated(ClaimState::kQueued));
}

WASL_RECORDS_INSTANTIATE(ClaimStoreTest);

}  // namespace
}  // namespace wasl::records::testing
