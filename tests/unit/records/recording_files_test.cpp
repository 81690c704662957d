#include "hub/records/recording_files.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "hub/records/consultation_store.hpp"
#include "hub/records/recording_store.hpp"
#include "tests/unit/records/records_database.hpp"

namespace wasl::records::testing {
namespace {

using domain::Recording;

class RecordingFilesTest : public RecordsDatabaseTest {
 protected:
  void SetUp() override {
    RecordsDatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    ConsultationStore consultations(*cipher_);
    auto tx = begin();
    ASSERT_OK(consultations.insert(*tx, sample_consultation(kFacilityA, "c-a")));
    ASSERT_OK(consultations.insert(*tx, sample_consultation(kFacilityB, "c-b")));
    ASSERT_OK(tx->commit());
  }

  // Recording `id` of `facility`, archived to `path` under `key` (no file
  // when `path` is empty), its retention ending at `retention_until`.
  void archived(const std::string& facility, const std::string& id, const std::string& path,
                const std::string& key, std::int64_t retention_until = 9'999'999) {
    RecordingStore store;
    Recording r;
    r.id = id;
    r.consultation_id = facility == kFacilityA ? "c-a" : "c-b";
    r.facility_id = facility;
    r.provider_recording_id = "RT-" + id;
    r.created_at = 500;
    auto tx = begin();
    ASSERT_OK(store.insert(*tx, r));
    if (!path.empty()) {
      ArchivedFile file{path, 1234, std::string(64, 'a'), key, 60'000, retention_until};
      ASSERT_OK(store.mark_archived(*tx, facility, id, file));
    }
    ASSERT_OK(tx->commit());
  }
};

TEST_P(RecordingFilesTest, ListsAndCountsTheFilesOfEveryFacility) {
  archived(kFacilityA, "r-1", "/rec/r-1.wse", "k1");
  archived(kFacilityB, "r-2", "/rec/r-2.wse", "k2");
  archived(kFacilityA, "r-3", "/rec/r-3.wse", "k1");
  archived(kFacilityA, "r-4", "", "");  // no file yet
  exec_raw("UPDATE recordings SET key_id = NULL WHERE id = 'r-3'");
  auto tx = begin();
  ASSERT_OK_AND_ASSIGN(auto first, RecordingFiles::list_after(*tx, "", 2));
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].id, "r-1");
  EXPECT_EQ(first[0].facility_id, kFacilityA);
  EXPECT_EQ(first[0].storage_path, "/rec/r-1.wse");
  EXPECT_EQ(first[0].size_bytes, 1234);
  EXPECT_EQ(first[0].key_id, "k1");
  EXPECT_EQ(first[1].facility_id, kFacilityB);
  ASSERT_OK_AND_ASSIGN(auto rest, RecordingFiles::list_after(*tx, first[1].id, 2));
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].id, "r-3");
  EXPECT_FALSE(rest[0].key_id.has_value());
  EXPECT_EQ(RecordingFiles::count(*tx).value(), 3);
  ASSERT_OK_AND_ASSIGN(auto by_key, RecordingFiles::count_by_key(*tx));
  std::sort(by_key.begin(), by_key.end());
  using KeyCount = std::pair<std::optional<std::string>, std::int64_t>;
  EXPECT_EQ(by_key, (std::vector<KeyCount>{{std::nullopt, 1}, {"k1", 1}, {"k2", 1}}));
  EXPECT_TRUE(RecordingFiles::in_use(*tx, "/rec/r-2.wse").value());
  EXPECT_FALSE(RecordingFiles::in_use(*tx, "/rec/r-9.wse").value());
}

TEST_P(RecordingFilesTest, MovesAFileOnlyFromWhereTheRecordingStillIs) {
  archived(kFacilityB, "r-1", "/rec/r-1.wse", "k1");
  auto tx = begin();
  ASSERT_OK(RecordingFiles::set_key(*tx, "r-1", "/rec/elsewhere.wse", "k2"));
  ASSERT_OK(RecordingFiles::set_key(*tx, "r-1", "/rec/r-1.wse", "k2"));
  EXPECT_FALSE(
      RecordingFiles::move(*tx, "r-1", "/rec/elsewhere.wse", "/rec/new.wse", "k3").value());
  EXPECT_TRUE(RecordingFiles::move(*tx, "r-1", "/rec/r-1.wse", "/rec/new.wse", "k3").value());
  ASSERT_OK(tx->commit());
  Rows rows = query_raw("SELECT storage_path, key_id FROM recordings WHERE id = 'r-1'");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].get_text(0).value(), "/rec/new.wse");
  EXPECT_EQ(rows[0].get_text(1).value(), "k3");
}

TEST_P(RecordingFilesTest, ExpiredAreArchivedUnheldPastTheirRetentionOldestFirst) {
  archived(kFacilityA, "r-1", "/rec/r-1.wse", "k1", 300);
  archived(kFacilityB, "r-2", "/rec/r-2.wse", "k1", 100);
  archived(kFacilityA, "r-3", "/rec/r-3.wse", "k1", 200);
  archived(kFacilityA, "r-4", "/rec/r-4.wse", "k1", 100);
  archived(kFacilityA, "r-5", "/rec/r-5.wse", "k1", 5000);  // not yet
  exec_raw("UPDATE recordings SET legal_hold = 1 WHERE id = 'r-4'");
  auto tx = begin();
  ASSERT_OK_AND_ASSIGN(auto due, RecordingFiles::expired(*tx, 1000, {}, 10));
  ASSERT_EQ(due.size(), 3u);
  EXPECT_EQ(due[0].id, "r-2");
  EXPECT_EQ(due[0].facility_id, kFacilityB);
  EXPECT_EQ(due[1].id, "r-3");
  EXPECT_EQ(due[2].id, "r-1");
  ASSERT_OK_AND_ASSIGN(auto rest, RecordingFiles::expired(*tx, 1000, {"r-2", "r-3"}, 1));
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].id, "r-1");
}

TEST_P(RecordingFilesTest, TheRegisterOfObsoleteFiles) {
  archived(kFacilityA, "r-1", "/rec/r-1.wse", "k1");
  archived(kFacilityB, "r-2", "/rec/r-2.wse", "k1");
  auto tx = begin();
  ASSERT_OK(RecordingFiles::register_obsolete(*tx, "/rec/r-1.old", "r-1", 10));
  ASSERT_OK(RecordingFiles::register_obsolete(*tx, "/rec/r-1.old", "r-1", 20));  // once
  ASSERT_OK(RecordingFiles::register_obsolete(*tx, "/rec/r-2.wse", "r-2", 10));
  ASSERT_OK(RecordingStore().mark_deleted(*tx, kFacilityB, "r-2", 30));
  ASSERT_OK_AND_ASSIGN(auto all, RecordingFiles::registered(*tx));
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, (std::vector<std::string>{"/rec/r-1.old", "/rec/r-2.wse"}));
  ASSERT_OK_AND_ASSIGN(auto of_deleted, RecordingFiles::registered_of_deleted(*tx, 10));
  EXPECT_EQ(of_deleted, (std::vector<std::string>{"/rec/r-2.wse"}));
  ASSERT_OK(RecordingFiles::unregister(*tx, "/rec/r-2.wse"));
  ASSERT_OK_AND_ASSIGN(of_deleted, RecordingFiles::registered_of_deleted(*tx, 10));
  EXPECT_TRUE(of_deleted.empty());
  ASSERT_OK(tx->commit());
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM recording_file_cleanup"), 1);
}

WASL_RECORDS_INSTANTIATE(RecordingFilesTest);

}  // namespace
}  // namespace wasl::records::testing
