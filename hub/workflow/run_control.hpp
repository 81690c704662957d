// RunControl: what callers do to a run from outside its steps — start it,
// cancel it, retry it after it failed. Each works inside a transaction:
// the caller's, or for cancel and retry by run id alone, one of its own
// that it commits. None wakes the engine's workers: the Engine does that
// once the transaction committed (Engine::work_available).
//
// start_run creates the run's row and moves it forward through its first
// steps as Transitions::advance does; cancel marks the run cancelling and
// makes its job due now (a worker holding it sees the cancel when it
// finishes), and the worker that takes the job runs the compensation;
// retry clears the failure and moves the run forward again from the step
// that failed, its jobs replaced.
//
// Errors: as Engine::start_run, cancel and retry state them; storage errors
// as the transaction reports them (kConflict: roll back and try again).
//
// Thread-safety: stateless apart from its borrowed collaborators; any
// thread may call it. The Store, DefinitionStore, RunRepository,
// Transitions and options must outlive it.
#pragma once

#include <memory>
#include <string>

#include "hub/storage/store.hpp"
#include "hub/workflow/capability_invoker.hpp"
#include "hub/workflow/definition_store.hpp"
#include "hub/workflow/engine_options.hpp"
#include "hub/workflow/run_repository.hpp"
#include "hub/workflow/transitions.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::workflow {

struct StartRunRequest;  // engine.hpp

class RunControl {
 public:
  // `invoker` gives a new run the facility's role bindings.
  RunControl(storage::Store& store, DefinitionStore& definitions,
             std::shared_ptr<CapabilityInvoker> invoker, RunRepository& runs,
             Transitions& transitions, const EngineOptions& options);

  // Creates a run in `tx` and schedules its first step; returns the run id.
  sdk::Result<std::string> start_run(storage::Transaction& tx, const StartRunRequest& request);

  // Cancels the run in a transaction of its own.
  sdk::Status cancel(const std::string& run_id);
  // Cancels the run in `tx`; ok at once when it is already cancelling.
  sdk::Status cancel_in(storage::Transaction& tx, const std::string& run_id);

  // Retries the failed run in a transaction of its own.
  sdk::Status retry(const std::string& run_id);
  // Retries the failed run in `tx`.
  sdk::Status retry_in(storage::Transaction& tx, const std::string& run_id);

 private:
  storage::Store& store_;
  DefinitionStore& definitions_;
  std::shared_ptr<CapabilityInvoker> invoker_;
  RunRepository& runs_;
  Transitions& transitions_;
  const EngineOptions& options_;
};

}  // namespace wasl::workflow
