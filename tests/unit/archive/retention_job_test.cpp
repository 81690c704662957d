// RetentionJob on both backends: expired recordings are deleted (file, row,
// key reference) and audited; legal hold and unexpired ones stay; batches;
// files left by a crash after the commit are removed by the next pass.
#include "hub/archive/retention_job.hpp"

#include "hub/records/recording_store.hpp"
#include "tests/unit/archive/archive_fixture.hpp"

namespace wasl::archive::testing {
namespace {

using domain::RecordingState;

class RetentionJobTest : public ArchiveFixture {
 protected:
  domain::Recording archived(const std::string& consultation, const std::string& media,
                             std::int64_t days) {
    ArchiveRequest r = request(kFacilityA, consultation, media);
    r.retention_days = days;
    auto result = archive_->archive(r, *video_);
    EXPECT_TRUE(result.ok()) << result.error().message;
    return result.ok() ? result->recording : domain::Recording{};
  }

  domain::Recording row(const std::string& id) {
    records::RecordingStore recordings;
    auto tx = begin();
    auto r = recordings.get(*tx, kFacilityA, id);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : domain::Recording{};
  }

  RetentionJob job(std::int64_t now_ms, int batch = 100) {
    RetentionOptions options;
    options.batch = batch;
    options.clock = [now_ms] {
      return std::chrono::system_clock::time_point(std::chrono::milliseconds(now_ms));
    };
    return RetentionJob(*store_, *audit_, *objects_, options);
  }
};

TEST_P(RetentionJobTest, DeletesExpiredKeepsHeldAndUnexpiredAndAuditsEachDeletion) {
  add_consultation(kFacilityA, "c1");
  domain::Recording expired = archived("c1", "pattern-1000", 1);
  domain::Recording held = archived("c1", "pattern-1001", 1);
  domain::Recording young = archived("c1", "pattern-1002", 30);
  {
    records::RecordingStore recordings;
    auto tx = begin();
    ASSERT_OK(recordings.set_legal_hold(*tx, kFacilityA, held.id, true));
    ASSERT_OK(tx->commit());
  }
  auto pass = job(kT0 + 2 * kDayMs).run_once();
  ASSERT_TRUE(pass.ok()) << pass.error().message;
  EXPECT_EQ(pass->deleted, 1);
  EXPECT_EQ(pass->files_removed, 1);
  EXPECT_EQ(pass->failed, 0);

  domain::Recording gone = row(expired.id);
  EXPECT_EQ(gone.state, RecordingState::kDeleted);
  EXPECT_EQ(gone.deleted_at, kT0 + 2 * kDayMs);
  EXPECT_FALSE(gone.storage_path.has_value());
  EXPECT_FALSE(std::filesystem::exists(*expired.storage_path));
  EXPECT_EQ(audit_count("recording.delete", expired.id), 1);

  EXPECT_EQ(row(held.id).state, RecordingState::kArchived);
  EXPECT_TRUE(std::filesystem::exists(*held.storage_path));
  EXPECT_EQ(row(young.id).state, RecordingState::kArchived);
  EXPECT_TRUE(std::filesystem::exists(*young.storage_path));
  EXPECT_EQ(audit_count("recording.delete", held.id), 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM recording_file_cleanup"), 0);

  // A second pass finds nothing; lifting the hold lets it go.
  auto again = job(kT0 + 2 * kDayMs).run_once();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->deleted, 0);
  {
    records::RecordingStore recordings;
    auto tx = begin();
    ASSERT_OK(recordings.set_legal_hold(*tx, kFacilityA, held.id, false));
    ASSERT_OK(tx->commit());
  }
  auto lifted = job(kT0 + 2 * kDayMs).run_once();
  ASSERT_TRUE(lifted.ok());
  EXPECT_EQ(lifted->deleted, 1);
  EXPECT_FALSE(std::filesystem::exists(*held.storage_path));
  EXPECT_EQ(audit_count("recording.delete", held.id), 1);
}

TEST_P(RetentionJobTest, WorksThroughEverythingDueInBatches) {
  add_consultation(kFacilityA, "c1");
  for (int i = 0; i < 5; ++i) archived("c1", "pattern-" + std::to_string(100 + i), 1);
  auto pass = job(kT0 + 2 * kDayMs, 2).run_once();
  ASSERT_TRUE(pass.ok()) << pass.error().message;
  EXPECT_EQ(pass->deleted, 5);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM recordings WHERE state = 'deleted'"), 5);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'recording.delete'"), 5);
  EXPECT_TRUE(archive_files().empty());
}

TEST_P(RetentionJobTest, RemovesAFileLeftByACrashAfterTheCommit) {
  add_consultation(kFacilityA, "c1");
  domain::Recording r = archived("c1", "pattern-1000", 1);
  // The state a crash between commit and unlink leaves.
  exec_raw(
      "UPDATE recordings SET state = 'deleted', storage_path = NULL, deleted_at = 1 "
      "WHERE id = $1",
      {r.id});
  exec_raw(
      "INSERT INTO recording_file_cleanup (path, recording_id, created_at) VALUES "
      "($1, $2, 1)",
      {*r.storage_path, r.id});
  ASSERT_TRUE(std::filesystem::exists(*r.storage_path));
  auto pass = job(kT0).run_once();
  ASSERT_TRUE(pass.ok()) << pass.error().message;
  EXPECT_EQ(pass->files_removed, 1);
  EXPECT_FALSE(std::filesystem::exists(*r.storage_path));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM recording_file_cleanup"), 0);
}

TEST_P(RetentionJobTest, PeriodicRunnerDeletesWithoutBeingCalled) {
  add_consultation(kFacilityA, "c1");
  domain::Recording r = archived("c1", "pattern-10", 1);
  RetentionOptions options;
  options.interval = std::chrono::milliseconds(20);
  options.clock = [] {
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(kT0 + 2 * kDayMs));
  };
  RetentionJob running(*store_, *audit_, *objects_, options);
  ASSERT_OK(running.start());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::filesystem::exists(*r.storage_path) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  running.stop();
  EXPECT_FALSE(std::filesystem::exists(*r.storage_path));
  EXPECT_EQ(audit_count("recording.delete", r.id), 1);
}

WASL_RECORDS_INSTANTIATE(RetentionJobTest);

}  // namespace
}  // namespace wasl::archive::testing
