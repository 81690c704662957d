// Engine: runs workflow definitions durably over the Store.
//
// Durability. A run is a workflow_runs row; each step attempt is a
// workflow_steps row. A worker claims the run's job (job_queue.hpp) and, in
// the same transaction, records the attempt as started (commit 1); it then
// makes the call outside any transaction, and records the result together
// with the scheduling of the run's next job in one transaction (commit 2).
// When that next job is a call due at once (no backoff, no wait), the same
// commit keeps the job leased to the worker and records the next attempt as
// started, and the worker calls it next (EngineOptions::chain_steps): a run
// of N such steps costs one claim and N commits, and still every attempt's
// start is committed before its call and its result before what follows.
// `when`-skipped steps and waits whose event is already there are folded
// into the commit that reaches them. Finishes that workers record at the
// same time share one transaction (group commit, commit_group.hpp;
// EngineOptions::commit_group): a group is committed or rolled back whole,
// and after a rollback each of its finishes is recorded again alone.
// A worker that dies leaves its job leased; after the lease lapses another
// worker (of this or another process) takes it over, marks the dead attempt
// "lost" and attempts the step again with the same idempotency key
// (idempotency_key.hpp), so a plugin that honours the key acts once.
//
// Calls and timeouts. Every call runs on a thread of its own; the worker
// waits for it up to the step's `timeout` (EngineOptions::default_call_timeout
// when the step has none) and then records kDeadlineExceeded. A plugin call
// cannot be interrupted in-process: a stuck call's thread is left running
// detached (it keeps its CapabilityInvoker alive through a shared_ptr), its
// eventual result is dropped, and wasl_workflow_abandoned_calls_total counts
// it. While a call runs longer than a third of the lease, the worker renews
// the lease (a small transaction each time), so a slow call is not taken
// over while it may still answer; a worker that stops renewing (crashed,
// frozen) loses the job one lease later. If a renewal finds the job taken
// over, the worker drops the call's result.
//
// Failures follow definition.hpp: retries with exponential backoff and
// jitter (Error::retry_after wins when longer), then on_failure (fail,
// continue, compensate). Built-in hub actions come from HubActions; an
// unregistered one fails its step with kUnimplemented.
//
// Events. deliver_event() stores each event once (dedupe_key) and hands it to
// the run waiting for (facility, type, correlation); an event nobody waits for
// yet is kept and consumed by the first wait that starts for it. Matching is
// serialised per correlation (an advisory lock on PostgreSQL, the single
// writer on SQLite), so an event and a wait that start together always meet.
//
// Thread safety: every public method may be called from any thread. The
// Store, DefinitionStore, HubActions and Metrics must outlive the Engine.
//
// The engine's parts, one idea each: WorkerRound (a worker's round: claim,
// call, finish), JobClaimer (claiming jobs, keeping and giving back their
// leases), prepare_call (call_preparation.hpp: an attempt recorded as
// started, its input rendered), StepCaller (the bounded call of a step),
// StepFinisher (a step's outcome and what follows, in one commit, grouped
// or alone), CommitGroup (finishes sharing a commit), Transitions (the
// state machine), EventDelivery (a batch of events delivered and the runs
// they wake moved on), EventMatcher (events meet waits), RunControl (runs
// started, cancelled and retried), RunRepository (the SQL of runs and step
// attempts), jobs::JobQueue (jobs and leases) and read_run_timeline
// (run_timeline_query.hpp). engine.cpp builds them and holds the workers'
// loop and the entry points below.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/audit/audit_writer.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "hub/workflow/capability_invoker.hpp"
#include "hub/workflow/definition_store.hpp"
#include "hub/workflow/engine_options.hpp"
#include "hub/workflow/event_matcher.hpp"
#include "hub/workflow/hub_actions.hpp"
#include "hub/workflow/language/reference.hpp"
#include "hub/workflow/run_timeline.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::workflow {

struct StartRunRequest {
  std::string workflow;                               // a deployed workflow name
  std::optional<int> version;                         // unset = the latest deployed version
  std::string facility_id;                            // must exist in facilities
  std::string consultation_id;                        // optional; must exist when set
  nlohmann::json trigger = nlohmann::json::object();  // ${trigger.…}
};

// Counters of this Engine object (also exported as metrics).
struct EngineStats {
  std::int64_t steps_finished = 0;
  std::int64_t chained_steps = 0;  // attempts started in the commit that finished the step before
  std::int64_t lease_takeovers = 0;
  std::int64_t lost_leases = 0;       // results dropped because another worker took the job
  std::int64_t abandoned_calls = 0;   // calls left running after their timeout
  std::int64_t group_commits = 0;     // transactions that recorded finishes as a group
  std::int64_t grouped_finishes = 0;  // step finishes recorded in them
};

class Engine {
 public:
  // `invoker` is shared with call threads that outlive a timeout. `cipher`
  // encrypts the payloads of runs, steps and events (records::CellCipher,
  // bound to each cell); null stores them as plain JSON text, for tests and
  // tools that need no PHI protection. `audit`, when given, records every
  // stored output of a step whose capability's output holds PHI
  // (Capability::output_holds_phi) as a "workflow.step_output" event in the
  // transaction that stores it: an append that fails rolls the result back
  // (the step is attempted again after its lease). Both must outlive the
  // Engine.
  Engine(storage::Store& store, DefinitionStore& definitions,
         std::shared_ptr<CapabilityInvoker> invoker, const HubActions& actions,
         observability::Metrics& metrics, EngineOptions options,
         const records::CellCipher* cipher = nullptr, const audit::AuditWriter* audit = nullptr);
  ~Engine();  // stop()
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Starts the workers. Calling it twice is an error (kFailedPrecondition).
  sdk::Status start();
  // Stops the workers: each finishes the transaction it is in; a call in
  // flight is abandoned (its job stays leased and is taken over after the
  // lease, by this process after a restart or by another one); jobs claimed
  // or chained but not yet called are given back, due at once. Idempotent.
  void stop();

  // Creates a run inside the caller's transaction (so a consultation and its
  // run commit together) and schedules its first step; returns the run id.
  // Steps skipped by `when` and waits whose event is already stored are
  // settled here. Errors: kNotFound (workflow or version not deployed),
  // kFailedPrecondition (facility or consultation missing), storage errors.
  sdk::Result<std::string> start_run(storage::Transaction& tx, const StartRunRequest& request);
  // The same in a transaction of its own (retried on kConflict).
  sdk::Result<std::string> start_run(const StartRunRequest& request);

  // Stores an event from ingress and matches it (see above). `payload` is the
  // event's JSON form (sdk::Event), the output of the wait step it satisfies.
  sdk::Result<DeliveredEvent> deliver_event(const std::string& facility_id, const std::string& type,
                                            const std::string& correlation,
                                            const nlohmann::json& payload,
                                            const std::string& dedupe_key);

  // Delivers a batch of events inside the caller's read-write transaction
  // (the inbox dispatcher's, so the events, their runs' progress and the
  // inbox rows' new states commit together). Each event is delivered as
  // deliver_event() does and, when it meets a waiting run whose job no
  // worker holds, that run's wait is settled and its next step scheduled in
  // the same transaction (DeliveredEvent::advanced); a run whose job a worker
  // holds is left to that worker. Events are matched in order of their
  // (facility, type, correlation), so concurrent batches take the matching
  // locks in one order. Each event runs under a savepoint: one that fails
  // leaves nothing behind and gets its own error, the others go on. The
  // outer error means the transaction itself is unusable (roll it back).
  // After committing, call work_available() so workers pick up what the
  // batch scheduled.
  sdk::Result<std::vector<sdk::Result<DeliveredEvent>>> deliver_events(
      storage::Transaction& tx, const std::vector<IncomingEvent>& events);
  // Wakes idle workers (work was scheduled in a transaction they did not see).
  void work_available();

  // Cancels a running or waiting run: the compensation named by the
  // on_failure of the step it is in runs (with its `then` chain), then the
  // run ends "cancelled". A call in flight finishes first. kNotFound for an
  // unknown run; kFailedPrecondition when it already ended or is compensating.
  sdk::Status cancel(const std::string& run_id);
  // The same inside the caller's read-write transaction (the inbox
  // dispatcher's, so an EHR's cancellation and its inbox row commit
  // together); call work_available() after committing.
  sdk::Status cancel(storage::Transaction& tx, const std::string& run_id);

  // Resumes a failed run at the step that failed, with a fresh retry budget
  // (attempt numbers go on). Compensations that ran are not undone.
  // kFailedPrecondition unless the run is "failed".
  sdk::Status retry(const std::string& run_id);
  // The same inside the caller's read-write transaction (the API's, so the
  // retry, its audit event and its idempotency key commit together); call
  // work_available() after committing.
  sdk::Status retry(storage::Transaction& tx, const std::string& run_id);

  sdk::Result<RunTimeline> timeline(const std::string& run_id);

  // What the API asks about the runs of consultations, inside its own
  // transaction (facility-scoped like the record stores: a run of another
  // facility's consultation is not found). Storage errors as the
  // transaction reports them.
  // The most recent run of the consultation; nullopt when it has none.
  sdk::Result<std::optional<std::string>> consultation_run(storage::Transaction& tx,
                                                           std::string_view facility_id,
                                                           std::string_view consultation_id);
  // The deployed workflow version a run executes; kNotFound for an unknown run.
  sdk::Result<std::int64_t> run_workflow_version(storage::Transaction& tx, std::string_view run_id);
  // The role bindings the consultation's most recent run kept from its
  // start; empty when it has no run or the run kept none (created before
  // runs kept them).
  sdk::Result<RoleBindings> consultation_run_bindings(storage::Transaction& tx,
                                                      std::string_view facility_id,
                                                      std::string_view consultation_id);

  EngineStats stats() const;
  const std::string& engine_id() const;

 private:
  class Core;

  void worker_loop(int index);

  std::unique_ptr<Core> core_;
  std::mutex lifecycle_mutex_;
  bool started_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace wasl::workflow
