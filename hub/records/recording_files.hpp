// RecordingFiles: the encrypted objects recordings keep in the object
// stores, as the jobs that maintain them see them across facilities:
// retention (which deletes expired recordings) and key rotation (which
// re-encrypts every object under the active key). An object is named by its
// store's locator (recordings.storage_path; object_store::ObjectStores
// resolves it); "path" below is that locator. Also the register of objects
// to delete (recording_file_cleanup): an object is registered in the
// transaction that makes it obsolete, removed after that commits, and
// unregistered then, so a crash in between leaves it for the next pass
// rather than in the store for good.
//
// Every function works inside the caller's transaction and reads or
// changes rows of any facility; the rows carry their facility where the
// caller needs it (for its audit events). RecordingStore is the
// per-facility view. Stateless and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::records {

// A recording with a file, not deleted.
struct StoredRecordingFile {
  std::string id;
  std::string facility_id;
  std::string storage_path;
  std::optional<std::int64_t> size_bytes;  // plaintext bytes
  std::optional<std::string> key_id;       // the key the file is recorded as encrypted under
};

// A recording whose retention has ended.
struct ExpiredRecording {
  std::string id;
  std::string facility_id;
};

class RecordingFiles {
 public:
  // Recordings with a file, not deleted, ordered by id, after `after_id`
  // ("" = from the first), at most `limit`.
  static sdk::Result<std::vector<StoredRecordingFile>> list_after(storage::Transaction& tx,
                                                                  std::string_view after_id,
                                                                  std::int64_t limit);
  // How many recordings have a file and are not deleted.
  static sdk::Result<std::int64_t> count(storage::Transaction& tx);
  // The same, by recorded key id (nullopt: none recorded).
  static sdk::Result<std::vector<std::pair<std::optional<std::string>, std::int64_t>>> count_by_key(
      storage::Transaction& tx);
  // Whether any recording's storage_path is `path`.
  static sdk::Result<bool> in_use(storage::Transaction& tx, std::string_view path);

  // Records that recording `id`'s file, still at `path`, is encrypted under
  // `key_id`. Nothing changes when the recording is no longer at `path`.
  static sdk::Status set_key(storage::Transaction& tx, std::string_view id, std::string_view path,
                             std::string_view key_id);
  // Points recording `id` from `from_path` to `to_path`, encrypted under
  // `key_id`. False (nothing changed) when it is no longer at `from_path`.
  static sdk::Result<bool> move(storage::Transaction& tx, std::string_view id,
                                std::string_view from_path, std::string_view to_path,
                                std::string_view key_id);

  // Archived recordings not under legal hold whose retention ended before
  // `now_ms`, oldest retention first (then id), leaving out `passed_over`,
  // at most `limit`.
  static sdk::Result<std::vector<ExpiredRecording>> expired(
      storage::Transaction& tx, std::int64_t now_ms, const std::vector<std::string>& passed_over,
      std::int64_t limit);

  // The register of files to delete.

  // Registers `path` (of recording `recording_id`); registering it twice
  // changes nothing.
  static sdk::Status register_obsolete(storage::Transaction& tx, std::string_view path,
                                       std::string_view recording_id, std::int64_t now_ms);
  // Removes `path` from the register (its file is gone).
  static sdk::Status unregister(storage::Transaction& tx, std::string_view path);
  // Every registered path.
  static sdk::Result<std::vector<std::string>> registered(storage::Transaction& tx);
  // Registered paths no recording points at, registered before
  // `before_ms` (older than any write still in progress), of recordings
  // not deleted, in path order, at most `limit`: objects made obsolete by
  // key rotation or a migration whose removal failed or was refused (an
  // S3 Object Lock not yet ended).
  static sdk::Result<std::vector<std::string>> registered_obsolete_before(storage::Transaction& tx,
                                                                          std::int64_t before_ms,
                                                                          std::int64_t limit);
  // Registered paths of deleted recordings, in path order, at most `limit`.
  static sdk::Result<std::vector<std::string>> registered_of_deleted(storage::Transaction& tx,
                                                                     std::int64_t limit);
};

}  // namespace wasl::records
