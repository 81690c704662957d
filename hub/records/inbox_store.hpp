// InboxStore: webhook events as received, before dispatch. The raw body and
// the selected headers are PHI-bearing and stored encrypted
// (inbox.body_enc, inbox.headers_enc — headers as a JSON object).
//
// Two scopes:
//  - facility-scoped reads and updates (get, list, mark) for the API: the
//    facility id is filtered in SQL; another facility's entry, or one that
//    belongs to no facility, is kNotFound exactly like a missing one;
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
};

enum class InboxInsertOutcome {
  kInserted,
  kDuplicate,  // (instance, dedupe_key) already stored; nothing was written
};

class InboxStore {
 public:
  explicit InboxStore(const CellCipher& cipher) : cipher_(cipher) {}

  // System scope. Stores `entry` encrypted, or answers kDuplicate without
  // writing when (instance, dedupe_key) exists; the transaction stays usable
  // either way.
  sdk::Result<InboxInsertOutcome> insert(storage::Transaction& tx, const InboxEntry& entry) const;

  sdk::Result<InboxEntry> get(storage::Transaction& tx, std::string_view facility_id,
                              std::string_view id) const;

  // The facility's entries in `state`, oldest first, at most `limit`.
  sdk::Result<std::vector<InboxEntry>> list(storage::Transaction& tx, std::string_view facility_id,
                                            InboxState state, int limit) const;

  // Facility scope: sets the state (e.g. parking or re-queueing an unmatched
  // event) and last_error.
  sdk::Status mark(storage::Transaction& tx, std::string_view facility_id, std::string_view id,
                   InboxState state, std::optional<std::string> last_error = std::nullopt) const;

  // System scope: up to `limit` entries in state received, oldest first.
  // On PostgreSQL the rows are locked FOR UPDATE SKIP LOCKED, so concurrent
  // dispatchers take different entries.
  sdk::Result<std::vector<InboxEntry>> fetch_for_dispatch(storage::Transaction& tx,
                                                          storage::Dialect dialect,
                                                          int limit) const;

  // System scope: records a dispatch attempt's result (attempts + 1).
  sdk::Status set_dispatch_state(storage::Transaction& tx, std::string_view id, InboxState state,
                                 std::optional<std::string> last_error = std::nullopt) const;

 private:
  sdk::Result<InboxEntry> from_row(const storage::Row& row) const;

  const CellCipher& cipher_;
};

}  // namespace wasl::records
