#include "hub/notifications/opt_out_store.hpp"

#include "hub/crypto/blind_index.hpp"

namespace wasl::notifications {
namespace {

constexpr std::size_t kMaxIdentifierBytes = 64;

sdk::Result<std::optional<OptOut>> by_index(storage::Transaction& tx, std::string_view facility_id,
                                            const std::string& index) {
  WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                        tx.query("SELECT id, created_at FROM notification_opt_outs "
                                 "WHERE facility_id = $1 AND patient_index = $2",
                                 {std::string(facility_id), index}));
  if (rows.empty()) return std::optional<OptOut>();
  OptOut o;
  o.facility_id = std::string(facility_id);
  WASL_ASSIGN_OR_RETURN(o.id, rows.front().get_text("id"));
  WASL_ASSIGN_OR_RETURN(o.created_at, rows.front().get_int("created_at"));
  return std::optional<OptOut>(std::move(o));
}

}  // namespace

sdk::Result<std::string> OptOutStore::index_of(std::string_view identifier) const {
  if (identifier.size() <= kMaxIdentifierBytes) {
    for (auto kind : {crypto::IdentifierKind::kNationalId, crypto::IdentifierKind::kMrn}) {
      if (auto index = cipher_.blind_index(kind, identifier); index.ok()) return index;
    }
  }
  return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                    "a patient identifier must be a national id, an iqama number or an MRN of 1 "
                    "to 64 characters",
                    false);
}

sdk::Result<std::pair<OptOut, bool>> OptOutStore::put(storage::Transaction& tx,
                                                      std::string_view facility_id,
                                                      std::string_view identifier,
                                                      const std::string& id,
                                                      std::int64_t now_ms) const {
  WASL_ASSIGN_OR_RETURN(std::string index, index_of(identifier));
  WASL_ASSIGN_OR_RETURN(
      std::int64_t inserted,
      tx.exec("INSERT INTO notification_opt_outs (id, facility_id, patient_index, created_at) "
              "VALUES ($1, $2, $3, $4) ON CONFLICT (facility_id, patient_index) DO NOTHING",
              {id, std::string(facility_id), index, now_ms}));
  WASL_ASSIGN_OR_RETURN(auto current, by_index(tx, facility_id, index));
  if (!current) {
    return sdk::Error(sdk::ErrorCode::kInternal, "the opt-out just recorded cannot be read", true);
  }
  return std::make_pair(std::move(*current), inserted > 0);
}

sdk::Result<std::optional<OptOut>> OptOutStore::find(storage::Transaction& tx,
                                                     std::string_view facility_id,
                                                     std::string_view identifier) const {
  WASL_ASSIGN_OR_RETURN(std::string index, index_of(identifier));
  return by_index(tx, facility_id, index);
}

sdk::Result<std::optional<OptOut>> OptOutStore::remove(storage::Transaction& tx,
                                                       std::string_view facility_id,
                                                       std::string_view identifier) const {
  WASL_ASSIGN_OR_RETURN(std::string index, index_of(identifier));
  WASL_ASSIGN_OR_RETURN(auto current, by_index(tx, facility_id, index));
  if (!current) return current;
  WASL_RETURN_IF_ERROR(
      tx.exec("DELETE FROM notification_opt_outs WHERE facility_id = $1 AND id = $2",
              {std::string(facility_id), current->id}));
  return current;
}

sdk::Result<bool> OptOutStore::any(storage::Transaction& tx, std::string_view facility_id,
                                   const std::vector<std::string>& indexes) {
  if (indexes.empty()) return false;
  std::string sql =
      "SELECT id FROM notification_opt_outs WHERE facility_id = $1 AND patient_index IN (";
  storage::Params params{std::string(facility_id)};
  for (std::size_t i = 0; i < indexes.size(); ++i) {
    params.push_back(indexes[i]);
    sql += (i ? ", $" : "$") + std::to_string(params.size());
  }
  sql += ") LIMIT 1";
  WASL_ASSIGN_OR_RETURN(storage::Rows rows, tx.query(sql, params));
  return !rows.empty();
}

}  // namespace wasl::notifications
