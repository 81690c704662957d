// InboxStore: webhook events as received, before dispatch. The raw body and
// the selected headers are PHI-bearing and stored encrypted
// (inbox.body_enc, inbox.headers_enc — headers as a JSON object).
//
// Two scopes:
//  - facility-scoped reads and updates (get, list, mark) for the API: the
//    facility id is filtered in SQL; another facility's entry is kNotFound
//    exactly like a missing one. An entry stored without a facility (from an
//    instance several facilities share) is in the scope of a facility whose
//    InboxScope names its instance once it is attributable to that facility
//    (SharedRows), and of no other;
//  - system-scoped methods for the webhook ingress and dispatcher (insert,
//    fetch_for_dispatch, set_dispatch_state), which act on the whole inbox
//    and must never be reachable with a caller-supplied facility.
// All take the caller's transaction. Thread-safe; CellCipher borrowed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/audit/audit_writer.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::records {

enum class InboxState { kReceived, kDispatched, kUnmatched, kParked };
std::string_view to_string(InboxState s);  // "received", "dispatched", "unmatched", "parked"

struct InboxEntry {
  std::string id;
  std::string instance;    // plugin instance name, e.g. "video.twilio-main"
  std::string dedupe_key;  // the plugin's dedupe key; unique per instance
  std::optional<std::string> facility_id;
  std::int64_t received_at = 0;                // epoch ms
  std::string body;                            // raw request body, byte for byte (PHI)
  std::map<std::string, std::string> headers;  // the selected headers (PHI)
  std::optional<std::string> event_type;
  std::optional<std::string> correlation;  // what the dispatcher matches runs on
  InboxState state = InboxState::kReceived;
  std::int64_t attempts = 0;
  std::optional<std::string> last_error;
  std::int64_t next_attempt_at = 0;  // epoch ms; a received row is not dispatched before
};

// A row fetched for dispatch. When its body or headers cannot be decrypted
// or parsed, `unreadable` says why (never with the content) and
// entry.body/headers are empty: the row is to be parked, not retried.
struct DispatchCandidate {
  InboxEntry entry;
  std::optional<sdk::Error> unreadable;
};

// What a facility-scoped read returns: the clear columns only (listing,
// replay: never the PHI, and a row whose content cannot be decrypted still
// reads), or the decrypted body and headers too.
enum class InboxRead { kMetadata, kWithContent };

enum class InboxInsertOutcome {
  kInserted,
  kDuplicate,  // (instance, dedupe_key) already stored; nothing was written
};

// An entry with its body and headers encrypted, ready for
// InboxStore::insert_encrypted: the columns of its row.
struct EncryptedInboxEntry {
  std::string id;
  std::string instance;
  std::string dedupe_key;
  std::optional<std::string> facility_id;
  std::int64_t received_at = 0;
  std::string body_enc;
  std::string headers_enc;
  std::optional<std::string> event_type;
  std::optional<std::string> correlation;
  InboxState state = InboxState::kReceived;
  std::int64_t attempts = 0;
  std::optional<std::string> last_error;
};

// Which entries stored without a facility (from an instance several
// facilities share) a scope sees, of the instances it names.
enum class SharedRows {
  // Only an entry attributable to the facility: its correlation names a
  // provider resource recorded for the facility at the entry's instance
  // (records::ProviderResourceStore; an EHR event's "Appointment/<id>" names
  // the appointment <id>). What a facility's key is shown and may replay.
  kAttributed,
  // Every one: the hub's own work on an entry it delivered to the facility
  // (an EHR booking's or the rejoin guard's reaction), never an API caller's.
  kEvery,
};

// Whose entries a facility-scoped call sees: the facility's own, and of the
// entries stored without a facility those of `instances` (webhook instances
// serving the facility and others) that `shared` admits, and every one of
// `sole_instances` (instances serving the facility alone).
struct InboxScope {
  std::string facility_id;
  std::vector<std::string> instances;
  SharedRows shared = SharedRows::kAttributed;
  std::vector<std::string> sole_instances;
};

// The audit event of a parked inbox row: action "webhook.parked", actor
// "system", outcome failure, entity webhook_event/<id>, detail {instance,
// attempts}.
audit::AuditEvent parked_event(std::string_view id, std::string_view facility_id,
                               std::string_view instance, std::int64_t attempts);

class InboxStore {
 public:
  explicit InboxStore(const CellCipher& cipher) : cipher_(cipher) {}

  // System scope. Stores `entry` encrypted, or answers kDuplicate without
  // writing when (instance, dedupe_key) exists; the transaction stays usable
  // either way.
  sdk::Result<InboxInsertOutcome> insert(storage::Transaction& tx, const InboxEntry& entry) const;

  // System scope, in two halves so the encryption can run apart from the
  // transaction (InboxWriter encrypts on the request's thread and inserts
  // many requests' rows in one statement). encrypt(): the entry's row, body
  // and headers encrypted exactly as insert() encrypts them; kInvalidArgument
  // without an id, an instance or a dedupe key.
  sdk::Result<EncryptedInboxEntry> encrypt(const InboxEntry& entry) const;
  // Inserts `rows` (not empty, no (instance, dedupe_key) twice) in one
  // statement, skipping each whose (instance, dedupe_key) is stored: the ids
  // of the rows inserted, the others being duplicates.
  sdk::Result<std::vector<std::string>> insert_encrypted(
      storage::Transaction& tx, const std::vector<const EncryptedInboxEntry*>& rows) const;

  sdk::Result<InboxEntry> get(storage::Transaction& tx, const InboxScope& scope,
                              std::string_view id, InboxRead read = InboxRead::kWithContent) const;
  sdk::Result<InboxEntry> get(storage::Transaction& tx, std::string_view facility_id,
                              std::string_view id, InboxRead read = InboxRead::kWithContent) const {
    return get(tx, InboxScope{std::string(facility_id), {}, SharedRows::kAttributed, {}}, id, read);
  }

  // The scope's entries in `state`, oldest first, at most `limit`.
  sdk::Result<std::vector<InboxEntry>> list(storage::Transaction& tx, const InboxScope& scope,
                                            InboxState state, int limit,
                                            InboxRead read = InboxRead::kWithContent) const;
  sdk::Result<std::vector<InboxEntry>> list(storage::Transaction& tx, std::string_view facility_id,
                                            InboxState state, int limit,
                                            InboxRead read = InboxRead::kWithContent) const {
    return list(tx, InboxScope{std::string(facility_id), {}, SharedRows::kAttributed, {}}, state,
                limit, read);
  }

  // Facility scope: how many of the facility's entries received at or after
  // `since_ms` are unmatched or parked (its webhook dead letters).
  static sdk::Result<std::int64_t> count_stuck(storage::Transaction& tx,
                                               std::string_view facility_id, std::int64_t since_ms);

  // Facility scope: sets the state (e.g. parking or re-queueing an unmatched
  // event) and last_error. Back to received, the row is due at once with a
  // fresh attempt count.
  sdk::Status mark(storage::Transaction& tx, const InboxScope& scope, std::string_view id,
                   InboxState state,
                   const std::optional<std::string>& last_error = std::nullopt) const;
  sdk::Status mark(storage::Transaction& tx, std::string_view facility_id, std::string_view id,
                   InboxState state,
                   const std::optional<std::string>& last_error = std::nullopt) const {
    return mark(tx, InboxScope{std::string(facility_id), {}, SharedRows::kAttributed, {}}, id,
                state, last_error);
  }

  // System scope, for working-data retention: deletes at most `limit`
  // dispatched entries received before `cutoff_ms`, of `facility_id`, or of
  // no facility (from a shared instance) when it is nullopt, oldest first;
  // how many. Received, unmatched and parked entries are never deleted.
  static sdk::Result<std::int64_t> purge_dispatched(storage::Transaction& tx,
                                                    const std::optional<std::string>& facility_id,
                                                    std::int64_t cutoff_ms, int limit);

  // Facility scope: parks the row (as mark(kParked, last_error)) and appends
  // its "webhook.parked" audit event (parked_event, `attempts` tries of
  // `instance`) in `tx`: what the work a row's reaction left to a task does
  // when it cannot be done. `audit` may be null (tests).
  sdk::Status park(storage::Transaction& tx, const InboxScope& scope, std::string_view id,
                   std::string_view instance, std::int64_t attempts, std::string last_error,
                   const audit::AuditWriter* audit) const;

  // System scope: up to `limit` entries in state received whose
  // next_attempt_at has come (<= now_ms), oldest first. On PostgreSQL the
  // rows are locked FOR UPDATE SKIP LOCKED, so concurrent dispatchers take
  // different entries. A row that cannot be decrypted is returned with
  // `unreadable` set; it never fails the fetch.
  sdk::Result<std::vector<DispatchCandidate>> fetch_for_dispatch(storage::Transaction& tx,
                                                                 storage::Dialect dialect,
                                                                 int limit,
                                                                 std::int64_t now_ms) const;

  // System scope: records a dispatch attempt's result (attempts + 1); a row
  // left in state received is not fetched again before `next_attempt_at`.
  sdk::Status set_dispatch_state(storage::Transaction& tx, std::string_view id, InboxState state,
                                 const std::optional<std::string>& last_error = std::nullopt,
                                 std::int64_t next_attempt_at = 0) const;

  // System scope: set_dispatch_state for many rows at once, with no error
  // and no backoff (dispatched, unmatched). kNotFound unless every row
  // changed.
  sdk::Status set_dispatch_states(storage::Transaction& tx, storage::Dialect dialect,
                                  const std::vector<std::string>& ids, InboxState state) const;

  // System scope: as set_dispatch_state, but only while the row is still
  // "received" with `expected_attempts` attempts (a row another dispatcher
  // settled or tried meanwhile is left alone). Returns whether it wrote.
  sdk::Result<bool> set_dispatch_state_if(storage::Transaction& tx, std::string_view id,
                                          std::int64_t expected_attempts, InboxState state,
                                          const std::optional<std::string>& last_error,
                                          std::int64_t next_attempt_at) const;

  // Facility scope: how many of `instance`'s entries about `correlation` (a
  // provider resource the facility holds at that instance, such as its
  // video room) are still received: stored but not yet dispatched, or
  // waiting for a retry after a failed dispatch. Entries stored for the
  // facility or without a facility count; another facility's never do.
  sdk::Result<std::int64_t> count_received(storage::Transaction& tx, std::string_view facility_id,
                                           std::string_view instance,
                                           std::string_view correlation) const;

  // The oldest received row's received_at (epoch ms), or nullopt when none
  // waits: the dispatch backlog's age.
  sdk::Result<std::optional<std::int64_t>> oldest_received(storage::Transaction& tx) const;

 private:
  sdk::Result<InboxEntry> from_row(const storage::Row& row, InboxRead read) const;
  // The row's clear columns into `e`; then its encrypted ones, whose failure
  // is returned (e keeps the clear columns).
  sdk::Status clear_columns(const storage::Row& row, InboxEntry& e) const;
  sdk::Status encrypted_columns(const storage::Row& row, InboxEntry& e) const;

  const CellCipher& cipher_;
};

}  // namespace wasl::records
