// EngineOptions: how a workflow Engine runs (workers, leases, timeouts, the
// clock), shared read-only by the engine's parts.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "hub/workflow/language/reference.hpp"

namespace wasl::workflow {

struct EngineOptions {
  // Worker threads claiming jobs; 0 = none (the process only starts runs and
  // delivers events; other processes execute them).
  int workers = 4;
  // How long a claim holds a job before another worker may take it over.
  std::chrono::milliseconds lease{30000};
  // How often an idle worker looks for due jobs (work started or woken in
  // this process is noticed at once).
  std::chrono::milliseconds poll_interval{200};
  // Threads running standalone calls (plugin capabilities, standalone hub
  // actions); 0 = workers + 2. A call the engine gave up on keeps its thread
  // until it returns (step_caller.hpp), so the spare threads keep the
  // workers going meanwhile.
  int call_threads = 0;
  // Timeout of a call step that declares none.
  std::chrono::milliseconds default_call_timeout{300000};
  // Jobs one claim takes at most (each is processed in turn by the claimer;
  // a job's lease is extended before its call when a third of it has passed
  // since the claim).
  int claim_batch = 1;
  // A worker that finishes a step whose run goes on with a call due at once
  // records the result and the next attempt's start in one commit and calls
  // that step itself, still holding the run's job (see engine.hpp).
  bool chain_steps = true;
  // Group commit (commit_group.hpp): the finishes of steps that workers
  // record at the same time share one transaction, up to this many; below 2,
  // each finish commits alone. Only finishes that wait for one of the
  // `commit_group_leaders` groups in flight are grouped, so an idle engine
  // still commits each finish at once.
  int commit_group = 16;
  int commit_group_leaders = 4;
  // Names this process in lease tokens; empty = "<host>-<pid>-<random>".
  std::string engine_id;
  // Wall clock; unset = system clock. Run, job and step times use it.
  std::function<std::chrono::system_clock::time_point()> clock;
  // ${env:NAME} in workflow values; unset = every env reference is an error.
  EnvLookup env;
  // Seeds jitter; 0 = random.
  std::uint64_t jitter_seed = 0;
  // Bulkheads (step_caller.hpp, plugin_host/call_gate.hpp): the workers wait
  // on at most `calls_per_instance` calls into one plugin instance at once
  // (0 = half the workers, at least one), and on none into an instance with
  // as many calls running as its own limit. A step beyond is not called: its job is given
  // back, its attempt not counted, due again after `busy_retry` when the
  // instance is slow (a call running `slow_call` or longer) or full, else
  // after `busy_recheck`; each wait multiplied by one more than the
  // instance's steps already deferred and not yet due again (at most ten
  // `busy_retry`), and given up to as much again of jitter. So one provider
  // that hangs holds at most half the workers, and a crowd of steps waiting
  // for it spreads out rather than claiming and giving back in a storm.
  int calls_per_instance = 0;
  std::chrono::milliseconds slow_call{1000};
  std::chrono::milliseconds busy_retry{1000};
  std::chrono::milliseconds busy_recheck{50};
};

// Milliseconds since the epoch on `options.clock` (the system clock when unset).
inline std::int64_t engine_now_ms(const EngineOptions& options) {
  auto now = options.clock ? options.clock() : std::chrono::system_clock::now();
  return std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
}

}  // namespace wasl::workflow
