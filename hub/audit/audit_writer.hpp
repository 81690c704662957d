// AuditWriter: appends events to the audit hash chain inside the caller's
// transaction, so an event exists if and only if the change it records
// commits.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "hub/audit/audit_event.hpp"
#include "hub/crypto/secret_bytes.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::audit {

struct AuditWriterOptions {
  // A signed checkpoint is written in the same transaction as every event
  // whose seq is a multiple of this. 0 disables automatic checkpoints.
  std::int64_t checkpoint_every = 1000;
};

struct AppendedEvent {
  std::int64_t seq = 0;
  std::string hash;  // lowercase hex
};

// Immutable after construction; thread-safe (every call works only on the
// transaction it is given).
//
// audit_head is signed (head_signature.hpp) in the statement that moves it,
// so a deleted tail with the head moved back is detected by verification.
//
// Serialisation: append() locks the one-row audit_head table (PostgreSQL:
// SELECT … FOR UPDATE; SQLite: the write lock of BEGIN IMMEDIATE), so every
// audited transaction is serialised from its append() to its commit. Call
// append() as the last statement before commit() to keep that window short.
// The transaction must be TxMode::kReadWrite (reads of PHI are audited too,
// so they also need a read-write transaction).
class AuditWriter {
 public:
  // `audit_key`: the key signing checkpoints (copied and wiped on destruction).
  AuditWriter(storage::Dialect dialect, std::string_view audit_key,
              AuditWriterOptions options = {});

  // Validates and appends one event, then the checkpoint it is due for.
  // Errors: kInvalidArgument (see validate()); kFailedPrecondition when the
  // schema lacks audit_head (run `wasl migrate`); storage errors as the
  // transaction reports them (kConflict on a deadlock: retry the whole unit).
  sdk::Result<AppendedEvent> append(storage::Transaction& tx, const AuditEvent& event) const;

  // Signs audit_head when it carries no signature (a database migrated to
  // version 20 and not written since) and holds an event. Returns whether it
  // signed. Called once at start-up, before any append.
  sdk::Result<bool> sign_unsigned_head(storage::Transaction& tx) const;

  // Writes a signed checkpoint of the current head unless one exists for it.
  // Returns the checkpointed seq, or nullopt when the chain is empty.
  sdk::Result<std::optional<std::int64_t>> checkpoint(storage::Transaction& tx) const;

  storage::Dialect dialect() const { return dialect_; }

 private:
  struct Head {
    std::int64_t seq = 0;
    std::string hash;
  };
  sdk::Result<Head> lock_head(storage::Transaction& tx) const;
  sdk::Result<Head> append_sqlite(storage::Transaction& tx, const AuditEvent& event) const;
  sdk::Result<Head> append_postgres(storage::Transaction& tx, const AuditEvent& event) const;
  sdk::Status write_checkpoint(storage::Transaction& tx, const Head& head) const;

  storage::Dialect dialect_;
  crypto::SecretBytes key_;
  crypto::SecretBytes head_key_;  // head_key(key_)
  std::string head_pads_;         // head_pads(head_key_): inner then outer, 64 bytes each
  AuditWriterOptions options_;
};

// Epoch milliseconds UTC from the system clock.
std::int64_t now_epoch_ms();

}  // namespace wasl::audit
