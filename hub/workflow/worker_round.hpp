// WorkerRound: one round of a workflow worker — claim due jobs
// (JobClaimer), call each (StepCaller), record what came of it and what
// follows (StepFinisher) — and, while the run goes on with a call due at
// once in the same lease (EngineOptions::chain_steps), call and finish that
// one too. The Engine's worker threads run rounds in a loop.
//
// Before each call a job's lease is renewed when a third of it has passed;
// a job whose lease was lost is left to its new holder. Once the engine
// stops, the jobs of the round not yet called are given back (due at once,
// their uncalled attempts removed) and a call in flight is abandoned:
// nothing is recorded for it, and the job is taken over after its lease.
//
// Errors: work_once() returns the claim's error; a finish that could not be
// recorded is logged and its job left to lapse, and the round goes on.
//
// Thread-safety: any number of workers may run rounds at once. The
// JobClaimer, StepCaller and StepFinisher must outlive it.
#pragma once

#include <atomic>

#include "hub/workflow/job_claimer.hpp"
#include "hub/workflow/step_caller.hpp"
#include "hub/workflow/step_finisher.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::workflow {

class WorkerRound {
 public:
  WorkerRound(JobClaimer& claimer, StepCaller& caller, StepFinisher& finisher);

  // Claims up to claim_batch jobs for worker `worker` and works them in
  // turn; each goes on with the run's next steps while they are due at once
  // (chain_steps). `stopping` ends the round as described above. Returns the
  // number of jobs claimed (0: none was due).
  sdk::Result<int> work_once(int worker, const std::atomic<bool>& stopping);

 private:
  JobClaimer& claimer_;
  StepCaller& caller_;
  StepFinisher& finisher_;
};

}  // namespace wasl::workflow
