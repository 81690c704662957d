// JobQueue: the `jobs` table, the hub's durable work with leases: the
// workflow engine's jobs (kinds "workflow.*") and tasks (kinds "task.*",
// run by task_runner.hpp; see the task functions below).
//
// Each workflow run has at most one job (unique index on run_id for kinds
// "workflow.*"): the run's next piece of work — a step call to attempt
// ("workflow.call") or a wait to check ("workflow.wait"). A job is due when
// run_at <= now. Claiming leases it: lease_owner is set to a token unique to
// the claim and run_at = lease_expires_at = now + lease, so a job whose holder
// died becomes due again when its lease lapses and the next claim takes it
// over (ClaimedJob::takeover). Every change a holder makes afterwards is
// fenced by its token: once another claim took the job, the old holder's
// updates change nothing and report false.
//
// PostgreSQL claims with SELECT … FOR UPDATE SKIP LOCKED, so concurrent
// claimers never wait for each other; SQLite's single writer (BEGIN
// IMMEDIATE) makes the same SELECT then UPDATE exclusive. All functions run
// inside the caller's read-write transaction and are stateless.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::jobs {

inline constexpr const char* kCallJob = "workflow.call";
inline constexpr const char* kWaitJob = "workflow.wait";

struct ClaimedJob {  // NOLINT(bugprone-exception-escape): a default json is null; it cannot throw
  std::string id;
  std::string run_id;
  std::string kind;
  nlohmann::json payload;
  std::string lease_token;
  std::int64_t lease_expires_at_ms = 0;
  bool takeover = false;       // a previous holder's lease had lapsed
  std::string previous_owner;  // that holder's token, when takeover
  int claims = 0;              // times the job has been claimed, this claim included
  bool locked = false;         // held by the claiming transaction's row lock (hold_idle)
};

// A job the caller holds: by its lease token, or, when `locked`, by the
// caller's transaction alone (its lease unset, its row locked until the
// commit; JobQueue::hold_idle).
struct HeldJob {
  std::string id;
  std::string lease_token;
  bool locked = false;
};
inline HeldJob held_job(const ClaimedJob& job) { return {job.id, job.lease_token, job.locked}; }

// Tasks (task_runner.hpp): jobs of kind "task.<name>", with no run, keyed by
// what they are about (jobs.id), so the same task asked for twice is one
// row. `requests` counts the times it was asked for again after its row was
// made: a runner settles a task for the requests it saw when it claimed it.
inline constexpr std::string_view kTaskKindPrefix = "task.";

struct ClaimedTask {  // NOLINT(bugprone-exception-escape): a default json is null; it cannot throw
  std::string id;     // the task's key
  std::string kind;
  nlohmann::json payload;
  std::string lease_token;
  int claims = 0;             // times claimed, this claim included
  std::int64_t requests = 0;  // jobs.requests when claimed
};

// A job as it waits in the queue, for a reader that does not claim it.
struct QueuedJob {  // NOLINT(bugprone-exception-escape): a default json is null; it cannot throw
  nlohmann::json payload;  // null when the stored payload is not JSON
  std::int64_t run_at_ms = 0;
};

class JobQueue {
 public:
  // Claims up to `limit` due workflow jobs, oldest run_at first.
  static sdk::Result<std::vector<ClaimedJob>> claim(storage::Transaction& tx,
                                                    storage::Dialect dialect,
                                                    const std::string& token_prefix,
                                                    std::int64_t now_ms,
                                                    std::chrono::milliseconds lease, int limit);

  // Creates the run's job (the run must have none).
  static sdk::Status insert(storage::Transaction& tx, const std::string& run_id,
                            const std::string& kind, const nlohmann::json& payload,
                            std::int64_t run_at_ms, std::int64_t now_ms);

  // Replaces a held job's work and releases its lease. False when the lease
  // was lost (the job was taken over or removed).
  static sdk::Result<bool> replace(storage::Transaction& tx, const HeldJob& job,
                                   const std::string& kind, const nlohmann::json& payload,
                                   std::int64_t run_at_ms);
  // Replaces a held job's work and keeps holding it, its lease now ending at
  // `expires_at_ms` (the holder goes on with the new work at once). False
  // when the lease was lost.
  static sdk::Result<bool> continue_held(storage::Transaction& tx, const HeldJob& job,
                                         const std::string& kind, const nlohmann::json& payload,
                                         std::int64_t expires_at_ms);
  // Gives a held job back unchanged, due at `run_at_ms`, so the next claim
  // is not a takeover. False when the lease was lost.
  static sdk::Result<bool> release(storage::Transaction& tx, const HeldJob& job,
                                   std::int64_t run_at_ms);
  // Deletes a held job (the run has no more work). False when the lease was lost.
  static sdk::Result<bool> remove(storage::Transaction& tx, const HeldJob& job);
  // The same for several jobs, in one statement. False when any lease was
  // lost (the others are deleted: the caller rolls back).
  static sdk::Result<bool> remove(storage::Transaction& tx, const std::vector<HeldJob>& jobs);
  // Extends a held job's lease to `expires_at_ms`. False when the lease was lost.
  static sdk::Result<bool> extend(storage::Transaction& tx, const HeldJob& job,
                                  std::int64_t expires_at_ms);
  // Takes each run's workflow job that no worker holds (lease_owner unset),
  // in one statement, for this transaction only, without counting a claim:
  // the caller settles them (replaces or removes each) before it commits
  // (events delivered to waiting runs). They come back `locked`: no lease
  // is written, since every change the caller makes checks that the lease
  // is still unset. A run with no job, or whose job a worker holds, has none
  // in the result. PostgreSQL: SELECT … FOR UPDATE locks the rows (a
  // worker's claim skips them); SQLite's single writer makes it exclusive.
  static sdk::Result<std::vector<ClaimedJob>> hold_idle(storage::Transaction& tx,
                                                        storage::Dialect dialect,
                                                        const std::vector<std::string>& run_ids);
  // Makes the run's job due now unless a worker holds it.
  static sdk::Status wake(storage::Transaction& tx, const std::string& run_id, std::int64_t now_ms);
  // Deletes the run's workflow jobs, held or not (the run ended or restarts).
  static sdk::Status remove_all(storage::Transaction& tx, const std::string& run_id);
  // Workflow jobs due at `now_ms` (held ones included: a held job is due
  // when its lease ends).
  static sdk::Result<std::int64_t> count_due(storage::Transaction& tx, std::int64_t now_ms);

  // Asks for task `key` of `kind` ("task.…") with `payload`, due at
  // `run_at_ms`: a new row, or the existing one asked again — its payload
  // replaced, its request counted, and, when no runner holds it, due at the
  // earlier of its time and `run_at_ms` with its attempts forgotten (a new
  // request deserves a fresh run). A runner holding it runs it once more
  // after it finishes (finish_task).
  static sdk::Status request_task(storage::Transaction& tx, const std::string& kind,
                                  const std::string& key, const nlohmann::json& payload,
                                  std::int64_t run_at_ms, std::int64_t now_ms);
  // Whether a task is due at `now_ms` (a cheap read before claiming).
  static sdk::Result<bool> any_task_due(storage::Transaction& tx, std::int64_t now_ms);
  // Claims up to `limit` due tasks, oldest run_at first, each leased until
  // now + lease (PostgreSQL: SKIP LOCKED, as claim()).
  static sdk::Result<std::vector<ClaimedTask>> claim_tasks(
      storage::Transaction& tx, storage::Dialect dialect, const std::string& token_prefix,
      std::int64_t now_ms, std::chrono::milliseconds lease, int limit);
  // Settles a held task: deleted, unless it was asked for again since its
  // claim, in which case it is released due at `now_ms` for a fresh run.
  // False when the lease was lost (another runner took the task over).
  static sdk::Result<bool> finish_task(storage::Transaction& tx, const ClaimedTask& task,
                                       std::int64_t now_ms);
  // Gives a held task back after a failed run, due at `run_at_ms` with
  // `last_error` kept (due at `now_ms`, its attempts forgotten, when it was
  // asked for again meanwhile). False when the lease was lost.
  static sdk::Result<bool> retry_task(storage::Transaction& tx, const ClaimedTask& task,
                                      std::int64_t run_at_ms, const std::string& last_error,
                                      std::int64_t now_ms);

  // Gives a held task back unrun, due at `run_at_ms`, the claim that took
  // it not counted as an attempt (its instance was busy: TaskRunner). False
  // when the lease was lost.
  static sdk::Result<bool> defer_task(storage::Transaction& tx, const ClaimedTask& task,
                                      std::int64_t run_at_ms);

  // The run of a job the caller still holds, the job's row locked until the
  // transaction ends (PostgreSQL: FOR UPDATE; SQLite's single writer);
  // nullopt when the hold was lost (the job was taken over or removed).
  static sdk::Result<std::optional<std::string>> lock_held(storage::Transaction& tx,
                                                           const HeldJob& job);
  // The run's job of `kind` due first, held or not, read without a lock;
  // nullopt when the run has none.
  static sdk::Result<std::optional<QueuedJob>> first_of_kind(storage::Transaction& tx,
                                                             const std::string& run_id,
                                                             const std::string& kind);
  // Of `run_ids`, those with a job or task queued or held: working-data
  // retention leaves their runs alone.
  static sdk::Result<std::set<std::string>> runs_with_jobs(storage::Transaction& tx,
                                                           const std::vector<std::string>& run_ids);
};

}  // namespace wasl::jobs
