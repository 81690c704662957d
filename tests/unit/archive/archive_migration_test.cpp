// ArchiveMigration (`wasl archive migrate`) from the local directory to the
// Ceph gateway of the ctest fixture "ceph", on both backends: every
// recording copied, verified by its plaintext SHA-256, pointed at the copy,
// audited, its file deleted; resumed after the gateway went away in the
// middle; a copy that does not decrypt as its recording is never switched to.
#include <gtest/gtest.h>

#include <algorithm>

#include "hub/archive/archive_migration.hpp"
#include "hub/crypto/hex.hpp"
#include "hub/crypto/random.hpp"
#include "hub/crypto/stream_cipher.hpp"
#include "hub/object_store/s3_object_store.hpp"
#include "hub/records/recording_store.hpp"
#include "tests/peers/ceph/ceph_bucket.hpp"
#include "tests/peers/ceph/ceph_gateway.hpp"
#include "tests/unit/archive/archive_fixture.hpp"
#include "wasl/sdk/timestamp.hpp"

namespace wasl::archive::testing {
namespace {

constexpr std::uint64_t kSize = 300000;  // several stream segments

class ArchiveMigrationTest : public ArchiveFixture {
 protected:
  void SetUp() override {
    ArchiveFixture::SetUp();
    if (HasFatalFailure()) return;
    gateway_ = wasl::testing::CephGateway::from_fixture(WASL_BINARY_DIR);
    bucket_ = "wasl-migrate-" + crypto::to_hex(crypto::random_bytes(6).value());
    wasl::testing::make_bucket(gateway_, bucket_);
    if (HasFatalFailure()) return;
    object_store::S3StoreOptions options;
    options.name = "ceph";
    options.endpoint.base_url = gateway_.endpoint;
    options.endpoint.region = gateway_.region;
    options.endpoint.credentials = {gateway_.access_key, gateway_.secret_key, std::nullopt};
    options.bucket = bucket_;
    options.prefix = "recordings/";
    options.max_attempts = 2;
    options.request_timeout = std::chrono::seconds(5);
    auto s3 = object_store::S3ObjectStore::create(std::move(options));
    ASSERT_TRUE(s3.ok()) << s3.error().message;
    s3_ = s3->get();
    ASSERT_OK(objects_->add("ceph", std::move(s3).value()));
  }

  // Archives `count` recordings of kSize into the local store; their ids.
  std::vector<std::string> archive_locally(int count) {
    std::vector<std::string> ids;
    for (int i = 0; i < count; ++i) {
      const std::string consultation = "c" + std::to_string(i);
      add_consultation(i % 2 == 0 ? kFacilityA : kFacilityB, consultation);
      auto archived = archive_->archive(request(i % 2 == 0 ? kFacilityA : kFacilityB, consultation,
                                                "pattern-" + std::to_string(kSize + i)),
                                        *video_);
      EXPECT_TRUE(archived.ok()) << archived.error().message;
      if (archived.ok()) ids.push_back(archived->recording.id);
    }
    return ids;
  }

  domain::Recording row(const std::string& facility, const std::string& id) {
    auto tx = begin();
    auto r = records::RecordingStore().get(*tx, facility, id);
    EXPECT_TRUE(r.ok()) << r.error().message;
    tx->rollback();
    return r.ok() ? *r : domain::Recording{};
  }

  // The recording decrypted from wherever its row points equals the pattern.
  void expect_readable(const std::string& facility, const std::string& id, std::uint64_t size) {
    domain::Recording r = row(facility, id);
    ASSERT_TRUE(r.storage_path);
    auto resolved = objects_->resolve(*r.storage_path);
    ASSERT_TRUE(resolved.ok()) << resolved.error().message;
    std::string plain;
    auto decryptor = crypto::StreamDecryptor::create(
        cipher_->keyring(),
        [&plain](std::string_view bytes) {
          plain.append(bytes);
          return sdk::ok_status();
        },
        size, domain::recording_stream_binding(facility, id));
    ASSERT_TRUE(decryptor.ok());
    auto head = resolved->store.head(resolved->key);
    ASSERT_TRUE(head.ok() && *head);
    ASSERT_OK(resolved->store.read(resolved->key, 0, (*head)->size,
                                   [&](std::string_view c) { return decryptor->write(c); }));
    ASSERT_OK(decryptor->finish());
    EXPECT_EQ(plain, pattern(0, size));
  }

  std::int64_t rows_in(std::string_view locator_prefix) {
    return scalar("SELECT COUNT(*) FROM recordings WHERE storage_path LIKE $1",
                  {std::string(locator_prefix) + "%"});
  }

  MigrationOptions options() {
    MigrationOptions o;
    o.batch = 2;  // several batches
    o.now_ms = [this] { return now_ms_; };
    return o;
  }

  wasl::testing::CephGateway gateway_;
  std::string bucket_;
  object_store::S3ObjectStore* s3_ = nullptr;
};

TEST_P(ArchiveMigrationTest, EveryRecordingMovesVerifiedAuditedAndItsFileGoes) {
  const std::vector<std::string> ids = archive_locally(5);
  ASSERT_EQ(ids.size(), 5u);
  ASSERT_EQ(archive_files().size(), 5u);

  ArchiveMigration migration(*store_, *audit_, *objects_, cipher_->keyring());
  auto moved = migration.run("ceph", options());
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  EXPECT_EQ(moved->moved, 5);
  EXPECT_EQ(moved->failed, 0);
  EXPECT_GT(moved->bytes, 5 * kSize);
  EXPECT_EQ(rows_in("s3://" + bucket_ + "/recordings/"), 5);
  EXPECT_TRUE(archive_files().empty()) << "the local files are deleted once moved";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const std::string facility = i % 2 == 0 ? kFacilityA : kFacilityB;
    expect_readable(facility, ids[i], kSize + i);
    EXPECT_EQ(audit_count("recording.migrate", ids[i]), 1);
  }
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM recording_file_cleanup", {}), 0);

  // Again: nothing left to move.
  auto again = migration.run("ceph", options());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->moved, 0);
  EXPECT_EQ(again->skipped, 5);
}

TEST_P(ArchiveMigrationTest, AGatewayGoneInTheMiddleIsResumed) {
  const std::vector<std::string> ids = archive_locally(6);
  ASSERT_EQ(ids.size(), 6u);
  ArchiveMigration migration(*store_, *audit_, *objects_, cipher_->keyring());
  MigrationOptions stopping = options();
  bool stopped = false;
  stopping.on_progress = [&](const MigrationProgress& p) {
    if (!stopped && p.moved == 2) {
      stopped = true;
      ASSERT_EQ(gateway_.stop_gateway(), 0);
    }
  };
  auto first = migration.run("ceph", stopping);
  ASSERT_EQ(gateway_.start_gateway(), 0);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->moved, 2);
  EXPECT_EQ(first->failed, 4);
  EXPECT_EQ(rows_in("s3://"), 2);
  EXPECT_EQ(archive_files().size(), 4u) << "the recordings not moved keep their files";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    expect_readable(i % 2 == 0 ? kFacilityA : kFacilityB, ids[i], kSize + i);
  }

  auto second = migration.run("ceph", options());
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second->moved, 4);
  EXPECT_EQ(second->skipped, 2);
  EXPECT_EQ(second->failed, 0);
  EXPECT_EQ(rows_in("s3://"), 6);
  EXPECT_TRUE(archive_files().empty());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    expect_readable(i % 2 == 0 ? kFacilityA : kFacilityB, ids[i], kSize + i);
    EXPECT_EQ(audit_count("recording.migrate", ids[i]), 1);
  }
}

TEST_P(ArchiveMigrationTest, ACopyThatIsNotItsRecordingIsNeverSwitchedTo) {
  const std::vector<std::string> ids = archive_locally(2);
  ASSERT_EQ(ids.size(), 2u);
  // The first recording's file is replaced by the second's (another
  // facility's): bytes that decrypt, but not as this recording.
  const domain::Recording first = row(kFacilityA, ids[0]);
  const domain::Recording second = row(kFacilityB, ids[1]);
  std::filesystem::copy_file(*second.storage_path, *first.storage_path,
                             std::filesystem::copy_options::overwrite_existing);

  ArchiveMigration migration(*store_, *audit_, *objects_, cipher_->keyring());
  auto run = migration.run("ceph", options());
  ASSERT_TRUE(run.ok()) << run.error().message;
  EXPECT_EQ(run->moved, 1);
  EXPECT_EQ(run->failed, 1);
  EXPECT_EQ(*row(kFacilityA, ids[0]).storage_path, *first.storage_path) << "left where it was";
  EXPECT_TRUE(std::filesystem::exists(*first.storage_path));
  EXPECT_EQ(audit_count("recording.migrate", ids[0]), 0);
  auto left = s3_->list(std::string(kFacilityA) + "/");
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left->empty()) << "the copy that failed its check is removed";
}

TEST_P(ArchiveMigrationTest, AnUnknownTargetIsNamed) {
  ArchiveMigration migration(*store_, *audit_, *objects_, cipher_->keyring());
  auto run = migration.run("cepf", options());
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.error().code, sdk::ErrorCode::kNotFound);
  EXPECT_NE(run.error().message.find("cepf"), std::string::npos);
}

// A store with retention_mode governance on a bucket with Object Lock: the
// archive writes each recording's object locked until the row's
// retention_until, and a migration's copy carries the same date; the
// source, a local file, goes as before.
TEST_P(ArchiveMigrationTest, ALockingStoreKeepsEachObjectUntilItsRetentionDate) {
  const std::string locked_bucket = bucket_ + "-lock";
  object_store::S3StoreOptions lock_options = s3_->options();
  lock_options.name = "ceph-lock";
  lock_options.bucket = locked_bucket;
  lock_options.lock_mode = sdk::aws::S3LockMode::kGovernance;
  lock_options.metrics = nullptr;
  auto made = object_store::S3ObjectStore::create(std::move(lock_options));
  ASSERT_TRUE(made.ok()) << made.error().message;
  object_store::S3ObjectStore* locked = made->get();
  ASSERT_OK(locked->client().create_bucket(locked_bucket, true));
  ASSERT_OK(objects_->add("ceph-lock", std::move(made).value()));

  // Archived straight to the locking store.
  ASSERT_OK(objects_->set_active("ceph-lock"));
  add_consultation(kFacilityA, "c-locked");
  auto archived = archive_->archive(
      request(kFacilityA, "c-locked", "pattern-" + std::to_string(kSize)), *video_);
  ASSERT_TRUE(archived.ok()) << archived.error().message;
  domain::Recording direct = row(kFacilityA, archived->recording.id);
  ASSERT_TRUE(direct.retention_until);
  auto key = locked->key_of(*direct.storage_path);
  ASSERT_TRUE(key);
  auto head = locked->client().head_object(locked_bucket, "recordings/" + *key);
  ASSERT_TRUE(head.ok()) << head.error().message;
  EXPECT_EQ(head->lock_mode, "GOVERNANCE");
  // S3 keeps whole seconds.
  EXPECT_EQ(sdk::parse_iso8601(head->lock_retain_until), *direct.retention_until / 1000 * 1000)
      << head->lock_retain_until;

  // Migrated from the local directory: the copy is locked the same way.
  ASSERT_OK(objects_->set_active("local"));
  const std::vector<std::string> ids = archive_locally(1);
  ASSERT_EQ(ids.size(), 1u);
  ArchiveMigration migration(*store_, *audit_, *objects_, cipher_->keyring());
  auto moved = migration.run("ceph-lock", options());
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  domain::Recording copied = row(kFacilityA, ids.front());
  ASSERT_TRUE(copied.retention_until);
  auto copy_key = locked->key_of(*copied.storage_path);
  ASSERT_TRUE(copy_key) << *copied.storage_path;
  auto copy = locked->client().head_object(locked_bucket, "recordings/" + *copy_key);
  ASSERT_TRUE(copy.ok()) << copy.error().message;
  EXPECT_EQ(copy->lock_mode, "GOVERNANCE");
  EXPECT_EQ(sdk::parse_iso8601(copy->lock_retain_until), *copied.retention_until / 1000 * 1000);
  expect_readable(kFacilityA, ids.front(), kSize);
}

WASL_RECORDS_INSTANTIATE(ArchiveMigrationTest);

}  // namespace
}  // namespace wasl::archive::testing
