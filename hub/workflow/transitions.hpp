// Transitions: the state machine of a workflow run. Given where a run is and
// what just happened (a step succeeded, failed, was retried, a wait ended, an
// operator cancelled), it records the change and schedules the run's next
// job, inside the caller's transaction; the caller commits.
//
// Forward steps run in order; `when` skips a step; a wait whose event is
// already stored is settled at once; both are folded into the transition
// that reaches them. A step that fails for good follows its on_failure
// (definition.hpp): fail the run, continue with the next step, or start a
// compensation chain, which ends the run failed (or cancelled, when an
// operator cancelled it). Retries use backoff.hpp with jitter.
//
// `held` is the job the transition runs under, when a worker holds one; a
// transition through a job whose lease was lost fails with kConflict and
// must be rolled back.
//
// Thread-safety: no state of its own beyond a per-thread jitter source;
// any thread may call it. The RunRepository, EventMatcher and options must
// outlive it.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "hub/storage/store.hpp"
#include "hub/workflow/engine_options.hpp"
#include "hub/workflow/event_matcher.hpp"
#include "hub/workflow/language/definition.hpp"
#include "hub/workflow/prepared_job.hpp"
#include "hub/workflow/run_repository.hpp"
#include "hub/workflow/run_state.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::workflow {

class Transitions {
 public:
  Transitions(RunRepository& runs, EventMatcher& events, const EngineOptions& options);

  // Moves the run forward from step index `from`: settles skipped steps and
  // waits whose event is stored, then schedules the first step that needs a
  // worker, or ends the run succeeded when none is left.
  sdk::Status advance(storage::Transaction& tx, RunState& run, JobHolding* held, int from,
                      std::int64_t now);
  // Ends the run with a final status and removes its job.
  sdk::Status end_run(storage::Transaction& tx, RunState& run, JobHolding* held,
                      const std::string& status, const std::string& error, std::int64_t now);
  // Ends a cancelled run through the compensation of step `step_id`, if it has one.
  sdk::Status cancel_run(storage::Transaction& tx, RunState& run, JobHolding* held,
                         const std::string& step_id, std::int64_t now);

  // The call of `p` succeeded (its attempt is recorded): the compensation
  // chain goes on, the cancellation proceeds, or the run advances.
  sdk::Status call_succeeded(storage::Transaction& tx, PreparedJob& p, const nlohmann::json& output,
                             JobHolding* held, std::int64_t now);
  // The call of `p` failed (its attempt is recorded). When the error defers
  // the call or the step's retry policy allows another attempt, reschedules
  // the job and returns true: the failure is not settled. Otherwise false.
  sdk::Result<bool> retry_later(storage::Transaction& tx, const PreparedJob& p,
                                const sdk::Error& error, JobHolding* held, std::int64_t now);
  // The call of `p` failed for good: cancellation, the next compensation, or
  // the step's on_failure.
  sdk::Status call_failed(storage::Transaction& tx, PreparedJob& p, const sdk::Error& error,
                          JobHolding* held, std::int64_t now);
  // The wait job of `p` came due: its event was matched, the run is being
  // cancelled, it waits on (not yet at its deadline), or it timed out.
  sdk::Status wait_due(storage::Transaction& tx, PreparedJob& p, JobHolding* held,
                       std::int64_t now);

  // The index of `step_id` among the run's forward steps (their count when absent).
  static int index_of(const RunState& run, const std::string& step_id);
  // Seeds this thread's retry jitter (EngineOptions::jitter_seed).
  static void seed_jitter(std::uint64_t seed);

 private:
  sdk::Status schedule(storage::Transaction& tx, const RunState& run, JobHolding* held,
                       const char* kind, const nlohmann::json& payload, std::int64_t run_at,
                       std::int64_t now);
  sdk::Status start_compensation(storage::Transaction& tx, RunState& run, JobHolding* held,
                                 const std::string& compensation, const std::string& final_status,
                                 const std::string& error, std::int64_t now);
  sdk::Status step_failed(storage::Transaction& tx, RunState& run, JobHolding* held,
                          const Step& step, const sdk::Error& error, std::int64_t now);
  sdk::Status compensation_done(storage::Transaction& tx, RunState& run, JobHolding* held,
                                const Step& step, const nlohmann::json& payload,
                                const sdk::Error* error, std::int64_t now);

  RunRepository& runs_;
  EventMatcher& events_;
  const EngineOptions& options_;
};

// The error of a transition through a job whose lease another worker took over.
sdk::Error lease_lost(const RunState& run);

}  // namespace wasl::workflow
