#include "hub/workflow/run_retention.hpp"

#include <initializer_list>
#include <iterator>

#include "hub/records/row_fields.hpp"
#include "hub/storage/bind.hpp"

namespace wasl::workflow {

using sdk::Result;

namespace {

// " AND <id column> IN (…)" of one chunk, the facility bound first as $1.
std::string ids_of(storage::Params& params, storage::Dialect dialect, std::string_view column,
                   const std::vector<std::string>& ids) {
  return storage::in_list(params, dialect, column, {ids.begin(), ids.end()}, "TEXT");
}

// The runs of `ids` that are the facility's and finished: the only ones
// the statements below change.
std::string finished_runs_of(storage::Params& params, storage::Dialect dialect,
                             const std::vector<std::string>& ids) {
  return "SELECT id FROM workflow_runs WHERE facility_id = $1 AND status IN ('succeeded', "
         "'cancelled') AND " +
         ids_of(params, dialect, "id", ids);
}

}  // namespace

Result<std::vector<FinishedRun>> RunRetention::finished_before(storage::Transaction& tx,
                                                               std::string_view facility_id,
                                                               std::int64_t cutoff_ms,
                                                               const FinishedRunCursor& after,
                                                               int limit, RunData data) {
  WASL_ASSIGN_OR_RETURN(
      auto rows,
      tx.query("SELECT id, consultation_id, finished_at FROM workflow_runs WHERE facility_id = $1 "
               "AND status IN ('succeeded', 'cancelled') AND finished_at < $2 AND "
               "(finished_at > $3 OR (finished_at = $3 AND id > $4))" +
                   std::string(data == RunData::kKept ? " AND trigger_enc IS NOT NULL" : "") +
                   " ORDER BY finished_at, id LIMIT $5",
               {std::string(facility_id), cutoff_ms, after.finished_at, after.id,
                static_cast<std::int64_t>(limit)}));
  std::vector<FinishedRun> out;
  out.reserve(rows.size());
  for (const auto& row : rows) {
    FinishedRun run;
    WASL_ASSIGN_OR_RETURN(run.id, row.get_text(0));
    WASL_ASSIGN_OR_RETURN(run.consultation_id,
                          records::row_fields::optional_text(row, "consultation_id"));
    WASL_ASSIGN_OR_RETURN(run.finished_at, row.get_int(2));
    out.push_back(std::move(run));
  }
  return out;
}

namespace {

// Runs each statement (up to "IN (") over the finished runs of each chunk
// of `run_ids`, in order; the last one's count summed.
Result<std::int64_t> over_finished_runs(storage::Transaction& tx, std::string_view facility_id,
                                        const std::vector<std::string>& run_ids,
                                        std::initializer_list<const char*> statements) {
  std::int64_t last = 0;
  for (const auto& chunk : storage::chunks(run_ids)) {
    for (const char* statement : statements) {
      storage::Params params{std::string(facility_id)};
      const std::string runs = finished_runs_of(params, tx.dialect(), chunk);
      WASL_ASSIGN_OR_RETURN(std::int64_t n, tx.exec(std::string(statement) + runs + ")", params));
      if (statement == *std::prev(statements.end())) last += n;
    }
  }
  return last;
}

}  // namespace

Result<std::int64_t> RunRetention::clear_data(storage::Transaction& tx,
                                              std::string_view facility_id,
                                              const std::vector<std::string>& run_ids) {
  return over_finished_runs(tx, facility_id, run_ids,
                            {"UPDATE workflow_steps SET output_enc = NULL WHERE run_id IN (",
                             "UPDATE workflow_events SET payload_enc = NULL WHERE run_id IN (",
                             "UPDATE workflow_runs SET trigger_enc = NULL WHERE id IN ("});
}

Result<std::int64_t> RunRetention::remove(storage::Transaction& tx, std::string_view facility_id,
                                          const std::vector<std::string>& run_ids) {
  return over_finished_runs(
      tx, facility_id, run_ids,
      {"DELETE FROM workflow_events WHERE run_id IN (",
       "DELETE FROM workflow_notes WHERE run_id IN (",
       "DELETE FROM workflow_steps WHERE run_id IN (", "DELETE FROM workflow_runs WHERE id IN ("});
}

Result<std::int64_t> RunRetention::purge_unmatched_events(storage::Transaction& tx,
                                                          std::string_view facility_id,
                                                          std::int64_t cutoff_ms, int limit) {
  return tx.exec(
      "DELETE FROM workflow_events WHERE id IN (SELECT id FROM workflow_events WHERE "
      "facility_id = $1 AND run_id IS NULL AND received_at < $2 ORDER BY received_at LIMIT $3)",
      {std::string(facility_id), cutoff_ms, static_cast<std::int64_t>(limit)});
}

}  // namespace wasl::workflow
