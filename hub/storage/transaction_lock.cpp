#include "hub/storage/transaction_lock.hpp"

#include <string>

namespace wasl::storage {

sdk::Status lock_key(Transaction& tx, std::string_view key) {
  if (tx.dialect() != Dialect::kPostgres) return {};
  WASL_RETURN_IF_ERROR(
      tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", Params{std::string(key)}));
  return {};
}

}  // namespace wasl::storage
