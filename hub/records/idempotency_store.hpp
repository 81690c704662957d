// IdempotencyStore: the first answer to each (facility, Idempotency-Key),
// so a replayed POST gets the same answer and a different body under the
// same key is told apart. The stored response body may carry PHI and is
// encrypted (idempotency_keys.response_enc, row id "<facility>:<key>").
//
// Use inside the transaction that performs the request:
//   auto begun = store.begin(tx, facility, key, sha256_hex(canonical body), now);
//   kNew      → do the work, then complete(tx, …, response), then commit;
//   kReplay   → answer begun.response, change nothing;
//   kConflict → the key was used with another body (the API answers 422);
//   kInProgress → the first request has not finished (the API answers 409).
// A request with an outside effect (a provider call) reserves its key first:
// begin() and commit, then the call, then complete() in the transaction
// that records the effect, or release() when the request fails after all,
// so the key can be used again. While reserved, the key answers
// kInProgress to everyone else.
// On PostgreSQL a concurrent begin() on the same key waits for the first
// transaction and then sees its outcome.
//
// Facility-scoped: keys of different facilities never meet. Thread-safe;
// CellCipher borrowed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::records {

struct StoredResponse {
  int status = 0;    // HTTP status of the first answer
  std::string body;  // its body, byte for byte
  bool operator==(const StoredResponse&) const = default;
};

enum class IdempotencyOutcome { kNew, kReplay, kConflict, kInProgress };

struct IdempotencyBegin {
  IdempotencyOutcome outcome = IdempotencyOutcome::kNew;
  std::optional<StoredResponse> response;  // set for kReplay
};

class IdempotencyStore {
 public:
  explicit IdempotencyStore(const CellCipher& cipher) : cipher_(cipher) {}

  // Claims `key` for `request_hash`, or reports how an earlier use of it
  // compares. The transaction stays usable in every outcome.
  sdk::Result<IdempotencyBegin> begin(storage::Transaction& tx, std::string_view facility_id,
                                      std::string_view key, std::string_view request_hash,
                                      std::int64_t now_ms) const;

  // Stores the answer of a kNew request. kNotFound when begin() was not called.
  sdk::Status complete(storage::Transaction& tx, std::string_view facility_id, std::string_view key,
                       const StoredResponse& response) const;

  // Frees a key begin() reserved whose request failed (deletes it unless it
  // was completed). Freeing a key that is not reserved does nothing.
  sdk::Status release(storage::Transaction& tx, std::string_view facility_id,
                      std::string_view key) const;

  // For working-data retention: deletes at most `limit` of the facility's
  // keys created before `cutoff_ms` (a reservation too: the retention is a
  // day at least, far past any request), oldest first; how many.
  static sdk::Result<std::int64_t> purge_before(storage::Transaction& tx,
                                                std::string_view facility_id,
                                                std::int64_t cutoff_ms, int limit);

 private:
  const CellCipher& cipher_;
};

}  // namespace wasl::records
