// KeyRotationJob: re-encrypts everything stored under an older data key
// with the keyring's active key — every column of the encrypted column
// registry (encrypted_columns.hpp) and every recording file.
//
// Resumable and crash-safe:
//  - Columns: each table is walked in primary-key order in batches. One
//    transaction per batch rewrites the batch's ciphertexts, records the
//    position in key_rotations (id "<active key>/<table>": last_row as a
//    JSON array of key values, done_rows, failed_rows, state) and appends an
//    audit event (action "key.rotation.batch", actor "system"). A crash loses
//    at most the uncommitted batch, and the next run starts after the last
//    committed position. A cell is rewritten only if it still holds the
//    ciphertext that was read (a concurrent writer wins).
//  - Recording objects, one at a time: the new object
//    ("<facility>/<recording id>.<key id>.wse" in the ACTIVE object store,
//    object_store::ObjectStores) is first registered (its locator) in
//    recording_file_cleanup, then written from one streamed read of the old
//    object (decrypted, re-encrypted under the active key, in constant
//    memory) and committed; then one transaction points the row at it with
//    the new key id, records progress and the audit event, and registers
//    the old object for deletion; then the old object is removed from the
//    store that holds it. Objects left behind by a crash at any point are
//    removed by the next run. A store that fails (kUnavailable) stops the
//    unit with that error; the next run tries the object again.
//  - A ciphertext or object that cannot be decrypted (damaged, or its key is
//    gone) is left as it is, counted in failed_rows and audited with outcome
//    "failure"; it keeps its old key in usage_by_key(), so that key cannot be
//    retired until someone looks.
//
// Progress is per active key: after another `wasl keys rotate`, the job
// starts over for the new key (rows already under it are skipped quickly).
//
// One job per database at a time: a job holds the lease row of
// key_rotation_lease (taken when free, its own or lapsed; renewed before
// every unit of work; released when the job is done or destroyed). A job
// whose database another process is rotating does nothing (RotationStep::
// waiting) and run_until_done() waits for the lease, so every hub process
// on one database may start the job after `wasl keys rotate` and only one
// re-encrypts.
//
// Thread-safety: one job object is used by one thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "hub/audit/audit_writer.hpp"
#include "hub/key_rotation/key_usage.hpp"
#include "hub/object_store/object_stores.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/records/encrypted_columns.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::key_rotation {

inline constexpr std::size_t kDefaultRotationBatch = 500;
inline constexpr std::string_view kRecordingFilesTable = "recordings";

struct TableRotationProgress {
  std::string table;             // a registry table, or "recordings" for the files
  std::string state;             // "pending", "running", "done"
  std::int64_t rows_done = 0;    // rows (files) examined so far
  std::int64_t rows_total = 0;   // rows (files) present now
  std::int64_t rows_failed = 0;  // left under an old key, see above
};

struct RotationProgress {
  std::string to_key;                         // the active key everything is moving to
  std::vector<TableRotationProgress> tables;  // registry order, then "recordings"
  bool done = false;
};

// {"to_key": "k2-…", "done": false, "tables": [{"table": "consultations",
//  "state": "running", "rows_done": 500, "rows_total": 1200, "rows_failed": 0}, …]}
nlohmann::json to_json(const RotationProgress& progress);

// What one run_once() did.
struct RotationStep {
  std::string table;  // the table (or "recordings") worked on; empty when done
  std::int64_t examined = 0;
  std::int64_t reencrypted = 0;
  std::int64_t failed = 0;
  bool done = false;     // nothing is left to do for the active key
  bool waiting = false;  // another job holds the database's rotation lease: nothing was done
};

inline constexpr std::chrono::milliseconds kDefaultRotationLease{30000};

class KeyRotationJob {
 public:
  // All four are borrowed and must outlive the job. The cipher's keyring
  // must still hold the old keys (decrypt-only).
  KeyRotationJob(storage::Store& store, const records::CellCipher& cipher,
                 const audit::AuditWriter& audit, const object_store::ObjectStores& objects,
                 std::chrono::milliseconds lease = kDefaultRotationLease);
  ~KeyRotationJob();  // releases the lease if it holds it
  KeyRotationJob(const KeyRotationJob&) = delete;
  KeyRotationJob& operator=(const KeyRotationJob&) = delete;

  // One unit of work (after taking or renewing the lease; without it,
  // nothing and `waiting`): one batch of `batch_size` rows of the first unfinished
  // table, or up to `batch_size` recording rows of which at most one file is
  // re-encrypted. The first call of a job also deletes files a crashed run
  // left behind. Errors: storage errors (the batch is rolled back; call
  // again later), kUnavailable for object store failures.
  sdk::Result<RotationStep> run_once(std::size_t batch_size = kDefaultRotationBatch);

  // Calls run_once until everything is under the active key or `stop` is
  // requested (checked between units), then returns the progress; while
  // another job holds the lease it waits (a second at a time). Stops at the
  // first error and returns it.
  sdk::Result<RotationProgress> run_until_done(const std::stop_token& stop,
                                               std::size_t batch_size = kDefaultRotationBatch);

  // Rows (files) done / total per table for the active key.
  sdk::Result<RotationProgress> progress();

  sdk::Result<KeyUsage> usage_by_key() { return key_rotation::usage_by_key(store_); }

 private:
  // True when this job holds the lease now (taken or renewed).
  sdk::Result<bool> take_lease();
  void release_lease() noexcept;

  struct Position {
    std::vector<std::string> last_row;
    std::int64_t done_rows = 0;
    std::int64_t failed_rows = 0;
    std::string state = "pending";
    bool exists = false;
  };
  sdk::Result<Position> load_position(storage::Transaction& tx, const std::string& id);
  sdk::Status save_position(storage::Transaction& tx, const std::string& id, std::string_view table,
                            const std::string& to_key, const Position& pos);
  sdk::Status audit_batch(storage::Transaction& tx, std::string_view table,
                          const std::string& to_key, std::int64_t examined,
                          std::int64_t reencrypted, std::int64_t failed,
                          std::string_view facility_id = {}, std::string_view entity_id = {});
  sdk::Result<RotationStep> rotate_table_batch(const records::EncryptedTable& table,
                                               const std::string& to_key, std::size_t batch_size);
  sdk::Result<RotationStep> rotate_recordings(const std::string& to_key, std::size_t batch_size);
  sdk::Status clean_orphan_files();

  storage::Store& store_;
  const records::CellCipher& cipher_;
  const audit::AuditWriter& audit_;
  const object_store::ObjectStores& objects_;
  bool cleaned_ = false;
  const std::chrono::milliseconds lease_;
  const std::string holder_;  // this job's lease token
  bool holding_ = false;
};

}  // namespace wasl::key_rotation
