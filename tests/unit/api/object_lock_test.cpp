// Legal hold and retention on an S3 store with Object Lock (retention_mode
// governance), against the Ceph gateway of the ctest fixture "ceph", in a
// bucket made with Object Lock enabled for each test, on SQLite and
// PostgreSQL:
//   - wasl check's probe refuses a bucket without Object Lock;
//   - objects are written locked until the recording's retention date, by
//     PutObject and by a multipart upload, with either checksum;
//   - PUT /v1/recordings/{id}/legal-hold sets the object's legal hold ON
//     (Ceph then refuses to delete that version) and releasing sets it OFF;
//     another facility's key gets 404; a gateway that is down makes it 503
//     with Retry-After and the row unchanged;
//   - retention leaves a recording whose object is still locked (and
//     retries it), then, once the lock has passed, deletes every version of
//     the object and the row, turning off a legal hold the row does not
//     have first;
//   - key rotation writes the re-encrypted object locked until the same
//     date, and the old object, refused while locked, is removed by
//     retention's sweep once its lock has passed.
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <thread>

#include "hub/archive/retention_job.hpp"
#include "hub/crypto/hex.hpp"
#include "hub/crypto/keyring.hpp"
#include "hub/crypto/random.hpp"
#include "hub/crypto/stream_cipher.hpp"
#include "hub/domain/recording.hpp"
#include "hub/key_rotation/key_rotation_job.hpp"
#include "hub/object_store/s3_object_store.hpp"
#include "hub/records/recording_store.hpp"
#include "tests/peers/ceph/ceph_gateway.hpp"
#include "tests/unit/api/api_fixture.hpp"
#include "wasl/sdk/timestamp.hpp"

namespace wasl::api::testing {
namespace {

using access::Role;
using namespace std::chrono_literals;

constexpr const char* kPrefix = "recordings/";

std::string random_name(std::string_view stem) {
  return std::string(stem) + crypto::to_hex(crypto::random_bytes(6).value());
}

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Polls `done` until it is true or `deadline` passes.
bool eventually(const std::function<bool()>& done, std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(200ms);
  }
  return done();
}

class ObjectLockTest : public ApiFixture {
 protected:
  void SetUp() override {
    ApiFixture::SetUp();
    if (HasFatalFailure()) return;
    gateway_ = ::wasl::testing::CephGateway::from_fixture(WASL_BINARY_DIR);
    bucket_ = random_name("wasl-lock-");
    auto view = store(std::nullopt, sdk::aws::S3Checksum::kSha256);
    ASSERT_TRUE(view);
    view_ = std::move(view);
    ASSERT_TRUE(view_->client().create_bucket(bucket_, true).ok());
    auto enabled = view_->client().object_lock_enabled(bucket_);
    ASSERT_TRUE(enabled.ok()) << enabled.error().message;
    ASSERT_TRUE(*enabled);

    auto locked = store(sdk::aws::S3LockMode::kGovernance, sdk::aws::S3Checksum::kSha256);
    ASSERT_TRUE(locked);
    locked_ = locked.get();
    object_stores_ = std::make_unique<object_store::ObjectStores>(
        std::make_unique<object_store::LocalObjectStore>(scratch_.path()));
    ASSERT_TRUE(object_stores_->add("ceph", std::move(locked)).ok());
    ASSERT_TRUE(object_stores_->set_active("ceph").ok());
    context_.object_stores = object_stores_.get();
    consultation_ = create_id("k-lock");
  }

  std::unique_ptr<object_store::S3ObjectStore> store(std::optional<sdk::aws::S3LockMode> lock,
                                                     sdk::aws::S3Checksum checksum,
                                                     const std::string& prefix = kPrefix) {
    object_store::S3StoreOptions options;
    options.name = lock ? "ceph" : "test-view";
    options.endpoint.base_url = gateway_.endpoint;
    options.endpoint.region = gateway_.region;
    options.endpoint.credentials = {gateway_.access_key, gateway_.secret_key, std::nullopt};
    options.bucket = bucket_;
    options.prefix = prefix;
    options.part_size = std::size_t{5} << 20;
    options.parts_in_flight = 2;
    options.checksum = checksum;
    options.lock_mode = lock;
    options.max_attempts = 1;
    options.request_timeout = 10s;
    auto made = object_store::S3ObjectStore::create(std::move(options));
    EXPECT_TRUE(made.ok()) << made.error().message;
    return made.ok() ? std::move(made).value() : nullptr;
  }

  // Archives `size` bytes as recording `id` of facility A into `into`, its
  // object locked until `retention_until` (whole seconds), as the archive
  // writes it; returns the object's key without the store's prefix.
  std::string archive(object_store::ObjectStore& into, const std::string& id, std::size_t size,
                      std::int64_t retention_until) {
    const std::string key =
        std::string(kFacilityA) + "/" + id + "." + keyring_->active_key_id() + ".wse";
    object_store::Retention retention;
    retention.until_ms = retention_until;
    auto writer = into.create_retained(key, retention);
    EXPECT_TRUE(writer.ok()) << writer.error().message;
    if (!writer.ok()) return key;
    std::unique_ptr<object_store::ObjectWriter> object = std::move(writer).value();
    {
      auto enc = crypto::StreamEncryptor::create(
          *keyring_, [&object](std::string_view b) { return object->write(b); },
          domain::recording_stream_binding(kFacilityA, id));
      EXPECT_TRUE(enc.ok());
      std::mt19937 random(7);
      std::string plain(size, '\0');
      for (auto& c : plain) c = static_cast<char>(random());
      EXPECT_TRUE(enc->write(plain).ok());
      EXPECT_TRUE(enc->finish().ok());
    }
    auto committed = object->commit();
    EXPECT_TRUE(committed.ok()) << committed.error().message;

    domain::Recording r;
    r.id = id;
    r.consultation_id = consultation_;
    r.facility_id = kFacilityA;
    r.provider_recording_id = "CJ-" + id;
    r.created_at = kNow;
    records::RecordingStore recordings;
    auto tx = store_->begin();
    EXPECT_TRUE(tx.ok());
    if (!tx.ok()) return key;
    EXPECT_TRUE(recordings.insert(**tx, r).ok());
    records::ArchivedFile file;
    file.storage_path = into.locator(key);
    file.size_bytes = static_cast<std::int64_t>(size);
    file.plaintext_sha256 = std::string(64, '0');
    file.key_id = keyring_->active_key_id();
    file.retention_until = retention_until;
    EXPECT_TRUE(recordings.mark_archived(**tx, kFacilityA, id, file).ok());
    EXPECT_TRUE((*tx)->commit().ok());
    return key;
  }

  std::vector<sdk::aws::S3ObjectVersion> versions(const std::string& key) {
    auto listed = view_->client().list_object_versions(bucket_, kPrefix + key);
    EXPECT_TRUE(listed.ok()) << listed.error().message;
    return listed.ok() ? *listed : std::vector<sdk::aws::S3ObjectVersion>{};
  }

  std::string state_of(const std::string& id) {
    auto tx = store_->begin(storage::TxMode::kReadOnly);
    EXPECT_TRUE(tx.ok());
    auto rows = (*tx)->query("SELECT state FROM recordings WHERE id = $1", {id});
    if (!rows.ok() || rows->empty()) return "";
    return rows->front().get_text(0).value_or("");
  }

  http::Response put_hold(const std::string& id, const nlohmann::json& body,
                          bool facility_b = false) {
    return send({"PUT", "/v1/recordings/" + id + "/legal-hold", body.dump()}, Role::kAdmin,
                facility_b);
  }

  ::wasl::testing::CephGateway gateway_;
  std::string bucket_;
  std::unique_ptr<object_store::S3ObjectStore> view_;  // the bucket, no prefix, no lock
  object_store::S3ObjectStore* locked_ = nullptr;      // owned by object_stores_
  std::string consultation_;
};

TEST_P(ObjectLockTest, ObjectsAreLockedUntilTheRetentionDate) {
  // Whole seconds: S3's retain-until date has no milliseconds.
  const std::int64_t until = (wall_ms() / 1000 + 3600) * 1000;
  const std::string small = archive(*locked_, "rec-small", 1000, until);
  const std::string large = archive(*locked_, "rec-large", (std::size_t{6} << 20), until);
  auto md5_store = store(sdk::aws::S3LockMode::kGovernance, sdk::aws::S3Checksum::kMd5);
  ASSERT_TRUE(md5_store);
  const std::string md5_small = archive(*md5_store, "rec-md5", 1000, until + 1000);
  const std::string md5_large = archive(*md5_store, "rec-md5-large", std::size_t{6} << 20, until);
  for (const auto& [key, expected] :
       {std::pair{small, until}, std::pair{large, until}, std::pair{md5_small, until + 1000},
        std::pair{md5_large, until}}) {
    auto head = view_->client().head_object(bucket_, kPrefix + key);
    ASSERT_TRUE(head.ok()) << head.error().message;
    EXPECT_EQ(head->lock_mode, "GOVERNANCE") << key;
    EXPECT_EQ(sdk::parse_iso8601(head->lock_retain_until), expected)
        << key << ": " << head->lock_retain_until;
  }
  // A locked version cannot be deleted before its date.
  const auto held = versions(small);
  ASSERT_EQ(held.size(), 1u);
  sdk::Status refused =
      view_->client().delete_object_version(bucket_, kPrefix + small, held.front().version_id);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, sdk::ErrorCode::kPermissionDenied) << refused.error().message;
  EXPECT_EQ(locked_->remove(small).error().code, sdk::ErrorCode::kFailedPrecondition);
  EXPECT_EQ(versions(small).size(), 1u);
  EXPECT_EQ(locked_->check_removable(small, wall_ms()).error().code,
            sdk::ErrorCode::kFailedPrecondition);
}

TEST_P(ObjectLockTest, TheRoutesHoldIsTheObjectsLegalHold) {
  const std::int64_t until = (wall_ms() / 1000 + 2) * 1000;
  const std::string key = archive(*locked_, "rec-held", 1000, until);
  const std::string full = kPrefix + key;

  EXPECT_EQ(put_hold("rec-held", {{"hold", true}, {"reason", "x"}}, true).status, 404);
  http::Response set = put_hold("rec-held", {{"hold", true}, {"reason", "court order 118"}});
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(body_of(set)["legal_hold"], true);
  auto on = view_->client().get_object_legal_hold(bucket_, full);
  ASSERT_TRUE(on.ok()) << on.error().message;
  EXPECT_TRUE(*on);

  // Held: Ceph refuses to delete the version even once its retain-until
  // date has passed (two seconds after it was written).
  ASSERT_TRUE(eventually([&] { return wall_ms() > until + 1000; }, 10s));
  const auto before = versions(key);
  ASSERT_EQ(before.size(), 1u);
  sdk::Status refused =
      view_->client().delete_object_version(bucket_, full, before.front().version_id);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, sdk::ErrorCode::kPermissionDenied) << refused.error().message;

  // The row holds: retention leaves it and its object alone.
  archive::RetentionJob job(*store_, *audit_, *object_stores_);
  auto pass = job.run_once();
  ASSERT_TRUE(pass.ok()) << pass.error().message;
  EXPECT_EQ(pass->deleted, 0);
  EXPECT_EQ(state_of("rec-held"), "archived");
  EXPECT_EQ(versions(key).size(), 1u);

  http::Response released = put_hold("rec-held", {{"hold", false}});
  ASSERT_EQ(released.status, 200) << released.body;
  auto off = view_->client().get_object_legal_hold(bucket_, full);
  ASSERT_TRUE(off.ok()) << off.error().message;
  EXPECT_FALSE(*off);
  EXPECT_EQ(audit_count("recording.legal_hold"), 2);

  // The gateway away: 503 with Retry-After, the row as it was.
  ASSERT_EQ(gateway_.stop_gateway(), 0);
  http::Response busy = put_hold("rec-held", {{"hold", true}, {"reason", "again"}});
  const int restarted = gateway_.start_gateway();
  EXPECT_EQ(busy.status, 503) << busy.body;
  EXPECT_NE(busy.headers.find("Retry-After"), busy.headers.end());
  EXPECT_EQ(busy.headers.find("Content-Type")->second, "application/problem+json");
  EXPECT_EQ(scalar("SELECT legal_hold FROM recordings WHERE id = $1", {std::string("rec-held")}),
            0);
  EXPECT_EQ(audit_count("recording.legal_hold"), 2);
  ASSERT_EQ(restarted, 0);
}

TEST_P(ObjectLockTest, RetentionWaitsForTheLockThenDeletesEveryVersion) {
  // The row is due now; its object stays locked a few seconds more (a hub
  // whose clock runs ahead of the store's, or a date shortened since).
  const std::int64_t lock_until = (wall_ms() / 1000 + 4) * 1000;
  const std::string key = archive(*locked_, "rec-due", 1000, lock_until);
  exec("UPDATE recordings SET retention_until = $1 WHERE id = $2",
       {wall_ms() - 1000, std::string("rec-due")});
  // A hold the row does not have (its transaction failed after the store's
  // call): retention turns it off before deleting.
  ASSERT_TRUE(view_->client().put_object_legal_hold(bucket_, kPrefix + key, true).ok());
  // A second version of the same key, as an archive retry writes it.
  sdk::aws::S3ObjectLock lock;
  lock.retain_until_ms = lock_until;
  ASSERT_TRUE(view_->client()
                  .put_object(bucket_, kPrefix + key, "retry", "application/octet-stream", lock)
                  .ok());
  ASSERT_EQ(versions(key).size(), 2u);

  archive::RetentionJob job(*store_, *audit_, *object_stores_);
  auto early = job.run_once();
  ASSERT_TRUE(early.ok()) << early.error().message;
  EXPECT_EQ(early->deleted, 0);
  EXPECT_GE(early->failed, 1);
  EXPECT_EQ(state_of("rec-due"), "archived");
  EXPECT_EQ(versions(key).size(), 2u);
  EXPECT_EQ(audit_count("recording.delete"), 0);

  // Retried on later passes until the lock has passed.
  ASSERT_TRUE(eventually(
      [&] {
        auto pass = job.run_once();
        return pass.ok() && state_of("rec-due") == "deleted";
      },
      20s));
  EXPECT_GE(wall_ms(), lock_until);
  EXPECT_TRUE(versions(key).empty()) << "every version and no delete marker is left";
  EXPECT_EQ(audit_count("recording.delete"), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM recording_file_cleanup"), 0);
}

TEST_P(ObjectLockTest, KeyRotationLeavesTheOldObjectUntilItsLockEnds) {
  const std::int64_t old_lock = (wall_ms() / 1000 + 4) * 1000;
  const std::string old_key = archive(*locked_, "rec-rotate", 200000, old_lock);
  const std::int64_t retention_until = (wall_ms() / 1000 + 3600) * 1000;
  exec("UPDATE recordings SET retention_until = $1 WHERE id = $2",
       {retention_until, std::string("rec-rotate")});

  auto next = crypto::add_and_activate_key(scratch_.path() / "keys.json");
  ASSERT_TRUE(next.ok()) << next.error().message;
  auto ring = crypto::load_keyring(scratch_.path() / "keys.json");
  ASSERT_TRUE(ring.ok()) << ring.error().message;
  cipher_->replace_keyring(*ring);
  key_rotation::KeyRotationJob rotation(*store_, *cipher_, *audit_, *object_stores_);
  auto done = rotation.run_until_done(std::stop_token{});
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_TRUE(done->done);

  const std::string new_key = std::string(kFacilityA) + "/rec-rotate." + *next + ".wse";
  auto head = view_->client().head_object(bucket_, kPrefix + new_key);
  ASSERT_TRUE(head.ok()) << head.error().message;
  EXPECT_EQ(head->lock_mode, "GOVERNANCE");
  EXPECT_EQ(sdk::parse_iso8601(head->lock_retain_until), retention_until);
  auto tx = store_->begin(storage::TxMode::kReadOnly);
  ASSERT_TRUE(tx.ok());
  auto row = records::RecordingStore().get(**tx, kFacilityA, "rec-rotate");
  ASSERT_TRUE(row.ok());
  (*tx)->rollback();
  EXPECT_EQ(row->key_id, *next);
  EXPECT_EQ(row->storage_path, locked_->locator(new_key));
  // The live copy reads under the new key.
  http::Response content = send({"GET", "/v1/recordings/rec-rotate/content"}, Role::kClinician);
  ASSERT_EQ(content.status, 200) << content.body;
  std::ostringstream plain;
  content.stream_body(plain);
  EXPECT_EQ(plain.str().size(), 200000u);

  // The old object is still locked: registered, not yet removed.
  EXPECT_FALSE(versions(old_key).empty());
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM recording_file_cleanup WHERE path = $1",
                   {locked_->locator(old_key)}),
            1);
  archive::RetentionOptions options;
  options.obsolete_age = std::chrono::milliseconds(0);
  archive::RetentionJob job(*store_, *audit_, *object_stores_, options);
  ASSERT_TRUE(eventually(
      [&] {
        auto pass = job.run_once();
        return pass.ok() && versions(old_key).empty();
      },
      20s));
  EXPECT_GE(wall_ms(), old_lock);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM recording_file_cleanup"), 0);
  EXPECT_EQ(state_of("rec-rotate"), "archived");
  EXPECT_EQ(versions(new_key).size(), 1u);
}

// wasl check's probe: a store with a retention mode whose bucket has no
// Object Lock is an error naming the bucket; with Object Lock it passes.
TEST_P(ObjectLockTest, TheProbeNamesABucketWithoutObjectLock) {
  EXPECT_TRUE(locked_->probe().ok());
  EXPECT_TRUE(versions(".wasl-probe-").empty()) << "the probe leaves no version behind";
  const std::string plain = bucket_ + "-plain";
  ASSERT_TRUE(view_->client().create_bucket(plain, false).ok());
  auto enabled = view_->client().object_lock_enabled(plain);
  ASSERT_TRUE(enabled.ok()) << enabled.error().message;
  EXPECT_FALSE(*enabled);
  const std::string locked_bucket = bucket_;
  bucket_ = plain;
  auto unlocked = store(sdk::aws::S3LockMode::kCompliance, sdk::aws::S3Checksum::kSha256);
  bucket_ = locked_bucket;
  ASSERT_TRUE(unlocked);
  sdk::Status probed = unlocked->probe();
  ASSERT_FALSE(probed.ok());
  EXPECT_NE(probed.error().message.find("bucket " + plain + " has no Object Lock"),
            std::string::npos)
      << probed.error().message;
}

INSTANTIATE_TEST_SUITE_P(Backends, ObjectLockTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         dialect_test_name);

}  // namespace
}  // namespace wasl::api::testing
