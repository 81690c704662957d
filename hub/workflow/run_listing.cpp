#include "hub/workflow/run_listing.hpp"

#include "hub/storage/bind.hpp"

namespace wasl::workflow {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

namespace {

std::optional<std::string> listing_text_or_none(const storage::Row& row, std::string_view column) {
  if (row.is_null(column)) return std::nullopt;
  auto v = row.get_text(column);
  return v.ok() ? std::optional<std::string>(*v) : std::nullopt;
}

}  // namespace

Result<std::vector<RunSummary>> list_runs(storage::Transaction& tx, const std::string& facility_id,
                                          const RunFilter& filter, int limit) {
  std::string sql =
      "SELECT id, consultation_id, workflow_name, workflow_version, status, current_step, "
      "failed_step, error, created_at, updated_at, finished_at FROM workflow_runs "
      "WHERE facility_id = $1";
  storage::Params params{facility_id};
  if (filter.status) sql += " AND status = " + storage::bind(params, *filter.status);
  if (filter.workflow) sql += " AND workflow_name = " + storage::bind(params, *filter.workflow);
  if (filter.version) sql += " AND workflow_version = " + storage::bind(params, *filter.version);
  if (filter.from_ms) sql += " AND created_at >= " + storage::bind(params, *filter.from_ms);
  if (filter.to_ms) sql += " AND created_at < " + storage::bind(params, *filter.to_ms);
  if (filter.after) {
    std::string t = storage::bind(params, filter.after->first);
    std::string i = storage::bind(params, filter.after->second);
    sql += " AND (created_at < " + t + " OR (created_at = " + t + " AND id < " + i + "))";
  }
  sql += " ORDER BY created_at DESC, id DESC LIMIT " + std::to_string(limit);
  WASL_ASSIGN_OR_RETURN(storage::Rows rows, tx.query(sql, params));

  std::vector<RunSummary> out;
  out.reserve(rows.size());
  for (const auto& row : rows) {
    auto created = row.get_int("created_at");
    auto updated = row.get_int("updated_at");
    auto version = row.get_int("workflow_version");
    auto id = row.get_text("id");
    if (!created.ok() || !updated.ok() || !version.ok() || !id.ok()) {
      return Error(ErrorCode::kInternal, "a workflow_runs row could not be read", false);
    }
    RunSummary run;
    run.id = std::move(id).value();
    run.consultation_id = listing_text_or_none(row, "consultation_id");
    run.workflow_name = listing_text_or_none(row, "workflow_name");
    run.workflow_version = *version;
    run.status = listing_text_or_none(row, "status");
    run.current_step = listing_text_or_none(row, "current_step");
    run.failed_step = listing_text_or_none(row, "failed_step");
    run.error = listing_text_or_none(row, "error");
    run.created_at = *created;
    run.updated_at = *updated;
    if (!row.is_null("finished_at")) {
      auto at = row.get_int("finished_at");
      if (at.ok()) run.finished_at = *at;
    }
    out.push_back(std::move(run));
  }
  return out;
}

Result<std::vector<FailedRun>> list_failed_runs(storage::Transaction& tx,
                                                const std::string& facility_id,
                                                std::int64_t since_ms,
                                                const std::optional<std::string>& workflow,
                                                int limit) {
  std::string sql =
      "SELECT id, consultation_id, workflow_name, workflow_version, failed_step, error, "
      "COALESCE(finished_at, updated_at) AS failed_at FROM workflow_runs "
      "WHERE facility_id = $1 AND status = 'failed' AND COALESCE(finished_at, updated_at) >= $2";
  storage::Params params{facility_id, since_ms};
  if (workflow) sql += " AND workflow_name = " + storage::bind(params, *workflow);
  sql += " ORDER BY failed_at DESC, id DESC LIMIT " + std::to_string(limit);
  WASL_ASSIGN_OR_RETURN(storage::Rows rows, tx.query(sql, params));
  std::vector<FailedRun> out;
  out.reserve(rows.size());
  for (const auto& row : rows) {
    FailedRun run;
    WASL_ASSIGN_OR_RETURN(run.failed_at, row.get_int("failed_at"));
    WASL_ASSIGN_OR_RETURN(run.workflow_version, row.get_int("workflow_version"));
    run.id = listing_text_or_none(row, "id");
    run.consultation_id = listing_text_or_none(row, "consultation_id");
    run.workflow_name = listing_text_or_none(row, "workflow_name");
    run.failed_step = listing_text_or_none(row, "failed_step");
    run.error = listing_text_or_none(row, "error");
    out.push_back(std::move(run));
  }
  return out;
}

Result<EndedRunCounts> count_ended_runs(storage::Transaction& tx, const std::string& facility_id,
                                        std::int64_t since_ms) {
  // A failed run may lack finished_at (failed_at's rule, list_failed_runs).
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query("SELECT status, COUNT(*) FROM workflow_runs WHERE facility_id = $1 AND "
               "status IN ('succeeded', 'failed', 'cancelled') AND "
               "COALESCE(finished_at, updated_at) >= $2 GROUP BY status",
               storage::Params{facility_id, since_ms}));
  EndedRunCounts counts;
  for (const auto& row : rows) {
    WASL_ASSIGN_OR_RETURN(std::string status, row.get_text(0));
    WASL_ASSIGN_OR_RETURN(std::int64_t n, row.get_int(1));
    counts.ended += n;
    if (status == "failed") counts.failed += n;
  }
  return counts;
}

Result<RunCounts> count_runs(storage::Transaction& tx, const std::string& facility_id) {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query("SELECT workflow_name, workflow_version, status, COUNT(*) AS n FROM workflow_runs "
               "WHERE facility_id = $1 GROUP BY workflow_name, workflow_version, status",
               storage::Params{facility_id}));
  RunCounts counts;
  for (const auto& row : rows) {
    WASL_ASSIGN_OR_RETURN(std::string name, row.get_text("workflow_name"));
    WASL_ASSIGN_OR_RETURN(std::int64_t version, row.get_int("workflow_version"));
    WASL_ASSIGN_OR_RETURN(std::string status, row.get_text("status"));
    WASL_ASSIGN_OR_RETURN(std::int64_t n, row.get_int("n"));
    counts[{name, static_cast<int>(version)}][status] = n;
  }
  return counts;
}

}  // namespace wasl::workflow
