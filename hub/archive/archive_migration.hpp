// ArchiveMigration: moves archived recordings from the stores they are in to
// one target store (`wasl archive migrate --to <store>`), so a deployment that
// started on one machine's directory can grow into several hubs on object
// storage.
//
// For each recording with a file, in id order: the encrypted object is
// copied byte for byte under the same key (the stream cipher binds it to its
// facility and recording, not to a place, so it needs no re-encryption);
// the copy is read back and decrypted, and its plaintext SHA-256 must equal
// the row's plaintext_sha256; then, in ONE transaction, the row points at the
// copy, the source is registered for deletion and "recording.migrate" is
// audited; only after that commit is the source deleted (and unregistered).
// A crash anywhere leaves either the row on its source with a stray copy
// that the next run overwrites, or the row on the copy with its source in
// the register that retention's sweep finishes. Runs are resumable: rows
// already in the target are skipped.
//
// A recording that fails (its source unreadable, the copy not matching, the
// target unavailable) is counted, logged and left where it was; the run goes
// on with the next one.
//
// Not thread-safe; one run at a time per deployment is the operator's to
// keep (two runs do the same work twice, never damage: the row update is
// conditional on the source locator).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "hub/audit/audit_writer.hpp"
#include "hub/crypto/keyring.hpp"
#include "hub/object_store/object_stores.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::archive {

struct MigrationProgress {
  std::int64_t moved = 0;    // now in the target
  std::int64_t skipped = 0;  // already in the target
  std::int64_t failed = 0;   // left where they were (see the log)
  std::uint64_t bytes = 0;   // encrypted bytes copied
};

struct MigrationOptions {
  int batch = 100;  // rows read per transaction
  std::string actor = "system:archive-migrate";
  // Called after each recording (moved, skipped or failed) with the totals so far.
  std::function<void(const MigrationProgress&)> on_progress;
  // Wall clock in ms since the epoch; unset = the system clock.
  std::function<std::int64_t()> now_ms;
};

class ArchiveMigration {
 public:
  // All borrowed; they outlive the migration.
  ArchiveMigration(storage::Store& store, const audit::AuditWriter& audit,
                   const object_store::ObjectStores& stores,
                   std::shared_ptr<const crypto::Keyring> keyring);

  // Moves every recording not yet in store `target` (a name of `stores`).
  // Errors: kNotFound for an unknown target; the database's errors (the run
  // stops). Per-recording failures are counted, not returned.
  sdk::Result<MigrationProgress> run(const std::string& target, MigrationOptions options = {});

 private:
  struct Row;
  sdk::Status move_one(const Row& row, object_store::ObjectStore& target,
                       const MigrationOptions& options, std::uint64_t& copied);

  storage::Store& store_;
  const audit::AuditWriter& audit_;
  const object_store::ObjectStores& stores_;
  std::shared_ptr<const crypto::Keyring> keyring_;
};

}  // namespace wasl::archive
