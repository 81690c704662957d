// StepCaller: calls the code behind a call step — a plugin capability through
// the CapabilityInvoker or a built-in hub action — within the step's time
// limit, and hands a settled result to the method's observer. A plugin
// capability's input first passes the method's step guard (step_guard.hpp);
// a refusal is the step's result, and the plugin is not called.
//
// A standalone call runs on the StepCaller's CallPool (call_pool.hpp: a
// bounded set of threads, EngineOptions::call_threads) under a budget holding
// the step's deadline; the worker waits for it up to PreparedJob::timeout and
// then records kDeadlineExceeded. A call the worker gives up on — past its
// timeout, when a lease renewal finds the job taken over or cannot reach the
// store before the lease lapses, or when the engine stops — is cancelled: its
// plugin's HTTP requests are aborted and refused from then on
// (plugin_host/call_budget.hpp), so it returns soon and frees its thread;
// nothing is recorded for it (another worker may take the job over), and
// wasl_workflow_abandoned_calls_total counts it. While a call runs longer
// than a third of the lease, the caller renews the job's lease. An exception
// thrown by the call becomes kInternal. stop() cancels every call and waits
// for them to return.
//
// Bulkheads: the workers' calls into one plugin instance are at most
// EngineOptions::calls_per_instance (default half the workers) at once, and none go to an instance
// whose own gate is full (CapabilityInvoker::load); a step beyond is not called (CallOutcome::busy)
// and its job is given back, due again soon, or after EngineOptions::busy_retry when the instance
// is slow or full. An invoker that does not know its instances' load (load() nullopt) is not
// limited.
//
// Thread-safety: any number of workers may call it at once. The Store,
// HubActions, Metrics and options must outlive it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "hub/jobs/instance_shares.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/storage/store.hpp"
#include "hub/workflow/call_pool.hpp"
#include "hub/workflow/capability_invoker.hpp"
#include "hub/workflow/engine_options.hpp"
#include "hub/workflow/hub_actions.hpp"
#include "hub/workflow/prepared_job.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::workflow {

class StepCaller {
 public:
  StepCaller(storage::Store& store, std::shared_ptr<CapabilityInvoker> invoker,
             const HubActions& actions, observability::Metrics& metrics,
             const EngineOptions& options);

  // Calls the step of `p` (whose input is rendered) and waits for it as
  // described above; `stopping` abandons the wait. An in-transaction hub
  // action is not called here: the outcome says so (in_tx_action) and the
  // caller runs it with call_in_transaction().
  CallOutcome call(const PreparedJob& p, const std::atomic<bool>& stopping);
  // Runs the in-transaction hub action of `p` inside `tx`. An exception
  // becomes kInternal.
  sdk::Result<nlohmann::json> call_in_transaction(storage::Transaction& tx,
                                                  const PreparedJob& p) const;
  // Hands the settled `result` of `p` to its method's observer
  // (HubActions::observe) inside `tx`; ok when there is none.
  sdk::Status notify_observer(storage::Transaction& tx, const PreparedJob& p,
                              const sdk::Result<nlohmann::json>& result) const;

  // The plugin instance `role` resolves to for the run of `p` (its snapshot,
  // else the facility's current binding); the role's name itself when the
  // invoker resolves roles through no bindings.
  std::string instance_for(const PreparedJob& p, const std::string& role) const;

  // Calls given up: past their timeout, after a lost lease, or at shutdown.
  std::int64_t abandoned_calls() const { return abandoned_calls_.load(); }

  // Cancels every running call and waits for each to return (the engine
  // calls it once its workers stopped). Calls may be made again afterwards.
  void stop();

 private:
  // How long a step refused a share of `instance` waits: `base` once for
  // itself and once for each step of the instance deferred before it and
  // not yet due again, at most ten busy_retry. A crowd of steps waiting for
  // one busy instance so spreads out instead of every step asking again
  // every `base` (each ask is a claim and a give-back).
  std::chrono::milliseconds busy_wait(const std::string& instance, std::chrono::milliseconds base);
  HubActionContext action_context(const PreparedJob& p, storage::Transaction* tx) const;
  std::optional<bool> renew_lease(const PreparedJob& p);
  void abandon_call(const PreparedJob& p, CallPool::Ticket& ticket);

  storage::Store& store_;
  std::shared_ptr<CapabilityInvoker> invoker_;
  const HubActions& actions_;
  observability::Metrics& metrics_;
  const EngineOptions& options_;
  std::atomic<std::int64_t> abandoned_calls_{0};
  std::mutex deferred_mutex_;
  // The workers' calls into each instance (at most half the workers at once).
  jobs::InstanceShares shares_;
  // instance -> when its deferred steps are due again, soonest first
  std::map<std::string, std::multiset<std::chrono::steady_clock::time_point>> deferred_;
  CallPool pool_;  // last: destroyed (stopped) first
};

}  // namespace wasl::workflow
