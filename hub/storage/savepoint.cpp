#include "hub/storage/savepoint.hpp"

#include <string>

namespace wasl::storage {

sdk::Result<bool> under_savepoint(storage::Transaction& tx, std::string_view name,
                                  const std::function<sdk::Result<bool>()>& body) {
  const std::string savepoint(name);
  WASL_RETURN_IF_ERROR(tx.exec("SAVEPOINT " + savepoint));
  sdk::Result<bool> result = body();
  if (result.ok()) {
    WASL_RETURN_IF_ERROR(tx.exec("RELEASE SAVEPOINT " + savepoint));
    return result;
  }
  (void)tx.exec("ROLLBACK TO SAVEPOINT " + savepoint);
  (void)tx.exec("RELEASE SAVEPOINT " + savepoint);
  return result;
}

}  // namespace wasl::storage
