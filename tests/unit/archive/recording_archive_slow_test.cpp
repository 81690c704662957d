// A 1 GiB recording archived in constant memory (label "slow"; SQLite, since
// the database part is the same few rows as in recording_archive_test). The
// encrypted file goes to /dev/shm when it has room: the machine's memory, not
// the disk, which a test run shares with the build and which may be nearly
// full. Pages of a tmpfs file are not the process's resident memory, so the
// peak RSS check still measures the archive alone.
#include <chrono>
#include <filesystem>
#include <memory>

#include "hub/archive/recording_archive.hpp"
#include "hub/crypto/stream_cipher.hpp"
#include "tests/sanitizers/sanitizers.hpp"
#include "tests/unit/archive/archive_fixture.hpp"
#include "tests/unit/crypto/scratch_dir.hpp"

namespace wasl::archive::testing {
namespace {

class RecordingArchiveSlowTest : public ArchiveFixture {
 protected:
  void SetUp() override {
    ArchiveFixture::SetUp();
    if (HasFatalFailure()) return;
    const std::filesystem::path shm = "/dev/shm";
    std::error_code ec;
    const auto space = std::filesystem::space(shm, ec);
    if (ec || space.available < (2ull << 30)) return;
    memory_ = std::make_unique<crypto::testing::ScratchDir>(shm);
    use_archive_root(memory_->path() / "recordings");
  }

  void TearDown() override {
    ArchiveFixture::TearDown();
    memory_.reset();
  }

  std::unique_ptr<crypto::testing::ScratchDir> memory_;
};

TEST_P(RecordingArchiveSlowTest, OneGibibyteInConstantMemory) {
  add_consultation(kFacilityA, "c1");
  constexpr std::uint64_t kSize = 1ull << 30;
  ASSERT_TRUE(reset_peak_rss());
  const std::int64_t before = peak_rss_kib();
  const auto started = std::chrono::steady_clock::now();
  auto result =
      archive_->archive(request(kFacilityA, "c1", "pattern-" + std::to_string(kSize)), *video_);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const std::int64_t after = peak_rss_kib();
  ASSERT_TRUE(result.ok()) << result.error().message;
  // Not measurable under a sanitizer (tests/sanitizers/sanitizers.hpp).
  if (::wasl::testing::kPeakRssIsMeasurable) {
    EXPECT_LT(after - before, 16 * 1024) << "peak RSS grew by " << (after - before) << " KiB";
  }
  EXPECT_LT(seconds, 60.0);
  RecordProperty("archive_seconds", std::to_string(seconds));
  EXPECT_EQ(result->recording.size_bytes, static_cast<std::int64_t>(kSize));
  EXPECT_EQ(std::filesystem::file_size(*result->recording.storage_path),
            crypto::stream_ciphertext_size(kSize, keyring_->active_key_id().size()));
  EXPECT_EQ(result->recording.plaintext_sha256, pattern_sha256_hex(kSize));
}

INSTANTIATE_TEST_SUITE_P(Sqlite, RecordingArchiveSlowTest,
                         ::testing::Values(storage::Dialect::kSqlite),
                         records::testing::dialect_test_name);

}  // namespace
}  // namespace wasl::archive::testing
