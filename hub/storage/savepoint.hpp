// under_savepoint: a piece of work inside a caller's transaction that is
// undone on its own when it fails, so the caller goes on with the
// transaction usable (on PostgreSQL a failed statement otherwise aborts the
// whole transaction): what a reaction does in the webhook dispatcher's batch
// transaction, for example.
#pragma once

#include <functional>
#include <string_view>

#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::storage {

// Runs `body` under savepoint `name` (an SQL identifier): on error its writes
// are rolled back to the savepoint and the error returned unchanged.
sdk::Result<bool> under_savepoint(storage::Transaction& tx, std::string_view name,
                                  const std::function<sdk::Result<bool>()>& body);

}  // namespace wasl::storage
