// lock_key: serialises the transactions that name the same key, until each
// ends (commit or rollback). PostgreSQL: a transaction-level advisory lock
// on the key's hash (pg_advisory_xact_lock(hashtext(key))); a second
// transaction naming the key waits for the first to end. SQLite: nothing to
// do, its single writer already serialises write transactions. Two keys
// may share a hash: they then wait for each other, which costs time, never
// correctness.
#pragma once

#include <string_view>

#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::storage {

// Takes the lock of `key` in `tx` (a read-write transaction); storage errors
// as the transaction reports them (a lock wait past the statement timeout
// included).
sdk::Status lock_key(Transaction& tx, std::string_view key);

}  // namespace wasl::storage
