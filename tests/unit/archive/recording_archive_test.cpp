// RecordingArchive on both backends with the pattern_video plugin (a real
// .so through PluginHost): streamed, encrypted, fingerprinted, recorded and
// audited in one transaction, idempotent, constant memory, and data
// minimisation after the commit.
#include "hub/archive/recording_archive.hpp"

#include <fstream>

#include "hub/crypto/stream_cipher.hpp"
#include "hub/records/recording_store.hpp"
#include "tests/sanitizers/sanitizers.hpp"
#include "tests/unit/archive/archive_fixture.hpp"

namespace wasl::archive::testing {
namespace {

using domain::RecordingState;
using sdk::ErrorCode;

class RecordingArchiveTest : public ArchiveFixture {};

// Decrypts the archived recording and compares it with the pattern,
// 1 MiB at a time.
void expect_pattern_content(storage::Store& store, std::shared_ptr<const crypto::Keyring> ring,
                            const std::string& facility, const std::string& id,
                            std::uint64_t size) {
  auto tx = store.begin(storage::TxMode::kReadOnly);
  ASSERT_TRUE(tx.ok());
  auto row = records::RecordingStore().get(**tx, facility, id);
  ASSERT_TRUE(row.ok()) << row.error().message;
  ASSERT_TRUE(row->storage_path && row->size_bytes);
  ASSERT_EQ(static_cast<std::uint64_t>(*row->size_bytes), size);
  auto content = crypto::StreamRangeReader::open_file(
      ring, *row->storage_path, size, domain::recording_stream_binding(facility, id));
  ASSERT_TRUE(content.ok()) << content.error().message;
  // Bound to its row: the same file read as another recording's fails.
  auto elsewhere = crypto::StreamRangeReader::open_file(
      ring, *row->storage_path, size, domain::recording_stream_binding(facility, id + "-other"));
  ASSERT_TRUE(elsewhere.ok());
  if (size > 0) EXPECT_FALSE(elsewhere->read(0, 1).ok()) << "the archived file is bound to " << id;
  std::uint64_t at = 0;
  bool same = true;
  ASSERT_OK(content->read_to(0, size, [&](std::string_view bytes) {
    if (same && bytes != pattern(at, bytes.size())) same = false;
    at += bytes.size();
    return sdk::ok_status();
  }));
  EXPECT_EQ(at, size);
  EXPECT_TRUE(same) << "the decrypted archive differs from what the provider streamed";
}

TEST_P(RecordingArchiveTest, Archives64MiBEncryptedRecordedAuditedInBoundedMemory) {
  add_consultation(kFacilityA, "c1");
  constexpr std::uint64_t kSize = 64ull << 20;
  const bool peak_reset = reset_peak_rss();
  const std::int64_t before = peak_rss_kib();
  auto result =
      archive_->archive(request(kFacilityA, "c1", "pattern-" + std::to_string(kSize)), *video_);
  const std::int64_t after = peak_rss_kib();
  ASSERT_TRUE(result.ok()) << result.error().message;
  ASSERT_TRUE(peak_reset) << "cannot reset VmHWM through /proc/self/clear_refs";
  ASSERT_GT(before, 0);
  // The whole file would be 65536 KiB; segment buffers and chunks are far less.
  // Not measurable under a sanitizer (tests/sanitizers/sanitizers.hpp).
  if (::wasl::testing::kPeakRssIsMeasurable) {
    EXPECT_LT(after - before, 16 * 1024) << "peak RSS grew by " << (after - before) << " KiB";
  }

  const domain::Recording& r = result->recording;
  EXPECT_FALSE(result->already_archived);
  EXPECT_EQ(r.state, RecordingState::kArchived);
  EXPECT_EQ(r.size_bytes, static_cast<std::int64_t>(kSize));
  EXPECT_EQ(r.plaintext_sha256, pattern_sha256_hex(kSize));
  EXPECT_EQ(r.key_id, keyring_->active_key_id());
  EXPECT_EQ(r.retention_until, kT0 + kDefaultRetentionDays * kDayMs);
  EXPECT_EQ(r.provider_recording_id, "pattern-" + std::to_string(kSize));
  EXPECT_EQ(result->content_type, "video/mp4");

  // The file: where the row says, complete, ciphertext only.
  ASSERT_TRUE(r.storage_path.has_value());
  std::filesystem::path file = *r.storage_path;
  EXPECT_EQ(file.parent_path(), root_ / kFacilityA);
  EXPECT_EQ(std::filesystem::file_size(file),
            crypto::stream_ciphertext_size(kSize, keyring_->active_key_id().size()));
  std::ifstream in(file, std::ios::binary);
  std::string head(4096, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  EXPECT_EQ(head.substr(0, 6), "WASLSE");
  EXPECT_EQ(head.find(pattern(0, 64)), std::string::npos) << "plaintext found in the archive";
  EXPECT_EQ(archive_files().size(), 1u) << "a temporary file was left behind";

  EXPECT_EQ(audit_count("recording.archive", r.id), 1);
  expect_pattern_content(*store_, keyring_, kFacilityA, r.id, kSize);
}

TEST_P(RecordingArchiveTest, ArchivingTheSameProviderRecordingTwiceYieldsOneRow) {
  add_consultation(kFacilityA, "c1");
  auto first = archive_->archive(request(kFacilityA, "c1", "pattern-200000"), *video_);
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto second = archive_->archive(request(kFacilityA, "c1", "pattern-200000"), *video_);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_TRUE(second->already_archived);
  EXPECT_EQ(second->recording, first->recording);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM recordings WHERE consultation_id = 'c1'"), 1);
  EXPECT_EQ(audit_count("recording.archive", first->recording.id), 1);
  EXPECT_EQ(archive_files().size(), 1u);
}

TEST_P(RecordingArchiveTest, AFailedAttemptLeavesNoFileAndTheRetryReusesTheRow) {
  add_consultation(kFacilityA, "c1");
  // The provider says 1000 bytes but streams 999: retryable, nothing kept.
  auto failed = archive_->archive(request(kFacilityA, "c1", "short-1000"), *video_);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(failed.error().retryable);
  EXPECT_TRUE(archive_files().empty());
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM recordings WHERE state = 'downloading'"), 1);

  auto processing = archive_->archive(request(kFacilityA, "c1", "processing-1"), *video_);
  ASSERT_FALSE(processing.ok());
  EXPECT_EQ(processing.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(processing.error().retryable) << "the provider's retryable error must stay so";
  EXPECT_TRUE(archive_files().empty());

  auto broken = archive_->archive(request(kFacilityA, "c1", "broken-1"), *video_);
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM recordings WHERE provider_recording_id = 'broken-1' "
                   "AND state = 'failed'"),
            1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'recording.archive'"), 0);
}

TEST_P(RecordingArchiveTest, AnotherFacilitysConsultationIsNotFound) {
  add_consultation(kFacilityB, "cb");
  auto result = archive_->archive(request(kFacilityA, "cb", "pattern-10"), *video_);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(archive_files().empty());
}

TEST_P(RecordingArchiveTest, RetentionFollowsTheFacilityUnlessTheRequestNamesIt) {
  add_consultation(kFacilityA, "c1");
  add_consultation(kFacilityB, "c2");
  RecordingArchiveOptions options = archive_->options();
  options.facility_retention_days[kFacilityB] = 3650;
  RecordingArchive archive(
      *store_, *audit_, *objects_, [this] { return cipher_->keyring(); }, options);
  auto a = archive.archive(request(kFacilityA, "c1", "pattern-10"), *video_);
  auto b = archive.archive(request(kFacilityB, "c2", "pattern-10"), *video_);
  ArchiveRequest explicit_days = request(kFacilityA, "c1", "pattern-11");
  explicit_days.retention_days = 30;
  auto c = archive.archive(explicit_days, *video_);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->recording.retention_until, kT0 + 2555 * kDayMs);
  EXPECT_EQ(b->recording.retention_until, kT0 + 3650 * kDayMs);
  EXPECT_EQ(c->recording.retention_until, kT0 + 30 * kDayMs);
}

TEST_P(RecordingArchiveTest, ReleasesProviderMediaOnlyAfterTheCommitWhenAsked) {
  add_consultation(kFacilityA, "c1");
  ArchiveRequest r = request(kFacilityA, "c1", "pattern-1000");
  auto kept = archive_->archive(request(kFacilityA, "c1", "pattern-999"), *video_);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->release, ReleaseOutcome::kNotAsked);
  EXPECT_EQ(count_lines(calls_file_, "release_media pattern-999"), 0);

  r.release_after_archive = true;
  auto released = archive_->archive(r, *video_);
  ASSERT_TRUE(released.ok()) << released.error().message;
  EXPECT_EQ(released->release, ReleaseOutcome::kReleased);
  EXPECT_EQ(count_lines(calls_file_, "release_media pattern-1000"), 1);

  // A failing release is reported, not fatal: the archive stands.
  ArchiveRequest failing = request(kFacilityA, "c1", "pattern-50-release-fails");
  failing.release_after_archive = true;
  auto result = archive_->archive(failing, *video_);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->release, ReleaseOutcome::kFailed);
  ASSERT_TRUE(result->release_error.has_value());
  EXPECT_EQ(result->release_error->code, ErrorCode::kUnavailable);
  EXPECT_EQ(result->recording.state, RecordingState::kArchived);
}

// A provider that keeps the SDK's default release_media (as Chime does).
class DefaultReleaseVideo final : public sdk::VideoProvider {
 public:
  explicit DefaultReleaseVideo(sdk::VideoProvider& inner) : inner_(inner) {}
  sdk::Result<sdk::Room> create_room(const sdk::CreateRoomRequest& r) override {
    return inner_.create_room(r);
  }
  sdk::Result<sdk::Room> end_room(const sdk::RoomRef& r) override { return inner_.end_room(r); }
  sdk::Result<sdk::JoinToken> issue_join_token(const sdk::JoinTokenRequest& r) override {
    return inner_.issue_join_token(r);
  }
  sdk::Result<std::vector<sdk::Participant>> list_participants(const sdk::RoomRef& r) override {
    return inner_.list_participants(r);
  }
  sdk::Status remove_participant(const sdk::ParticipantRef& p) override {
    return inner_.remove_participant(p);
  }
  sdk::Result<sdk::Recording> start_recording(const sdk::RoomRef& r) override {
    return inner_.start_recording(r);
  }
  sdk::Status stop_recording(const sdk::RoomRef& r) override { return inner_.stop_recording(r); }
  sdk::Result<std::vector<sdk::Recording>> list_recordings(const sdk::RoomRef& r) override {
    return inner_.list_recordings(r);
  }
  sdk::Result<sdk::Recording> request_composition(const sdk::CompositionRequest& r) override {
    return inner_.request_composition(r);
  }
  sdk::Result<sdk::MediaInfo> fetch_media(const sdk::MediaRef& m,
                                          const sdk::ChunkSink& s) override {
    return inner_.fetch_media(m, s);
  }

 private:
  sdk::VideoProvider& inner_;
};

TEST_P(RecordingArchiveTest, AProviderWithoutReleaseIsIgnored) {
  add_consultation(kFacilityA, "c1");
  DefaultReleaseVideo video(*video_);
  ArchiveRequest r = request(kFacilityA, "c1", "pattern-77");
  r.release_after_archive = true;
  auto result = archive_->archive(r, video);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->release, ReleaseOutcome::kUnsupported);
  EXPECT_FALSE(result->release_error.has_value());
}

// The same through the plugin boundary: the echo plugin (tests/plugin_abi)
// does not override release_media, so its glue answers with the SDK default.
TEST_P(RecordingArchiveTest, APluginWithoutReleaseAnswersUnimplementedThroughTheAbi) {
  config::Config config;
  config.plugins.files.push_back(
      {"echo", std::string(WASL_PLUGIN_ABI_DIR) + "/libwasl_echo.so", "", 0});
  config::InstanceConfig instance;
  instance.name = "video.echo";
  instance.plugin = "echo";
  instance.settings = {{"region", "me"}, {"media", "abcdefgh"}};
  config.instances[instance.name] = instance;
  auto host = plugin_host::PluginHost::load(config, metrics_);
  ASSERT_TRUE(host.ok()) << host.error().message;
  auto echo = (*host)->video("video.echo");
  ASSERT_TRUE(echo.ok()) << echo.error().message;
  sdk::Status released = (*echo)->release_media(sdk::MediaRef{"m-1"});
  ASSERT_FALSE(released.ok());
  EXPECT_EQ(released.error().code, ErrorCode::kUnimplemented);

  add_consultation(kFacilityA, "c1");
  ArchiveRequest r = request(kFacilityA, "c1", "m-1");
  r.release_after_archive = true;
  auto result = archive_->archive(r, **echo);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->release, ReleaseOutcome::kUnsupported);
  EXPECT_EQ(result->recording.size_bytes, 8);
}

TEST_P(RecordingArchiveTest, EmptyMediaArchivesAsAnEmptyStream) {
  add_consultation(kFacilityA, "c1");
  auto result = archive_->archive(request(kFacilityA, "c1", "pattern-0"), *video_);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->recording.size_bytes, 0);
  EXPECT_EQ(result->recording.plaintext_sha256,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  expect_pattern_content(*store_, keyring_, kFacilityA, result->recording.id, 0);
}

WASL_RECORDS_INSTANTIATE(RecordingArchiveTest);

}  // namespace
}  // namespace wasl::archive::testing
