// ObjectStore: where the hub keeps its recordings' encrypted bytes, as
// objects named by keys ("<facility id>/<recording id>.<key id>.wse"). The
// local directory (LocalObjectStore) and an S3 bucket are the two kinds;
// the archive, the recordings' download, retention and key rotation see
// only this interface, so none of them assumes a file system path.
//
// A row refers to its object by the store's locator (what
// recordings.storage_path holds): ObjectStores::resolve turns it back into
// the store and the key.
//
// Keys: 1-1024 characters of '/'-separated components, each 1-128 of
// [A-Za-z0-9._-] and neither "." nor ".."; not absolute (is_valid_key).
// Any other key is refused with kInvalidArgument, changing nothing.
//
// Errors: kNotFound (no such object; a read of an absent key),
// kInvalidArgument (a bad key; a read starting past the object's end),
// kUnavailable (the disk or the service failed; retryable), and a store's
// own kPermissionDenied / kFailedPrecondition. Messages name the store's
// kind and the key, never a credential.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wasl/sdk/host.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::object_store {

struct ObjectInfo {
  std::string key;
  std::uint64_t size = 0;  // bytes
  std::string etag;        // changes when the object is replaced
};

// One object being written. Bytes become visible only at commit(); an
// object that is never committed leaves nothing readable behind.
// Not thread-safe: one thread drives a writer.
class ObjectWriter {
 public:
  // A writer destroyed before a successful commit() aborts.
  virtual ~ObjectWriter() = default;
  // Appends `bytes` (borrowed for the call). A failed write fails the
  // object: only abort() is left.
  virtual sdk::Status write(std::string_view bytes) = 0;
  // Makes the object durable and visible under its key, replacing any object
  // there, after checking that the stored size is the bytes written. Once.
  virtual sdk::Result<ObjectInfo> commit() = 0;
  // Drops what was written; nothing of it remains. Safe to call twice.
  virtual void abort() noexcept = 0;
};

// How long an object must be kept, for stores that lock objects (S3 Object
// Lock): written locked until `until_ms`, and held when `legal_hold`.
struct Retention {
  std::optional<std::int64_t> until_ms;  // epoch ms; unset: no retention lock
  bool legal_hold = false;
};

// Thread-safe: every method may be called from many threads at once.
class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  // "local" or "s3".
  virtual std::string_view kind() const = 0;
  // What a row stores to find `key` again (recordings.storage_path).
  virtual std::string locator(std::string_view key) const = 0;
  // The key a locator of this store names; nullopt when the locator is not
  // this store's.
  virtual std::optional<std::string> key_of(std::string_view locator) const = 0;
  // Starts writing the object `key`.
  virtual sdk::Result<std::unique_ptr<ObjectWriter>> create(std::string_view key) = 0;
  // Streams `length` bytes of `key` from `offset` to `sink` in order (fewer
  // when the object ends first), in constant memory. A sink error stops the
  // read and is returned.
  virtual sdk::Status read(std::string_view key, std::uint64_t offset, std::uint64_t length,
                           const sdk::ChunkSink& sink) = 0;
  // The object's size and etag; nullopt when there is none.
  virtual sdk::Result<std::optional<ObjectInfo>> head(std::string_view key) = 0;
  // Deletes `key` durably; an absent key is ok.
  virtual sdk::Status remove(std::string_view key) = 0;
  // Every committed object whose key starts with `prefix`, in key order.
  virtual sdk::Result<std::vector<ObjectInfo>> list(std::string_view prefix) = 0;

  // Object locks. A store that does not lock objects (the local directory,
  // an S3 store with retention_mode none) writes as create() does, keeps no
  // hold (the row's legal_hold is the hold) and removes whenever asked.

  // Starts writing `key`, kept as `retention` says where the store locks.
  virtual sdk::Result<std::unique_ptr<ObjectWriter>> create_retained(std::string_view key,
                                                                     const Retention& retention) {
    (void)retention;
    return create(key);
  }
  // Turns the object's legal hold on or off. kNotFound when there is no
  // such object.
  virtual sdk::Status set_legal_hold(std::string_view key, bool on) {
    (void)key;
    (void)on;
    return {};
  }
  // Whether remove() of `key` can succeed at `now_ms`: kFailedPrecondition
  // naming the date while the store still locks it. A legal hold found on
  // the object is turned off first: the caller asks only for objects whose
  // row holds none (see RetentionJob).
  virtual sdk::Status check_removable(std::string_view key, std::int64_t now_ms) {
    (void)key;
    (void)now_ms;
    return {};
  }
};

// True for a key as described above.
bool is_valid_key(std::string_view key);

// The kInvalidArgument answer for a key that is not valid.
sdk::Error invalid_key(std::string_view key);

}  // namespace wasl::object_store
