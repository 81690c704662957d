// PreparedJob: a workflow job a worker holds, prepared for its call in the
// claim transaction (or, for a chained step, in the transaction that
// finished the step before it); CallOutcome: what calling it gave;
// JobHolding: the lease a transition runs under; DeferredWrites: what
// transitions of several runs leave to write together. Plain data; owned by
// the worker that holds the job.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "hub/jobs/job_queue.hpp"
#include "hub/workflow/language/definition.hpp"
#include "hub/workflow/resource_guard.hpp"
#include "hub/workflow/run_repository.hpp"
#include "hub/workflow/run_state.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::workflow {

struct PreparedJob {
  jobs::ClaimedJob job;
  RunState run;
  const Step* step = nullptr;  // in run.definition; null when the step is unknown
  bool compensation = false;
  bool cancel = false;      // the run is being cancelled: do not call the step
  bool stale = false;       // the run ended: the job was removed in the claim
  std::string attempt_row;  // call jobs: the workflow_steps row of this attempt
  int attempt = 0;
  std::int64_t started_at = 0;
  std::string key;       // the step's idempotency key
  nlohmann::json input;  // the rendered `with`, idempotency_key added
  std::optional<sdk::Error> render_error;
  // Set with render_error when the input names a provider resource that is
  // not the run's facility's (resource_guard.hpp): the call is not made.
  std::optional<ResourceDenial> denied;
  std::chrono::milliseconds timeout{0};
  // When the lease was last set (steady clock), so a worker can renew it
  // before it lapses.
  std::chrono::steady_clock::time_point leased_at;
  // Wait jobs settled by an event delivery: the payload of the event just
  // matched to the run (so the wait need not read it back).
  std::optional<nlohmann::json> matched_event;
};

// The result of a call step, before it is recorded.
struct CallOutcome {
  std::optional<sdk::Result<nlohmann::json>> result;
  bool in_tx_action = false;  // run the hub action inside the finishing transaction
  bool abandoned = false;     // the engine is stopping or lost the job; record nothing
  // A step guard refused the input (its access.denied is already stored):
  // the step fails for good, whatever its retry policy lists.
  bool refused = false;
  // Not called: its plugin instance is busy (EngineOptions::slow_call). The
  // job is given back, due after `busy_wait`; nothing is recorded.
  bool busy = false;
  std::string busy_instance;
  std::chrono::milliseconds busy_wait{0};
};

// Writes that transitions of several runs, settled in one transaction,
// leave to be made together, one statement each (see
// Engine::deliver_events): a wait's settled attempt, a run's end and the
// removal of its job. Nothing else in those transitions reads these rows
// back; the holder writes them before anything that might.
struct DeferredWrites {
  std::vector<SettledAttempt> attempts;
  std::vector<EndedRun> ended;
  std::vector<jobs::HeldJob> removed;
};

// The job a transition runs under, when a worker holds one.
struct JobHolding {
  jobs::HeldJob job;
  // The holder may go on with the run's next call at once, in the same
  // lease, when that call is due now (EngineOptions::chain_steps).
  bool chain = false;
  // Set by the transition that did so: the payload of the call job now held.
  std::optional<nlohmann::json> chained;
  // When set, the writes DeferredWrites lists go there, not to the store.
  DeferredWrites* deferred = nullptr;
};

}  // namespace wasl::workflow
