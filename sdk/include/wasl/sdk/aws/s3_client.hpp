// S3Client: the S3 REST API (AWS S3 and compatible stores such as Ceph's
// RADOS Gateway) over an S3Transport. Each request is signed here with SigV4
// (service "s3"); a body the client holds is signed with its SHA-256
// (x-amz-content-sha256), UNSIGNED-PAYLOAD is never sent.
//
// Retries: no answer, a 5xx, a 429, S3's RequestTimeout and a 200 whose
// body is an <Error> document (CompleteMultipartUpload) are attempted again,
// freshly signed, up to S3ClientOptions::max_attempts, waiting Retry-After
// or an exponential backoff; a wait longer than max_delay ends the call with
// the retryable error so the caller retries later.
//
// Errors (wasl/sdk/http_status_error.hpp, refined by S3's codes):
//   kNotFound          NoSuchKey, NoSuchUpload, NoSuchBucket, a 404 to HEAD
//   kPermissionDenied  every 403 (AccessDenied, SignatureDoesNotMatch,
//                      InvalidAccessKeyId: a wrong key is a refusal here)
//   kFailedPrecondition 412 (If-Match: the object changed)
//   kUnavailable       5xx, no answer (retryable)
//   kInvalidArgument   other 4xx (BadDigest: the checksum did not match)
//   kInternal          an answer that is not what S3 documents
// Messages name the operation, the bucket and the key (and S3's code,
// message and request id), never a credential: the secret and the session
// token are replaced by "[redacted]" wherever they would appear.
//
// Every answer is outside input: documents larger than
// S3ClientOptions::max_document_bytes are refused, XML is read with pugixml
// and a malformed document is an error, never a crash.
//
// Thread-safe when the transport is (the client holds no mutable state).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wasl/sdk/aws/credentials.hpp"
#include "wasl/sdk/aws/s3_transport.hpp"
#include "wasl/sdk/aws/sigv4.hpp"
#include "wasl/sdk/host.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::sdk::aws {

// Where the store is and who speaks to it.
struct S3Endpoint {
  // "https://s3.eu-central-1.amazonaws.com", "http://127.0.0.1:7480"; may end
  // in a base path ("https://gw.example/s3"). No query, fragment or user.
  std::string base_url;
  std::string region = "us-east-1";
  // true: https://host/bucket/key; false (virtual-hosted):
  // https://bucket.host/key (bucket names must then be DNS labels).
  bool path_style = true;
  // The keys, when they are fixed (static). Ignored when
  // credentials_provider is set.
  AwsCredentials credentials;
  // Asked before each request is signed (instance role, web identity); a
  // 403 InvalidAccessKeyId, ExpiredToken, InvalidToken or AccessDenied
  // (Ceph's gateway's answer to keys it does not know) makes the client
  // tell it (refused()) and send the request once more with new keys.
  std::shared_ptr<CredentialsProvider> credentials_provider;
};

// How a part's or a small object's integrity is checked by the store.
enum class S3Checksum {
  // x-amz-checksum-sha256 (base64 SHA-256) with x-amz-sdk-checksum-algorithm
  // SHA256, and x-amz-checksum-algorithm SHA256 on CreateMultipartUpload; the
  // object keeps the checksum (S3; Ceph 16's gateway ignores these headers).
  // The same SHA-256 is signed as x-amz-content-sha256, which S3 and Ceph's
  // gateway check against the bytes received.
  kSha256,
  // Content-MD5 (base64 MD5, a signed header), which every S3 store checks
  // (Ceph 16 included); the payload is signed as UNSIGNED-PAYLOAD, so the
  // body is hashed once at each end instead of twice.
  kMd5,
};

struct S3ClientOptions {
  int max_attempts = 3;  // per call, the first included
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_delay{5000};
  // Total time of a small exchange (HEAD, DELETE, lists, creates); unset: the
  // transport's default.
  std::optional<std::chrono::milliseconds> request_timeout;
  // Total time of an exchange that carries an object's bytes (GetObject,
  // PutObject, UploadPart); unset: the transport's default.
  std::optional<std::chrono::milliseconds> transfer_timeout;
  S3Checksum checksum = S3Checksum::kSha256;
  // The largest document (list page, error, multipart answer) read.
  std::size_t max_document_bytes = 8 * 1024 * 1024;
};

struct S3ObjectSummary {
  std::string key;
  std::uint64_t size = 0;
  std::string etag;
};

struct S3ObjectHead {
  std::uint64_t size = 0;
  std::string etag;  // as S3 sends it, quotes included
  std::string content_type;
  // Object Lock, as the x-amz-object-lock-* headers say (empty when absent):
  // "GOVERNANCE" or "COMPLIANCE", the retain-until date (ISO 8601, as S3
  // sends it), and "ON" or "OFF".
  std::string lock_mode;
  std::string lock_retain_until;
  std::string legal_hold;
};

// Object Lock retention, sent with PutObject and CreateMultipartUpload
// (x-amz-object-lock-mode, x-amz-object-lock-retain-until-date): the
// object's version cannot be deleted or overwritten before `retain_until_ms`.
// The bucket must have Object Lock enabled (create_bucket).
enum class S3LockMode { kGovernance, kCompliance };
struct S3ObjectLock {
  S3LockMode mode = S3LockMode::kGovernance;
  std::int64_t retain_until_ms = 0;  // epoch ms
  bool legal_hold = false;           // x-amz-object-lock-legal-hold: ON
};

// One version of an object in a versioned bucket (ListObjectVersions): a
// version of the bytes, or a delete marker.
struct S3ObjectVersion {
  std::string key;
  std::string version_id;
  bool is_latest = false;
  bool delete_marker = false;
  std::uint64_t size = 0;
};

struct S3ObjectRead {
  std::string content_type;
  std::string etag;
  std::int64_t object_size = -1;  // the whole object's size; -1 when S3 did not say
  std::int64_t delivered = 0;     // bytes handed to the sink
};

struct S3UploadedPart {
  int number = 0;
  std::string etag;
  std::string checksum_sha256;  // base64; empty when the part was sent with Content-MD5
};

struct S3MultipartUpload {
  std::string key;
  std::string upload_id;
  std::string initiated;  // ISO 8601, as S3 sends it
};

class S3Client {
 public:
  // `transport` is borrowed and outlives the client. An endpoint that
  // validate() refuses makes every call fail with that error.
  S3Client(S3Transport& transport, S3Endpoint endpoint, S3ClientOptions options = {});

  // Whether `endpoint` can be used: an absolute http(s) base URL with a host,
  // a region and an access key id and secret (or a credentials provider). kInvalidArgument naming
  // the problem (never the URL's user information or a credential).
  static Status validate(const S3Endpoint& endpoint);

  // GetObject: streams bytes [offset, offset + length) of the object (to its
  // end without `length`) into `sink`, never holding more than one chunk
  // plus kHoldBack bytes, so an error document never reaches the sink. A
  // transfer that breaks (no answer, a short body, a retryable status) is
  // resumed with Range from the first byte not yet delivered, pinned to the
  // first answer's ETag with If-Match. A zero `length` reads nothing.
  // Errors: the sink's error as it returned it (not retried); the table
  // above; kFailedPrecondition (retryable) when the object changed between
  // attempts; kInvalidArgument for a range past the object's end.
  Result<S3ObjectRead> get_object(const std::string& bucket, const std::string& key,
                                  std::uint64_t offset, std::optional<std::uint64_t> length,
                                  const ChunkSink& sink);

  // HeadObject. kNotFound when there is no such object.
  Result<S3ObjectHead> head_object(const std::string& bucket, const std::string& key);

  // PutObject of a body held in memory (small objects: probes, manifests);
  // checksummed per S3ClientOptions::checksum. Returns the ETag.
  // With `lock`, the object is written under Object Lock retention (S3
  // demands a checksum with lock headers: the SHA-256 or MD5 this client
  // always sends is one).
  Result<std::string> put_object(const std::string& bucket, const std::string& key,
                                 std::string_view body,
                                 std::string_view content_type = "application/octet-stream",
                                 const std::optional<S3ObjectLock>& lock = std::nullopt);

  // DeleteObject. An absent object is not an error (S3 answers 204). In a
  // versioned bucket this only adds a delete marker: the bytes stay as a
  // noncurrent version (delete_object_version removes them).
  Status delete_object(const std::string& bucket, const std::string& key);

  // DeleteObject of one version (versionId): that version's bytes are gone
  // for good. An absent version is not an error. kPermissionDenied when
  // Object Lock keeps it (retention not passed, or a legal hold).
  Status delete_object_version(const std::string& bucket, const std::string& key,
                               const std::string& version_id);

  // ListObjectVersions under `prefix`, every page (at most kMaxListPages):
  // every version and delete marker, newest first per key.
  Result<std::vector<S3ObjectVersion>> list_object_versions(const std::string& bucket,
                                                            const std::string& prefix);

  // PutObjectLegalHold: turns the legal hold of the object's current
  // version (or of `version_id`) ON or OFF. kNotFound without such an
  // object; kInvalidArgument when the bucket has no Object Lock.
  Status put_object_legal_hold(const std::string& bucket, const std::string& key, bool on,
                               const std::string& version_id = {});

  // PutObjectRetention: locks the object's current version until
  // lock.retain_until_ms in lock.mode (Ceph 16 ignores the lock headers of
  // CreateMultipartUpload: a completed upload is locked with this).
  Status put_object_retention(const std::string& bucket, const std::string& key,
                              const S3ObjectLock& lock);

  // GetObjectLegalHold: whether the legal hold of the current version (or
  // of `version_id`) is ON. A version that never had one is OFF.
  Result<bool> get_object_legal_hold(const std::string& bucket, const std::string& key,
                                     const std::string& version_id = {});

  // GetObjectLockConfiguration: whether the bucket has Object Lock enabled
  // (false when S3 answers ObjectLockConfigurationNotFoundError).
  Result<bool> object_lock_enabled(const std::string& bucket);

  // CreateBucket in the endpoint's region, with Object Lock enabled (which
  // also turns versioning on) when `object_lock`. kAlreadyExists when the
  // bucket exists (BucketAlreadyExists / BucketAlreadyOwnedByYou).
  Status create_bucket(const std::string& bucket, bool object_lock = false);

  // ListObjectsV2 under `prefix`, every page (at most kMaxListPages).
  Result<std::vector<S3ObjectSummary>> list_objects(const std::string& bucket,
                                                    const std::string& prefix);

  // CreateMultipartUpload; with the SHA-256 checksum it declares
  // x-amz-checksum-algorithm SHA256, which S3 requires before parts carry
  // one. Returns the upload id.
  // With `lock`, the completed object is under Object Lock retention.
  Result<std::string> create_multipart_upload(
      const std::string& bucket, const std::string& key,
      std::string_view content_type = "application/octet-stream",
      const std::optional<S3ObjectLock>& lock = std::nullopt);

  // UploadPart number `part_number` (1..10000) of `upload_id`, checksummed
  // per S3ClientOptions::checksum. Every part but the last must be at least
  // 5 MiB (S3 refuses the completion otherwise). kInvalidArgument when the
  // store computed another checksum (BadDigest): the bytes were damaged.
  Result<S3UploadedPart> upload_part(const std::string& bucket, const std::string& key,
                                     const std::string& upload_id, int part_number,
                                     std::string_view bytes);

  // CompleteMultipartUpload of `parts` (in ascending part number). S3 may
  // answer 200 and still fail (an <Error> document in the body): that is an
  // error here, retried when S3 says it is transient. Returns the ETag (from
  // a HEAD of the object when the answer carries none, as Ceph 16's does).
  // A retry after a lost answer may find the upload already completed
  // (kNotFound, NoSuchUpload): head_object() tells whether the object is
  // there.
  Result<std::string> complete_multipart_upload(const std::string& bucket, const std::string& key,
                                                const std::string& upload_id,
                                                const std::vector<S3UploadedPart>& parts);

  // AbortMultipartUpload: the parts are freed. kNotFound when the upload is
  // not (or no longer) there.
  Status abort_multipart_upload(const std::string& bucket, const std::string& key,
                                const std::string& upload_id);

  // ListMultipartUploads under `prefix`, every page (at most kMaxListPages).
  Result<std::vector<S3MultipartUpload>> list_multipart_uploads(const std::string& bucket,
                                                                const std::string& prefix);

  // The first bytes of a GetObject answer are held back until the status is
  // known; S3's error documents are smaller.
  static constexpr std::size_t kHoldBack = 8192;
  static constexpr int kMaxListPages = 10000;

  const S3Endpoint& endpoint() const { return endpoint_; }

 private:
  struct Call;
  struct Target;
  struct Listing;

  Result<Target> target(const std::string& bucket, const std::string& key) const;
  // The request for `call`, signed with the keys of the moment (returned
  // in `used` for refused()).
  Result<HttpRequest> build(const Call& call, AwsCredentials* used = nullptr) const;
  Error error_for(const Call& call, const HttpResponse& response) const;
  Error redacted(const Call& call, Error error) const;
  // After a refusal of `used` (`response`): whether the provider has new
  // keys to try once more with.
  bool renew_refused(const HttpResponse& response, const AwsCredentials& used) const;
  // Sends `call` (not streamed) with retries; returns the 2xx answer.
  Result<HttpResponse> exchange(const Call& call);
  // Waits before attempt `attempt` (2, 3, …) after `error`; false: give up.
  bool wait_before(int attempt, const Error& error);
  Result<std::string> document_of(const Call& call, const HttpResponse& response) const;
  // Asks for the pages of `listing` under `prefix` until one is not
  // truncated, handing each page's result element to `take` (a callable
  // (const Call&, pugi::xml_node) -> Status; defined and used in the .cpp).
  template <typename Take>
  Status list_pages(const std::string& bucket, const std::string& prefix, const Listing& listing,
                    Take take);

  S3Transport& transport_;
  const S3Endpoint endpoint_;
  const S3ClientOptions options_;
  Status endpoint_status_;
  std::string scheme_;
  std::string authority_;
  std::string base_path_;
};

}  // namespace wasl::sdk::aws
