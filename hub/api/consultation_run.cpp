#include "hub/api/consultation_run.hpp"

namespace wasl::api {

sdk::Result<std::optional<std::string>> find_consultation_run(storage::Transaction& tx,
                                                              std::string_view facility_id,
                                                              std::string_view consultation_id) {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query("SELECT id FROM workflow_runs WHERE consultation_id = $1 AND facility_id = $2 "
               "ORDER BY created_at DESC, id DESC LIMIT 1",
               {std::string(consultation_id), std::string(facility_id)}));
  if (rows.empty()) return std::optional<std::string>{};
  WASL_ASSIGN_OR_RETURN(std::string id, rows.front().get_text(0));
  return std::optional<std::string>{std::move(id)};
}

sdk::Result<std::int64_t> run_workflow_version(storage::Transaction& tx, std::string_view run_id) {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query("SELECT workflow_version FROM workflow_runs WHERE id = $1", {std::string(run_id)}));
  if (rows.empty()) {
    return sdk::Error(sdk::ErrorCode::kNotFound, "the workflow run just started is not visible");
  }
  return rows.front().get_int(0);
}

sdk::Result<workflow::RoleBindings> consultation_run_bindings(storage::Transaction& tx,
                                                              std::string_view facility_id,
                                                              std::string_view consultation_id) {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query("SELECT id, bindings FROM workflow_runs WHERE consultation_id = $1 AND "
               "facility_id = $2 ORDER BY created_at DESC, id DESC LIMIT 1",
               {std::string(consultation_id), std::string(facility_id)}));
  if (rows.empty()) return workflow::RoleBindings{};
  WASL_ASSIGN_OR_RETURN(std::string run_id, rows.front().get_text("id"));
  return workflow::run_bindings_of(rows.front(), "bindings", run_id);
}

}  // namespace wasl::api
