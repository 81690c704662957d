// S3ObjectStore: the ObjectStore over the S3 API (Amazon S3, or an
// on-premises store speaking it: Ceph's RADOS Gateway, StorageGRID, ECS,
// OBS), through the SDK's S3 client.
//
// Objects are "<prefix><key>" in one bucket; the locator a row keeps is
// "s3://<bucket>/<prefix><key>".
//
// Writing: bytes collect in a part buffer of part_size; each full buffer is
// uploaded as one part of a multipart upload by one of parts_in_flight
// threads, its SHA-256 (or MD5) sent with it and checked by the store, while
// the caller fills the next buffer; a full set of buffers makes write() wait.
// Memory per writer is fixed at (parts_in_flight + 1) × part_size whatever
// the object's size. commit() uploads the last part, completes the upload
// and checks with HEAD that the object has the size written; an object
// smaller than one part is sent in one PutObject instead. An upload that
// fails or is abandoned is aborted, so its parts are freed.
//
// A hub killed mid-upload leaves an incomplete upload behind: the next
// writer of the same key aborts those first (a recording's retry writes the
// same key), and abort_stale_uploads() frees any left longer than a given
// age under the store's prefix.
//
// Object Lock (retention_mode governance or compliance: lock_mode set; the
// bucket has Object Lock, so it is versioned): every object is written
// locked until its Retention::until_ms (lock headers on PutObject and
// CreateMultipartUpload; the SHA-256 or MD5 sent with every body is the
// checksum S3 demands with them, and Ceph 16 accepts either; Ceph 16 drops
// the lock of a multipart upload, so a committed object HEAD shows
// unlocked is locked with PutObjectRetention). A legal hold
// is the object's own (PutObjectLegalHold). remove() deletes every version
// of the key (a plain DELETE would only add a delete marker and leave the
// locked bytes), after turning off a legal hold it finds; a version still
// within its retain-until date is refused by the store, and remove()
// answers kFailedPrecondition, leaving the key for a later attempt.
//
// Thread-safe; each writer is driven by one thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "hub/object_store/http_s3_transport.hpp"
#include "hub/object_store/object_store.hpp"
#include "hub/object_store/store_monitor.hpp"
#include "hub/observability/metrics.hpp"
#include "wasl/sdk/aws/credentials.hpp"
#include "wasl/sdk/aws/s3_client.hpp"

namespace wasl::object_store {

// Where an S3 store's keys come from (config: archive.stores.<name>.credentials).
struct S3CredentialsSource {
  std::string kind = "static";  // static (endpoint.credentials) | instance | web_identity
  sdk::aws::InstanceMetadataOptions instance;
  sdk::aws::WebIdentityOptions web_identity;
};

struct S3StoreOptions {
  std::string name;  // the config's name, for messages and metrics
  // With static credentials, endpoint.credentials holds the keys; otherwise
  // create() sets endpoint.credentials_provider from `credentials`.
  sdk::aws::S3Endpoint endpoint;
  S3CredentialsSource credentials;
  std::string bucket;
  std::string prefix;  // "" or ending in '/'
  std::size_t part_size = std::size_t{8} << 20;
  int parts_in_flight = 4;
  sdk::aws::S3Checksum checksum = sdk::aws::S3Checksum::kSha256;
  // S3 Object Lock of the objects written (retention_mode); unset: none.
  std::optional<sdk::aws::S3LockMode> lock_mode;
  std::string ca_file;  // extra trust anchors for the store's TLS
  // Per exchange: small calls, and calls that carry up to one part.
  std::chrono::milliseconds request_timeout{30000};
  std::chrono::milliseconds transfer_timeout{300000};
  int max_attempts = 4;
  // Where the store's requests are counted (StoreMonitor); null: nowhere.
  // Must outlive the store.
  observability::Metrics* metrics = nullptr;
};

// What one pass of abort_stale_uploads() found.
struct StaleUploads {
  int aborted = 0;
  int failed = 0;
};

class S3ObjectStore final : public ObjectStore {
 public:
  // kInvalidArgument when the options cannot work (endpoint, bucket, part
  // size below S3's 5 MiB, no parts in flight). No network traffic.
  static sdk::Result<std::unique_ptr<S3ObjectStore>> create(S3StoreOptions options);

  std::string_view kind() const override { return "s3"; }
  std::string locator(std::string_view key) const override;
  std::optional<std::string> key_of(std::string_view locator) const override;
  sdk::Result<std::unique_ptr<ObjectWriter>> create(std::string_view key) override;
  sdk::Status read(std::string_view key, std::uint64_t offset, std::uint64_t length,
                   const sdk::ChunkSink& sink) override;
  sdk::Result<std::optional<ObjectInfo>> head(std::string_view key) override;
  sdk::Status remove(std::string_view key) override;
  sdk::Result<std::vector<ObjectInfo>> list(std::string_view prefix) override;
  sdk::Result<std::unique_ptr<ObjectWriter>> create_retained(std::string_view key,
                                                             const Retention& retention) override;
  sdk::Status set_legal_hold(std::string_view key, bool on) override;
  sdk::Status check_removable(std::string_view key, std::int64_t now_ms) override;

  // Aborts the incomplete multipart uploads under the store's prefix begun
  // more than `age` ago (never a live one of another hub, which is younger
  // than the archive's step deadline).
  sdk::Result<StaleUploads> abort_stale_uploads(std::chrono::seconds age,
                                                std::chrono::system_clock::time_point now);

  // Writes and deletes a probe object under the prefix: whether the bucket
  // is reachable and writable (wasl check); with a lock mode, also that the
  // bucket has Object Lock (GetObjectLockConfiguration). The error names the
  // step that failed.
  sdk::Status probe();

  // Whether keys can be had now (instance role, web identity; always for
  // static keys): `wasl check` reports a failure as such before probing.
  sdk::Status check_credentials();

  // The provider of temporary keys; null with static keys.
  sdk::aws::CredentialsProvider* credentials_provider() const {
    return options_.endpoint.credentials_provider.get();
  }

  const S3StoreOptions& options() const { return options_; }
  // What the store's requests showed: up or down, the last failure.
  const StoreMonitor& monitor() const { return *monitor_; }
  sdk::aws::S3Client& client() { return *client_; }

 private:
  class Writer;
  explicit S3ObjectStore(S3StoreOptions options);
  std::string full_key(std::string_view key) const { return options_.prefix + std::string(key); }
  // Deletes every version of `full` (a versioned bucket).
  sdk::Status remove_versions(const std::string& full);

  // How the keys are fetched (IMDS, STS); declared first so it outlives the
  // provider that options_ and client_ hold.
  std::unique_ptr<HttpS3Transport> credentials_transport_;
  S3StoreOptions options_;
  std::unique_ptr<StoreMonitor> monitor_;
  std::unique_ptr<HttpS3Transport> transport_;
  std::unique_ptr<sdk::aws::S3Client> client_;
};

}  // namespace wasl::object_store
