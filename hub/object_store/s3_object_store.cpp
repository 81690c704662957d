#include "hub/object_store/s3_object_store.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "hub/crypto/hex.hpp"
#include "hub/crypto/random.hpp"
#include "wasl/sdk/timestamp.hpp"

namespace wasl::object_store {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;
using sdk::aws::S3UploadedPart;

namespace {

constexpr std::size_t kMinPartSize = std::size_t{5} << 20;
constexpr std::string_view kScheme = "s3://";

Error invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message), false);
}

// Why a probe step failed, with the client's error kept.
Error probe_error(std::string_view step, const Error& error) {
  return Error(error.code,
               "the archive store could not " + std::string(step) + ": " + error.message,
               error.retryable);
}

}  // namespace

// One object being written as a multipart upload (or one PutObject when it
// stays smaller than a part). The caller's thread fills `current_`; full
// parts wait in `queue_` for the uploading threads; `spare_` keeps emptied
// buffers for reuse, so at most parts_in_flight + 1 buffers ever exist.
class S3ObjectStore::Writer final : public ObjectWriter {
 public:
  Writer(S3ObjectStore& store, std::string key, Retention retention)
      : store_(store), key_(std::move(key)), retention_(retention) {
    current_.reserve(store_.options_.part_size);
  }

  ~Writer() override {
    if (!done_) abort();
  }

  Status write(std::string_view bytes) override {
    if (done_) return Error(ErrorCode::kFailedPrecondition, "the object was already ended", false);
    WASL_RETURN_IF_ERROR(first_failure());
    const std::size_t part_size = store_.options_.part_size;
    while (!bytes.empty()) {
      const std::size_t room = part_size - current_.size();
      const std::size_t take = std::min(room, bytes.size());
      current_.append(bytes.data(), take);
      bytes.remove_prefix(take);
      written_ += take;
      if (current_.size() == part_size) WASL_RETURN_IF_ERROR(submit());
    }
    return {};
  }

  Result<ObjectInfo> commit() override {
    if (done_) return Error(ErrorCode::kFailedPrecondition, "the object was already ended", false);
    auto committed = finish();
    if (!committed.ok()) abort();
    done_ = true;
    return committed;
  }

  void abort() noexcept override {
    if (aborted_) return;
    aborted_ = true;
    done_ = true;
    {
      std::lock_guard lock(mutex_);
      if (!failure_) failure_ = Error(ErrorCode::kCancelled, "the upload was abandoned", false);
    }
    stop_threads();
    if (upload_id_.empty()) return;
    const std::string& bucket = store_.options_.bucket;
    Status aborted = store_.client_->abort_multipart_upload(bucket, key_, upload_id_);
    if (!aborted.ok() && aborted.error().code != ErrorCode::kNotFound) {
      spdlog::warn(
          "archive store '{}': the abandoned upload of {} could not be aborted ({}); the "
          "store's stale-upload sweep frees it later",
          store_.options_.name, key_, aborted.error().message);
    }
  }

 private:
  Result<ObjectInfo> finish() {
    WASL_RETURN_IF_ERROR(first_failure());
    const std::string& bucket = store_.options_.bucket;
    if (upload_id_.empty()) {
      // Smaller than one part: one PutObject, checksummed like a part.
      auto put =
          store_.client_->put_object(bucket, key_, current_, "application/octet-stream", lock());
      if (!put.ok()) return put.error();
    } else {
      if (!current_.empty()) WASL_RETURN_IF_ERROR(submit());
      std::vector<S3UploadedPart> parts;
      {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return in_flight_ == 0 || failure_; });
        if (failure_) return *failure_;
        parts = std::move(parts_);
      }
      stop_threads();
      std::sort(parts.begin(), parts.end(), [](const S3UploadedPart& a, const S3UploadedPart& b) {
        return a.number < b.number;
      });
      auto completed = store_.client_->complete_multipart_upload(bucket, key_, upload_id_, parts);
      // A retried completion whose first attempt went through but whose
      // answer was lost finds no upload any more: the HEAD below decides.
      if (!completed.ok() && completed.error().code != ErrorCode::kNotFound) {
        return completed.error();
      }
      upload_id_.clear();  // completed: nothing left to abort
    }
    WASL_ASSIGN_OR_RETURN(sdk::aws::S3ObjectHead head, store_.client_->head_object(bucket, key_));
    if (head.size != written_) {
      return Error(ErrorCode::kUnavailable,
                   "the archive store holds " + std::to_string(head.size) + " bytes of " + key_ +
                       " after " + std::to_string(written_) + " were written",
                   true);
    }
    if (auto locked = lock(); locked && head.lock_mode.empty()) {
      // Ceph 16 completes a multipart upload without the lock its
      // CreateMultipartUpload asked for: set it on the object itself.
      WASL_RETURN_IF_ERROR(store_.client_->put_object_retention(bucket, key_, *locked));
    }
    if (store_.options_.lock_mode && retention_.legal_hold) {
      WASL_RETURN_IF_ERROR(store_.client_->put_object_legal_hold(bucket, key_, true));
    }
    ObjectInfo info;
    info.key = key_.substr(store_.options_.prefix.size());
    info.size = head.size;
    info.etag = head.etag;
    return info;
  }

  // Hands the full (or last) buffer to the uploading threads, starting the
  // upload and the threads at the first part; waits while every buffer is
  // in use.
  Status submit() {
    if (upload_id_.empty()) WASL_RETURN_IF_ERROR(start_upload());
    std::unique_lock lock(mutex_);
    changed_.wait(
        lock, [&] { return in_flight_ < store_.options_.parts_in_flight || failure_.has_value(); });
    if (failure_) return *failure_;
    queue_.emplace_back(next_part_++, std::move(current_));
    ++in_flight_;
    if (!spare_.empty()) {
      current_ = std::move(spare_.back());
      spare_.pop_back();
    } else {
      current_ = std::string();
      current_.reserve(store_.options_.part_size);
    }
    current_.clear();
    lock.unlock();
    changed_.notify_all();
    return {};
  }

  Status start_upload() {
    const std::string& bucket = store_.options_.bucket;
    // A crashed attempt at the same key left its upload behind: free it.
    WASL_ASSIGN_OR_RETURN(auto open, store_.client_->list_multipart_uploads(bucket, key_));
    for (const auto& upload : open) {
      if (upload.key != key_) continue;
      Status aborted = store_.client_->abort_multipart_upload(bucket, key_, upload.upload_id);
      if (!aborted.ok() && aborted.error().code != ErrorCode::kNotFound) return aborted.error();
    }
    WASL_ASSIGN_OR_RETURN(upload_id_, store_.client_->create_multipart_upload(
                                          bucket, key_, "application/octet-stream", lock()));
    for (int i = 0; i < store_.options_.parts_in_flight; ++i) {
      threads_.emplace_back([this] { upload_parts(); });
    }
    return {};
  }

  void upload_parts() {
    for (;;) {
      std::pair<int, std::string> part;
      {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;
        part = std::move(queue_.front());
        queue_.pop_front();
      }
      auto uploaded = failure_seen()
                          ? Result<S3UploadedPart>(Error(ErrorCode::kCancelled, "", false))
                          : store_.client_->upload_part(store_.options_.bucket, key_, upload_id_,
                                                        part.first, part.second);
      {
        std::lock_guard lock(mutex_);
        if (uploaded.ok()) {
          parts_.push_back(std::move(uploaded).value());
        } else if (!failure_) {
          failure_ = uploaded.error();
        }
        part.second.clear();
        spare_.push_back(std::move(part.second));
        --in_flight_;
      }
      changed_.notify_all();
    }
  }

  // The Object Lock the object is written under, if the store locks and the
  // object has a retention date.
  std::optional<sdk::aws::S3ObjectLock> lock() const {
    if (!store_.options_.lock_mode || !retention_.until_ms) return std::nullopt;
    sdk::aws::S3ObjectLock lock;
    lock.mode = *store_.options_.lock_mode;
    lock.retain_until_ms = *retention_.until_ms;
    return lock;
  }

  bool failure_seen() {
    std::lock_guard lock(mutex_);
    return failure_.has_value();
  }

  Status first_failure() {
    std::lock_guard lock(mutex_);
    if (failure_) return *failure_;
    return {};
  }

  void stop_threads() noexcept {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    for (auto& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
    threads_.clear();
  }

  S3ObjectStore& store_;
  const std::string key_;  // full: prefix included
  const Retention retention_;
  std::string upload_id_;
  std::string current_;
  std::uint64_t written_ = 0;
  int next_part_ = 1;
  bool done_ = false;
  bool aborted_ = false;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::pair<int, std::string>> queue_;
  std::vector<std::string> spare_;
  std::vector<S3UploadedPart> parts_;
  int in_flight_ = 0;  // parts queued or uploading
  bool stopping_ = false;
  std::optional<Error> failure_;
  std::vector<std::thread> threads_;
};

S3ObjectStore::S3ObjectStore(S3StoreOptions options) : options_(std::move(options)) {}

Result<std::unique_ptr<S3ObjectStore>> S3ObjectStore::create(S3StoreOptions options) {
  const std::string& source = options.credentials.kind;
  if (source != "static" && source != "instance" && source != "web_identity") {
    return invalid("credentials must be static, instance or web_identity");
  }
  if (source == "web_identity") {
    WASL_RETURN_IF_ERROR(
        sdk::aws::WebIdentityCredentialsProvider::validate(options.credentials.web_identity));
  }
  std::unique_ptr<HttpS3Transport> credentials_transport;
  if (source != "static") {
    // Keys are fetched over the same HTTP client as the store's requests
    // (the store's trust anchors, so an on-premises STS over TLS works),
    // with a small answer bound: the documents are a few hundred bytes.
    plugin_host::HttpClientOptions http;
    http.ca_file = options.ca_file;
    http.total_timeout = options.request_timeout;
    http.max_response_bytes =
        static_cast<std::int64_t>(std::max(options.credentials.instance.max_document_bytes,
                                           options.credentials.web_identity.max_document_bytes));
    credentials_transport =
        std::make_unique<HttpS3Transport>(std::move(http), options.name + " credentials");
    if (source == "instance") {
      options.endpoint.credentials_provider =
          std::make_shared<sdk::aws::InstanceCredentialsProvider>(*credentials_transport,
                                                                  options.credentials.instance);
    } else {
      options.endpoint.credentials_provider =
          std::make_shared<sdk::aws::WebIdentityCredentialsProvider>(
              *credentials_transport, options.credentials.web_identity);
    }
  }
  WASL_RETURN_IF_ERROR(sdk::aws::S3Client::validate(options.endpoint));
  if (options.bucket.empty()) return invalid("the archive store needs a bucket");
  if (!options.prefix.empty() && options.prefix.back() != '/') {
    return invalid("the archive store's prefix must end in '/'");
  }
  if (options.part_size < kMinPartSize) {
    return invalid("the archive store's part_size must be at least 5MiB (S3's minimum part)");
  }
  if (options.parts_in_flight < 1) return invalid("parts_in_flight must be at least 1");
  std::unique_ptr<S3ObjectStore> store(new S3ObjectStore(std::move(options)));
  store->credentials_transport_ = std::move(credentials_transport);
  plugin_host::HttpClientOptions http;
  http.ca_file = store->options_.ca_file;
  http.total_timeout = store->options_.request_timeout;
  store->monitor_ = std::make_unique<StoreMonitor>(store->options_.name, store->options_.metrics);
  store->transport_ = std::make_unique<HttpS3Transport>(std::move(http), store->options_.name,
                                                        store->monitor_.get());
  sdk::aws::S3ClientOptions client;
  client.max_attempts = store->options_.max_attempts;
  client.request_timeout = store->options_.request_timeout;
  client.transfer_timeout = store->options_.transfer_timeout;
  client.checksum = store->options_.checksum;
  store->client_ =
      std::make_unique<sdk::aws::S3Client>(*store->transport_, store->options_.endpoint, client);
  return store;
}

Status S3ObjectStore::check_credentials() {
  auto* provider = credentials_provider();
  if (provider == nullptr) return {};
  auto keys = provider->credentials(transport_->now());
  if (!keys.ok()) return keys.error();
  return {};
}

std::string S3ObjectStore::locator(std::string_view key) const {
  return std::string(kScheme) + options_.bucket + "/" + full_key(key);
}

std::optional<std::string> S3ObjectStore::key_of(std::string_view locator) const {
  const std::string head = std::string(kScheme) + options_.bucket + "/" + options_.prefix;
  if (locator.size() <= head.size() || locator.substr(0, head.size()) != head) return std::nullopt;
  return std::string(locator.substr(head.size()));
}

Result<std::unique_ptr<ObjectWriter>> S3ObjectStore::create(std::string_view key) {
  return create_retained(key, Retention{});
}

Result<std::unique_ptr<ObjectWriter>> S3ObjectStore::create_retained(std::string_view key,
                                                                     const Retention& retention) {
  if (!is_valid_key(key)) return invalid_key(key);
  return std::unique_ptr<ObjectWriter>(new Writer(*this, full_key(key), retention));
}

Status S3ObjectStore::set_legal_hold(std::string_view key, bool on) {
  if (!is_valid_key(key)) return invalid_key(key);
  if (!options_.lock_mode) return {};
  return client_->put_object_legal_hold(options_.bucket, full_key(key), on);
}

Status S3ObjectStore::check_removable(std::string_view key, std::int64_t now_ms) {
  if (!is_valid_key(key)) return invalid_key(key);
  if (!options_.lock_mode) return {};
  const std::string full = full_key(key);
  auto head = client_->head_object(options_.bucket, full);
  if (!head.ok()) {
    if (head.error().code == ErrorCode::kNotFound) return {};  // nothing left to remove
    return head.error();
  }
  if (!head->lock_retain_until.empty()) {
    const std::optional<std::int64_t> until = sdk::parse_iso8601(head->lock_retain_until);
    if (!until) {
      return Error(ErrorCode::kInternal,
                   "archive store '" + options_.name + "': " + full +
                       " has a retain-until date that cannot be read",
                   false);
    }
    if (*until > now_ms) {
      return Error(ErrorCode::kFailedPrecondition,
                   "archive store '" + options_.name + "': " + full + " is locked until " +
                       head->lock_retain_until,
                   false);
    }
  }
  // The caller's row holds none: a hold left by a change of the row that did
  // not commit is turned off (api/recordings.cpp).
  if (head->legal_hold == "ON") {
    WASL_RETURN_IF_ERROR(client_->put_object_legal_hold(options_.bucket, full, false));
  }
  return {};
}

Status S3ObjectStore::remove_versions(const std::string& full) {
  WASL_ASSIGN_OR_RETURN(auto versions, client_->list_object_versions(options_.bucket, full));
  for (const auto& version : versions) {
    if (version.key != full) continue;  // another key with this one as its prefix
    Status deleted = client_->delete_object_version(options_.bucket, full, version.version_id);
    if (deleted.ok()) continue;
    if (deleted.error().code != ErrorCode::kPermissionDenied || version.delete_marker) {
      return deleted.error();
    }
    // Refused: a legal hold (turned off, as the caller's row holds none) or
    // a retain-until date not yet passed (the store keeps refusing).
    WASL_ASSIGN_OR_RETURN(
        bool held, client_->get_object_legal_hold(options_.bucket, full, version.version_id));
    if (held) {
      WASL_RETURN_IF_ERROR(
          client_->put_object_legal_hold(options_.bucket, full, false, version.version_id));
      deleted = client_->delete_object_version(options_.bucket, full, version.version_id);
      if (deleted.ok()) continue;
    }
    return Error(ErrorCode::kFailedPrecondition,
                 "archive store '" + options_.name + "': a version of " + full +
                     " is still locked: " + deleted.error().message,
                 false);
  }
  return {};
}

Status S3ObjectStore::read(std::string_view key, std::uint64_t offset, std::uint64_t length,
                           const sdk::ChunkSink& sink) {
  if (!is_valid_key(key)) return invalid_key(key);
  if (length == 0) return {};
  auto read = client_->get_object(options_.bucket, full_key(key), offset, length, sink);
  if (!read.ok()) return read.error();
  return {};
}

Result<std::optional<ObjectInfo>> S3ObjectStore::head(std::string_view key) {
  if (!is_valid_key(key)) return invalid_key(key);
  auto found = client_->head_object(options_.bucket, full_key(key));
  if (!found.ok()) {
    if (found.error().code == ErrorCode::kNotFound) return std::optional<ObjectInfo>();
    return found.error();
  }
  ObjectInfo info;
  info.key = std::string(key);
  info.size = found->size;
  info.etag = found->etag;
  return std::optional<ObjectInfo>(std::move(info));
}

Status S3ObjectStore::remove(std::string_view key) {
  if (!is_valid_key(key)) return invalid_key(key);
  if (options_.lock_mode) return remove_versions(full_key(key));
  return client_->delete_object(options_.bucket, full_key(key));
}

Result<std::vector<ObjectInfo>> S3ObjectStore::list(std::string_view prefix) {
  WASL_ASSIGN_OR_RETURN(auto found, client_->list_objects(options_.bucket, full_key(prefix)));
  std::vector<ObjectInfo> out;
  out.reserve(found.size());
  for (auto& summary : found) {
    if (summary.key.size() < options_.prefix.size()) continue;
    ObjectInfo info;
    info.key = summary.key.substr(options_.prefix.size());
    info.size = summary.size;
    info.etag = std::move(summary.etag);
    out.push_back(std::move(info));
  }
  std::sort(out.begin(), out.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
  return out;
}

Result<StaleUploads> S3ObjectStore::abort_stale_uploads(std::chrono::seconds age,
                                                        std::chrono::system_clock::time_point now) {
  WASL_ASSIGN_OR_RETURN(auto open,
                        client_->list_multipart_uploads(options_.bucket, options_.prefix));
  StaleUploads result;
  const auto cutoff_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>((now - age).time_since_epoch()).count();
  for (const auto& upload : open) {
    const std::optional<std::int64_t> initiated = sdk::parse_iso8601(upload.initiated);
    // An upload whose start cannot be read is left alone: it may be live.
    if (!initiated || *initiated > cutoff_ms) continue;
    Status aborted = client_->abort_multipart_upload(options_.bucket, upload.key, upload.upload_id);
    if (aborted.ok() || aborted.error().code == ErrorCode::kNotFound) {
      ++result.aborted;
    } else {
      ++result.failed;
      spdlog::warn("archive store '{}': the stale upload of {} could not be aborted: {}",
                   options_.name, upload.key, aborted.error().message);
    }
  }
  return result;
}

Status S3ObjectStore::probe() {
  WASL_ASSIGN_OR_RETURN(std::string random, crypto::random_bytes(8));
  const std::string key = options_.prefix + ".wasl-probe-" + crypto::to_hex(random);
  auto put = client_->put_object(options_.bucket, key, "wasl archive store probe\n", "text/plain");
  if (!put.ok())
    return probe_error("write a probe object to bucket " + options_.bucket, put.error());
  auto head = client_->head_object(options_.bucket, key);
  if (!head.ok()) return probe_error("read back its probe object", head.error());
  Status removed =
      options_.lock_mode ? remove_versions(key) : client_->delete_object(options_.bucket, key);
  if (!removed.ok()) return probe_error("delete its probe object", removed.error());
  if (options_.lock_mode) {
    auto enabled = client_->object_lock_enabled(options_.bucket);
    if (!enabled.ok()) {
      return probe_error("read the Object Lock configuration of bucket " + options_.bucket,
                         enabled.error());
    }
    if (!*enabled) {
      return Error(ErrorCode::kFailedPrecondition,
                   "retention_mode needs S3 Object Lock, and bucket " + options_.bucket +
                       " has no Object Lock configuration (create the bucket with Object Lock "
                       "enabled, or set retention_mode: none)",
                   false);
    }
  }
  return {};
}

}  // namespace wasl::object_store
