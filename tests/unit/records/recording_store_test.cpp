#include "hub/records/recording_store.hpp"

#include <gtest/gtest.h>

#include "hub/records/consultation_store.hpp"
#include "tests/unit/records/records_database.hpp"

namespace wasl::records::testing {
namespace {

using domain::Recording;
using domain::RecordingState;

class RecordingStoreTest : public RecordsDatabaseTest {
 protected:
  void SetUp() override {
    RecordsDatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    ConsultationStore consultations(*cipher_);
    auto tx = begin();
    ASSERT_OK(consultations.insert(*tx, sample_consultation(kFacilityA, "c-1")));
    ASSERT_OK(tx->commit());
  }

  static Recording sample(const std::string& id) {
    Recording r;
    r.id = id;
    r.consultation_id = "c-1";
    r.facility_id = kFacilityA;
    r.provider_recording_id = "RT-" + id;
    r.created_at = 500;
    return r;
  }
};

TEST_P(RecordingStoreTest, InsertsArchivesAndLists) {
  RecordingStore store;
  auto tx = begin();
  ASSERT_OK(store.insert(*tx, sample("r-1")));
  auto dup = store.insert(*tx, [] {
    Recording r = sample("r-2");
    r.provider_recording_id = "RT-r-1";
    return r;
  }());
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, sdk::ErrorCode::kAlreadyExists);
  tx->rollback();

  tx = begin();
  ASSERT_OK(store.insert(*tx, sample("r-1")));
  ArchivedFile file{"/var/wasl/rec/r-1.wse", 1234, std::string(64, 'a'), "k1-x", 60'000, 9'999'999};
  ASSERT_OK(store.mark_archived(*tx, kFacilityA, "r-1", file));
  ASSERT_OK(store.set_legal_hold(*tx, kFacilityA, "r-1", true));
  ASSERT_OK(tx->commit());

  tx = begin();
  ASSERT_OK_AND_ASSIGN(Recording r, store.get(*tx, kFacilityA, "r-1"));
  EXPECT_EQ(r.state, RecordingState::kArchived);
  EXPECT_EQ(r.storage_path, "/var/wasl/rec/r-1.wse");
  EXPECT_EQ(r.size_bytes, 1234);
  EXPECT_EQ(r.key_id, "k1-x");
  EXPECT_TRUE(r.legal_hold);
  EXPECT_EQ(store.mark_deleted(*tx, kFacilityA, "r-1", 7).error().code,
            sdk::ErrorCode::kFailedPrecondition);
  ASSERT_OK_AND_ASSIGN(auto found, store.find_by_provider_id(*tx, kFacilityA, "c-1", "RT-r-1"));
  ASSERT_TRUE(found.has_value());
  ASSERT_OK_AND_ASSIGN(auto listed, store.list_for_consultation(*tx, kFacilityA, "c-1"));
  EXPECT_EQ(listed.size(), 1u);
  nlohmann::json j = r;
  EXPECT_FALSE(j.contains("storage_path"));
  EXPECT_FALSE(j.contains("key_id"));
}

TEST_P(RecordingStoreTest, AnotherFacilityCannotReachRecordings) {
  RecordingStore store;
  auto tx = begin();
  ASSERT_OK(store.insert(*tx, sample("r-1")));
  ASSERT_OK(tx->commit());

  tx = begin();
  EXPECT_EQ(store.get(*tx, kFacilityB, "r-1").error().code, sdk::ErrorCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(auto listed, store.list_for_consultation(*tx, kFacilityB, "c-1"));
  EXPECT_TRUE(listed.empty());
  ASSERT_OK_AND_ASSIGN(auto found, store.find_by_provider_id(*tx, kFacilityB, "c-1", "RT-r-1"));
  EXPECT_FALSE(found.has_value());
  EXPECT_EQ(store.mark_archived(*tx, kFacilityB, "r-1", {"/x", 1, "h", "k", {}, {}}).error().code,
            sdk::ErrorCode::kNotFound);
  EXPECT_EQ(store.set_state(*tx, kFacilityB, "r-1", RecordingState::kFailed).error().code,
            sdk::ErrorCode::kNotFound);
  EXPECT_EQ(store.set_legal_hold(*tx, kFacilityB, "r-1", true).error().code,
            sdk::ErrorCode::kNotFound);
  EXPECT_EQ(store.mark_deleted(*tx, kFacilityB, "r-1", 1).error().code, sdk::ErrorCode::kNotFound);
  Recording intruder = sample("r-x");
  intruder.facility_id = kFacilityB;
  EXPECT_EQ(store.insert(*tx, intruder).error().code, sdk::ErrorCode::kNotFound);
  ASSERT_OK(tx->commit());

  tx = begin();
  ASSERT_OK_AND_ASSIGN(Recording r, store.get(*tx, kFacilityA, "r-1"));
  EXPECT_EQ(r.state, RecordingState::kPending);
  EXPECT_FALSE(r.legal_hold);
  EXPECT_FALSE(r.storage_path.has_value());
}

WASL_RECORDS_INSTANTIATE(RecordingStoreTest);

}  // namespace
}  // namespace wasl::records::testing
