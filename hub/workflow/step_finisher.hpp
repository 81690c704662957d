// StepFinisher: records what came of a held job — a call's result, a wait
// that came due, a cancellation — together with what follows in its run
// (Transitions), in one transaction: the second commit of a step (see
// engine.hpp).
//
// The transaction first checks, under a lock, that the worker still holds
// the job; when another worker took it over, nothing is written and the
// result is dropped (counted, wasl_workflow_results_dropped_total, and
// logged). A finish may join other workers' finishes in one group commit
// (commit_group.hpp); a group that rolls back is recorded again alone. A
// finish through an in-transaction hub action never joins a group: the
// action runs under a savepoint, and when the savepoint cannot be rolled
// back to, the finish is recorded again in a fresh transaction with the
// action's error. A finish that meets a retryable storage conflict is tried
// again, a bounded number of times. The stored output of a capability whose
// output holds PHI is audited in the transaction that stores it; the
// provider resources an output names are recorded as the run's facility's
// in it, and a step the resource guard refused (resource_guard.hpp) is
// audited as "access.denied" in the transaction that records its failure,
// and never retried.
//
// Chaining (EngineOptions::chain_steps): when the run's next job is a call
// due now and the caller asks for it, the same transaction keeps the job's
// lease and records the next attempt as started (call_preparation.hpp); the
// caller then calls it itself. Nothing is chained once the engine stops.
//
// Errors: the last attempt's error, when the finish could not be recorded;
// the job is then left to lapse and be taken over after its lease.
//
// Thread-safety: any number of workers may finish at once, each its own
// jobs. The Store, RunRepository, Transitions, StepCaller, CommitGroup,
// Metrics, options, AuditWriter and the stop flag must outlive it.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>

#include "hub/audit/audit_writer.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/storage/store.hpp"
#include "hub/workflow/commit_group.hpp"
#include "hub/workflow/engine_options.hpp"
#include "hub/workflow/prepared_job.hpp"
#include "hub/workflow/run_repository.hpp"
#include "hub/workflow/step_caller.hpp"
#include "hub/workflow/transitions.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::workflow {

class StepFinisher {
 public:
  // `audit` may be null (no audit of outputs). While `stopping` is set, no
  // step is chained.
  StepFinisher(storage::Store& store, RunRepository& runs, Transitions& transitions,
               const StepCaller& caller, CommitGroup& commit_group, observability::Metrics& metrics,
               const EngineOptions& options, const audit::AuditWriter* audit,
               const std::atomic<bool>& stopping);

  // Records the outcome of a prepared job and schedules what follows, in one
  // transaction; retried on a storage conflict. When the run's next piece of
  // work is a call due now and `next` is given, that transaction also keeps
  // the lease and records the next attempt as started: *next is then that
  // attempt, to be called by the same worker. `p` is left as it was.
  sdk::Status finish(PreparedJob& p, CallOutcome outcome, std::optional<PreparedJob>* next);

  // Finishes recorded (results dropped included).
  std::int64_t steps_finished() const { return steps_finished_.load(); }
  // Attempts started in the commit that finished the step before them.
  std::int64_t chained_steps() const { return chained_steps_.load(); }
  // Results dropped because another worker had taken the job over.
  std::int64_t results_dropped() const { return results_dropped_.load(); }

 private:
  void finished(const PreparedJob& p, const CallOutcome& outcome, bool dropped,
                std::optional<PreparedJob>* next, std::optional<PreparedJob>& chained);
  sdk::Status finish_once(PreparedJob& p, CallOutcome& outcome, bool& redo,
                          std::optional<PreparedJob>* next, bool& dropped);
  sdk::Status finish_in(storage::Transaction& tx, PreparedJob& p, CallOutcome& outcome, bool& redo,
                        std::optional<PreparedJob>* next, bool& dropped);
  sdk::Status record(storage::Transaction& tx, PreparedJob& p, CallOutcome& outcome, bool& redo,
                     JobHolding* held, std::int64_t now);
  sdk::Status audit_output(storage::Transaction& tx, const PreparedJob& p, std::int64_t now) const;
  sdk::Status record_resources(storage::Transaction& tx, const PreparedJob& p,
                               const nlohmann::json& output, std::int64_t now) const;
  void observe(const PreparedJob& p, const CallOutcome& outcome);

  storage::Store& store_;
  RunRepository& runs_;
  Transitions& transitions_;
  const StepCaller& caller_;
  CommitGroup& commit_group_;
  observability::Metrics& metrics_;
  const EngineOptions& options_;
  const audit::AuditWriter* audit_;
  const std::atomic<bool>& stopping_;
  std::atomic<std::int64_t> steps_finished_{0};
  std::atomic<std::int64_t> chained_steps_{0};
  std::atomic<std::int64_t> results_dropped_{0};
};

}  // namespace wasl::workflow
