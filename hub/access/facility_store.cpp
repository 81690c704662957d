#include "hub/access/facility_store.hpp"

#include <string>

namespace wasl::access {

sdk::Status FacilityStore::save(storage::Transaction& tx, std::string_view id,
                                std::string_view name, std::int64_t now_ms) {
  WASL_RETURN_IF_ERROR(tx.exec(
      "INSERT INTO facilities (id, name, created_at, updated_at) VALUES ($1, $2, $3, $3) "
      "ON CONFLICT (id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at "
      "WHERE facilities.name <> excluded.name",
      {std::string(id), std::string(name), now_ms}));
  return {};
}

sdk::Result<bool> FacilityStore::is_active(storage::Transaction& tx, std::string_view id) {
  WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                        tx.query("SELECT status FROM facilities WHERE id = $1", {std::string(id)}));
  if (rows.empty()) return false;
  WASL_ASSIGN_OR_RETURN(std::string status, rows.front().get_text(0));
  return status == "active";
}

}  // namespace wasl::access
