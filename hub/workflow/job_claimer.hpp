// JobClaimer: a worker's leases on workflow jobs (jobs::JobQueue) — taking
// them, keeping them while a claim batch is worked through, and giving back
// those it will not call.
//
// claim() is the first commit of a step (see engine.hpp): in one
// transaction it leases up to EngineOptions::claim_batch due jobs to the
// worker, marks the attempts a lapsed lease left running as lost (a
// takeover), removes the jobs of runs that ended and prepares each call job
// (call_preparation.hpp). keep_lease() renews a job's lease before its call
// once a third of the lease has passed since it was set; release() gives
// back a job that will not be called (the engine stops). Each commits a
// transaction of its own.
//
// Errors: claim() returns the store's error (nothing is then held: the
// transaction rolled back). keep_lease() and release() report none: a job
// they cannot renew or give back is left to lapse and be taken over.
//
// Thread-safety: any number of workers may use it at once, each with its
// own jobs. The Store, RunRepository, Metrics, options and engine id must
// outlive it.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "hub/observability/metrics.hpp"
#include "hub/storage/store.hpp"
#include "hub/workflow/engine_options.hpp"
#include "hub/workflow/prepared_job.hpp"
#include "hub/workflow/run_repository.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::workflow {

class JobClaimer {
 public:
  // Leases are owned as "<engine_id>/<worker>".
  JobClaimer(storage::Store& store, RunRepository& runs, observability::Metrics& metrics,
             const EngineOptions& options, const std::string& engine_id);

  // Claims and prepares due jobs for worker `worker`; empty when none is
  // due (nothing committed). A job whose run ended comes back `stale`,
  // already removed.
  sdk::Result<std::vector<PreparedJob>> claim(int worker);

  // Before calling a job that was leased a while ago (a later job of a claim
  // batch), extends its lease so it cannot lapse during the call; false when
  // the job was taken over meanwhile or the extension could not be stored
  // (the job is then left to lapse and be taken over).
  bool keep_lease(PreparedJob& p);

  // Gives back a prepared job that will not be called (the engine stops):
  // its attempt, recorded as started but never called, is removed and the
  // job is due again at once, for any worker, without waiting for the lease.
  void release(const PreparedJob& p);
  // Gives back a job whose call was not made because plugin instance
  // `instance` is busy (CallOutcome::busy), as release() does but due after
  // `wait` plus up to as much again of jitter; counted in
  // wasl_workflow_steps_deferred_total{instance}.
  void defer(const PreparedJob& p, const std::string& instance, std::chrono::milliseconds wait);

  // Jobs taken over after their holder's lease lapsed.
  std::int64_t lease_takeovers() const { return lease_takeovers_.load(); }
  // Leases keep_lease() found taken over.
  std::int64_t leases_lost() const { return leases_lost_.load(); }

 private:
  void give_back(const PreparedJob& p, std::int64_t due_at_ms);

  storage::Store& store_;
  RunRepository& runs_;
  observability::Metrics& metrics_;
  const EngineOptions& options_;
  const std::string& engine_id_;
  std::atomic<std::int64_t> lease_takeovers_{0};
  std::atomic<std::int64_t> leases_lost_{0};
};

}  // namespace wasl::workflow
