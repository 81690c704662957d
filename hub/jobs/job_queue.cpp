#include "hub/jobs/job_queue.hpp"

#include <atomic>
#include <random>

#include "hub/storage/bind.hpp"
#include "hub/storage/row_id.hpp"

namespace wasl::jobs {

using sdk::Result;
using storage::Params;

namespace {

std::string payload_text(const nlohmann::json& payload) {
  return payload.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string next_token(const std::string& prefix) {
  static std::atomic<std::uint64_t> counter{0};
  return prefix + "/" + std::to_string(counter.fetch_add(1) + 1);
}

// "lease_owner = $n" for a job held by its lease, "lease_owner IS NULL"
// for one held by the caller's row lock (hold_idle).
std::string holder_is(Params& params, const HeldJob& job) {
  if (job.locked) return "lease_owner IS NULL";
  return "lease_owner = " + storage::bind(params, job.lease_token);
}

}  // namespace

Result<std::vector<ClaimedJob>> JobQueue::claim(storage::Transaction& tx, storage::Dialect dialect,
                                                const std::string& token_prefix,
                                                std::int64_t now_ms,
                                                std::chrono::milliseconds lease, int limit) {
  std::string sql =
      "SELECT id, run_id, kind, payload, lease_owner, attempts FROM jobs "
      "WHERE kind LIKE 'workflow.%' AND run_at <= $1 ORDER BY run_at LIMIT $2";
  if (dialect == storage::Dialect::kPostgres) sql += " FOR UPDATE SKIP LOCKED";
  WASL_ASSIGN_OR_RETURN(auto rows, tx.query(sql, Params{now_ms, std::int64_t{limit}}));
  std::vector<ClaimedJob> jobs;
  std::int64_t expires = now_ms + lease.count();
  for (const auto& row : rows) {
    ClaimedJob job;
    WASL_ASSIGN_OR_RETURN(job.id, row.get_text("id"));
    WASL_ASSIGN_OR_RETURN(job.run_id, row.get_text("run_id"));
    WASL_ASSIGN_OR_RETURN(job.kind, row.get_text("kind"));
    WASL_ASSIGN_OR_RETURN(auto payload, row.get_text("payload"));
    job.payload = nlohmann::json::parse(payload, nullptr, false);
    if (job.payload.is_discarded()) job.payload = nlohmann::json::object();
    if (!row.is_null("lease_owner")) {
      job.takeover = true;
      WASL_ASSIGN_OR_RETURN(job.previous_owner, row.get_text("lease_owner"));
    }
    WASL_ASSIGN_OR_RETURN(auto attempts, row.get_int("attempts"));
    job.claims = static_cast<int>(attempts) + 1;
    job.lease_token = next_token(token_prefix);
    job.lease_expires_at_ms = expires;
    WASL_RETURN_IF_ERROR(
        tx.exec("UPDATE jobs SET lease_owner = $1, lease_expires_at = $2, run_at = $2, "
                "attempts = attempts + 1 WHERE id = $3",
                Params{job.lease_token, expires, job.id}));
    jobs.push_back(std::move(job));
  }
  return jobs;
}

sdk::Status JobQueue::insert(storage::Transaction& tx, const std::string& run_id,
                             const std::string& kind, const nlohmann::json& payload,
                             std::int64_t run_at_ms, std::int64_t now_ms) {
  WASL_ASSIGN_OR_RETURN(std::string id, storage::new_row_id());
  WASL_RETURN_IF_ERROR(
      tx.exec("INSERT INTO jobs (id, kind, run_id, payload, run_at, attempts, created_at) "
              "VALUES ($1, $2, $3, $4, $5, 0, $6)",
              Params{std::move(id), kind, run_id, payload_text(payload), run_at_ms, now_ms}));
  return {};
}

Result<bool> JobQueue::replace(storage::Transaction& tx, const HeldJob& job,
                               const std::string& kind, const nlohmann::json& payload,
                               std::int64_t run_at_ms) {
  Params params{kind, payload_text(payload), run_at_ms, job.id};
  std::string sql =
      "UPDATE jobs SET kind = $1, payload = $2, run_at = $3, lease_owner = NULL, "
      "lease_expires_at = NULL, attempts = 0, last_error = NULL WHERE id = $4 AND ";
  sql += holder_is(params, job);
  WASL_ASSIGN_OR_RETURN(auto changed, tx.exec(sql, params));
  return changed == 1;
}

Result<bool> JobQueue::continue_held(storage::Transaction& tx, const HeldJob& job,
                                     const std::string& kind, const nlohmann::json& payload,
                                     std::int64_t expires_at_ms) {
  if (job.locked) {
    return sdk::Error(sdk::ErrorCode::kInternal,
                      "a job held by a row lock has no lease to keep holding it by", false);
  }
  WASL_ASSIGN_OR_RETURN(
      auto changed,
      tx.exec("UPDATE jobs SET kind = $1, payload = $2, run_at = $3, lease_expires_at = $3, "
              "attempts = 1, last_error = NULL WHERE id = $4 AND lease_owner = $5",
              Params{kind, payload_text(payload), expires_at_ms, job.id, job.lease_token}));
  return changed == 1;
}

Result<bool> JobQueue::release(storage::Transaction& tx, const HeldJob& job,
                               std::int64_t run_at_ms) {
  Params params{run_at_ms, job.id};
  std::string sql =
      "UPDATE jobs SET run_at = $1, lease_owner = NULL, lease_expires_at = NULL, "
      "attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END WHERE id = $2 AND ";
  sql += holder_is(params, job);
  WASL_ASSIGN_OR_RETURN(auto changed, tx.exec(sql, params));
  return changed == 1;
}

Result<bool> JobQueue::remove(storage::Transaction& tx, const HeldJob& job) {
  Params params{job.id};
  std::string sql = "DELETE FROM jobs WHERE id = $1 AND ";
  sql += holder_is(params, job);
  WASL_ASSIGN_OR_RETURN(auto changed, tx.exec(sql, params));
  return changed == 1;
}

Result<bool> JobQueue::remove(storage::Transaction& tx, const std::vector<HeldJob>& jobs) {
  if (jobs.empty()) return true;
  std::vector<HeldJob> locked;
  std::vector<HeldJob> leased;
  for (const auto& job : jobs) (job.locked ? locked : leased).push_back(job);
  std::int64_t changed = 0;
  if (!locked.empty()) {
    // An IN list of ids (the primary key's index), their leases unset.
    std::vector<storage::Value> ids;
    ids.reserve(locked.size());
    for (const auto& job : locked) ids.emplace_back(job.id);
    Params params;
    std::string sql = "DELETE FROM jobs WHERE " +
                      storage::in_list(params, tx.dialect(), "id", std::move(ids), "TEXT");
    sql += " AND lease_owner IS NULL";
    WASL_ASSIGN_OR_RETURN(auto n, tx.exec(sql, params));
    changed += n;
  }
  if (!leased.empty()) {
    // An IN list of ids, each one's lease token checked by a CASE over the
    // rows found.
    Params params;
    std::string sql = "DELETE FROM jobs WHERE id IN (";
    sql += storage::bind_each(params, leased, [](const auto& r) { return r.id; });
    sql += ") AND lease_owner = ";
    sql += storage::case_when(
        params, "id", leased, [](const HeldJob& j) { return j.id; },
        [](const HeldJob& j) { return j.lease_token; });
    WASL_ASSIGN_OR_RETURN(auto n, tx.exec(sql, params));
    changed += n;
  }
  return changed == static_cast<std::int64_t>(jobs.size());
}

Result<bool> JobQueue::extend(storage::Transaction& tx, const HeldJob& job,
                              std::int64_t expires_at_ms) {
  if (job.locked) {
    return sdk::Error(sdk::ErrorCode::kInternal, "a job held by a row lock has no lease to extend",
                      false);
  }
  WASL_ASSIGN_OR_RETURN(auto changed, tx.exec("UPDATE jobs SET lease_expires_at = $1, run_at = $1 "
                                              "WHERE id = $2 AND lease_owner = $3",
                                              Params{expires_at_ms, job.id, job.lease_token}));
  return changed == 1;
}

Result<std::vector<ClaimedJob>> JobQueue::hold_idle(storage::Transaction& tx,
                                                    storage::Dialect dialect,
                                                    const std::vector<std::string>& run_ids) {
  std::vector<ClaimedJob> held;
  if (run_ids.empty()) return held;
  // A worker that leased a row first makes `lease_owner IS NULL` false on
  // PostgreSQL's recheck of a locked row.
  Params params;
  std::string sql =
      "SELECT id, run_id, kind, payload, attempts FROM jobs WHERE " +
      storage::in_list(params, dialect, "run_id", {run_ids.begin(), run_ids.end()}, "TEXT") +
      " AND kind LIKE 'workflow.%' AND lease_owner IS NULL";
  if (dialect == storage::Dialect::kPostgres) sql += " FOR UPDATE";
  WASL_ASSIGN_OR_RETURN(auto rows, tx.query(sql, params));
  held.reserve(rows.size());
  for (const auto& row : rows) {
    ClaimedJob job;
    WASL_ASSIGN_OR_RETURN(job.id, row.get_text("id"));
    WASL_ASSIGN_OR_RETURN(job.run_id, row.get_text("run_id"));
    WASL_ASSIGN_OR_RETURN(job.kind, row.get_text("kind"));
    WASL_ASSIGN_OR_RETURN(auto payload, row.get_text("payload"));
    job.payload = nlohmann::json::parse(payload, nullptr, false);
    if (job.payload.is_discarded()) job.payload = nlohmann::json::object();
    WASL_ASSIGN_OR_RETURN(auto attempts, row.get_int("attempts"));
    job.claims = static_cast<int>(attempts);
    job.locked = true;
    held.push_back(std::move(job));
  }
  return held;
}

sdk::Status JobQueue::wake(storage::Transaction& tx, const std::string& run_id,
                           std::int64_t now_ms) {
  WASL_RETURN_IF_ERROR(tx.exec(
      "UPDATE jobs SET run_at = $1 WHERE run_id = $2 AND lease_owner IS NULL AND run_at > $1",
      Params{now_ms, run_id}));
  return {};
}

sdk::Status JobQueue::remove_all(storage::Transaction& tx, const std::string& run_id) {
  WASL_RETURN_IF_ERROR(
      tx.exec("DELETE FROM jobs WHERE run_id = $1 AND kind LIKE 'workflow.%'", Params{run_id}));
  return {};
}

Result<std::int64_t> JobQueue::count_due(storage::Transaction& tx, std::int64_t now_ms) {
  WASL_ASSIGN_OR_RETURN(
      auto rows, tx.query("SELECT COUNT(*) FROM jobs WHERE kind LIKE 'workflow.%' AND run_at <= $1",
                          Params{now_ms}));
  if (rows.empty()) return std::int64_t{0};
  return rows[0].get_int(0);
}

sdk::Status JobQueue::request_task(storage::Transaction& tx, const std::string& kind,
                                   const std::string& key, const nlohmann::json& payload,
                                   std::int64_t run_at_ms, std::int64_t now_ms) {
  if (kind.rfind(kTaskKindPrefix, 0) != 0 || key.empty()) {
    return sdk::Error(sdk::ErrorCode::kInternal,
                      "a task needs a kind starting with \"task.\" and a key (" + kind + ")",
                      false);
  }
  WASL_RETURN_IF_ERROR(tx.exec(
      "INSERT INTO jobs (id, kind, run_id, payload, run_at, attempts, created_at, requests) "
      "VALUES ($1, $2, NULL, $3, $4, 0, $5, 0) "
      "ON CONFLICT (id) DO UPDATE SET payload = excluded.payload, "
      "requests = jobs.requests + 1, "
      "attempts = CASE WHEN jobs.lease_owner IS NULL THEN 0 ELSE jobs.attempts END, "
      "last_error = CASE WHEN jobs.lease_owner IS NULL THEN NULL ELSE jobs.last_error END, "
      "run_at = CASE WHEN jobs.lease_owner IS NULL AND excluded.run_at < jobs.run_at "
      "THEN excluded.run_at ELSE jobs.run_at END",
      Params{key, kind, payload_text(payload), run_at_ms, now_ms}));
  return {};
}

Result<bool> JobQueue::any_task_due(storage::Transaction& tx, std::int64_t now_ms) {
  WASL_ASSIGN_OR_RETURN(auto rows,
                        tx.query("SELECT id FROM jobs WHERE kind LIKE 'task.%' AND run_at <= $1 "
                                 "LIMIT 1",
                                 Params{now_ms}));
  return !rows.empty();
}

Result<std::vector<ClaimedTask>> JobQueue::claim_tasks(storage::Transaction& tx,
                                                       storage::Dialect dialect,
                                                       const std::string& token_prefix,
                                                       std::int64_t now_ms,
                                                       std::chrono::milliseconds lease, int limit) {
  std::string sql =
      "SELECT id, kind, payload, attempts, requests FROM jobs "
      "WHERE kind LIKE 'task.%' AND run_at <= $1 ORDER BY run_at LIMIT $2";
  if (dialect == storage::Dialect::kPostgres) sql += " FOR UPDATE SKIP LOCKED";
  WASL_ASSIGN_OR_RETURN(auto rows, tx.query(sql, Params{now_ms, std::int64_t{limit}}));
  std::vector<ClaimedTask> tasks;
  const std::int64_t expires = now_ms + lease.count();
  for (const auto& row : rows) {
    ClaimedTask task;
    WASL_ASSIGN_OR_RETURN(task.id, row.get_text("id"));
    WASL_ASSIGN_OR_RETURN(task.kind, row.get_text("kind"));
    WASL_ASSIGN_OR_RETURN(auto payload, row.get_text("payload"));
    task.payload = nlohmann::json::parse(payload, nullptr, false);
    if (task.payload.is_discarded()) task.payload = nlohmann::json::object();
    WASL_ASSIGN_OR_RETURN(auto attempts, row.get_int("attempts"));
    task.claims = static_cast<int>(attempts) + 1;
    WASL_ASSIGN_OR_RETURN(task.requests, row.get_int("requests"));
    task.lease_token = next_token(token_prefix);
    WASL_RETURN_IF_ERROR(
        tx.exec("UPDATE jobs SET lease_owner = $1, lease_expires_at = $2, run_at = $2, "
                "attempts = attempts + 1 WHERE id = $3",
                Params{task.lease_token, expires, task.id}));
    tasks.push_back(std::move(task));
  }
  return tasks;
}

Result<bool> JobQueue::finish_task(storage::Transaction& tx, const ClaimedTask& task,
                                   std::int64_t now_ms) {
  WASL_ASSIGN_OR_RETURN(auto deleted,
                        tx.exec("DELETE FROM jobs WHERE id = $1 AND lease_owner = $2 AND "
                                "requests = $3",
                                Params{task.id, task.lease_token, task.requests}));
  if (deleted == 1) return true;
  // Asked for again while it ran: a fresh run, due now.
  WASL_ASSIGN_OR_RETURN(
      auto released,
      tx.exec("UPDATE jobs SET lease_owner = NULL, lease_expires_at = NULL, run_at = $1, "
              "attempts = 0, last_error = NULL WHERE id = $2 AND lease_owner = $3",
              Params{now_ms, task.id, task.lease_token}));
  return released == 1;
}

Result<bool> JobQueue::retry_task(storage::Transaction& tx, const ClaimedTask& task,
                                  std::int64_t run_at_ms, const std::string& last_error,
                                  std::int64_t now_ms) {
  WASL_ASSIGN_OR_RETURN(
      auto changed,
      tx.exec(
          "UPDATE jobs SET lease_owner = NULL, lease_expires_at = NULL, "
          "run_at = CASE WHEN requests = $1 THEN CAST($2 AS BIGINT) ELSE CAST($3 AS BIGINT) END, "
          "attempts = CASE WHEN requests = $1 THEN attempts ELSE 0 END, "
          "last_error = $4 WHERE id = $5 AND lease_owner = $6",
          Params{task.requests, run_at_ms, now_ms, last_error, task.id, task.lease_token}));
  return changed == 1;
}

Result<bool> JobQueue::defer_task(storage::Transaction& tx, const ClaimedTask& task,
                                  std::int64_t run_at_ms) {
  WASL_ASSIGN_OR_RETURN(
      auto changed,
      tx.exec("UPDATE jobs SET lease_owner = NULL, lease_expires_at = NULL, run_at = $1, "
              "attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END "
              "WHERE id = $2 AND lease_owner = $3",
              Params{run_at_ms, task.id, task.lease_token}));
  return changed == 1;
}

Result<std::optional<std::string>> JobQueue::lock_held(storage::Transaction& tx,
                                                       const HeldJob& job) {
  Params params{job.id};
  std::string sql = "SELECT run_id FROM jobs WHERE id = $1 AND " + holder_is(params, job);
  if (tx.dialect() == storage::Dialect::kPostgres) sql += " FOR UPDATE";
  WASL_ASSIGN_OR_RETURN(auto rows, tx.query(sql, params));
  if (rows.empty()) return std::optional<std::string>();
  WASL_ASSIGN_OR_RETURN(auto run_id, rows[0].get_text(0));
  return std::optional<std::string>(std::move(run_id));
}

Result<std::optional<QueuedJob>> JobQueue::first_of_kind(storage::Transaction& tx,
                                                         const std::string& run_id,
                                                         const std::string& kind) {
  WASL_ASSIGN_OR_RETURN(auto rows, tx.query("SELECT payload, run_at FROM jobs WHERE run_id = $1 "
                                            "AND kind = $2 ORDER BY run_at LIMIT 1",
                                            Params{run_id, kind}));
  if (rows.empty()) return std::optional<QueuedJob>();
  QueuedJob job;
  if (!rows[0].is_null("payload")) {
    WASL_ASSIGN_OR_RETURN(auto payload, rows[0].get_text("payload"));
    job.payload = nlohmann::json::parse(payload, nullptr, false);
    if (job.payload.is_discarded()) job.payload = nullptr;
  }
  WASL_ASSIGN_OR_RETURN(job.run_at_ms, rows[0].get_int("run_at"));
  return std::optional<QueuedJob>(std::move(job));
}

sdk::Result<std::set<std::string>> JobQueue::runs_with_jobs(
    storage::Transaction& tx, const std::vector<std::string>& run_ids) {
  std::set<std::string> busy;
  for (const auto& chunk : storage::chunks(run_ids)) {
    storage::Params params;
    const std::string ids =
        storage::in_list(params, tx.dialect(), "run_id", {chunk.begin(), chunk.end()}, "TEXT");
    WASL_ASSIGN_OR_RETURN(auto rows,
                          tx.query("SELECT DISTINCT run_id FROM jobs WHERE " + ids, params));
    for (const auto& row : rows) {
      WASL_ASSIGN_OR_RETURN(std::string id, row.get_text(0));
      busy.insert(std::move(id));
    }
  }
  return busy;
}

}  // namespace wasl::jobs
