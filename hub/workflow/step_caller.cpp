#include "hub/workflow/step_caller.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <future>
#include <optional>
#include <string>

#include "hub/jobs/job_queue.hpp"
#include "hub/workflow/run_bindings.hpp"
#include "hub/workflow/step_guard.hpp"

namespace wasl::workflow {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

StepCaller::StepCaller(storage::Store& store, std::shared_ptr<CapabilityInvoker> invoker,
                       const HubActions& actions, observability::Metrics& metrics,
                       const EngineOptions& options)
    : store_(store),
      invoker_(std::move(invoker)),
      actions_(actions),
      metrics_(metrics),
      options_(options),
      shares_(options.calls_per_instance > 0 ? options.calls_per_instance : options.workers / 2),
      pool_(options.call_threads > 0 ? options.call_threads : std::max(options.workers, 1) + 2,
            std::max(options.workers, 1) * 4) {}

void StepCaller::stop() { pool_.stop(); }

CallOutcome StepCaller::call(const PreparedJob& p, const std::atomic<bool>& stopping) {
  CallOutcome outcome;
  if (p.render_error) {
    outcome.result = Result<json>(*p.render_error);
    return outcome;
  }
  const std::string& method = p.step->call;
  std::function<Result<json>()> work;
  if (method.rfind("hub.", 0) == 0) {
    const HubActions::Entry* entry = actions_.find(method);
    if (entry == nullptr) {
      outcome.result =
          Result<json>(Error(ErrorCode::kUnimplemented,
                             "hub action '" + method + "' is not available in this hub", false));
      return outcome;
    }
    if (entry->mode == HubActionMode::kInTransaction) {
      outcome.in_tx_action = true;
      return outcome;
    }
    HubActionContext ctx = action_context(p, nullptr);
    HubAction action = entry->action;
    json input = p.input;
    work = [action, ctx, input] { return action(ctx, input); };
  } else {
    // A busy instance (its bulkhead) is not waited on by a worker: the
    // step is deferred and the worker goes on with other work.
    const std::string instance = instance_for(p, method.substr(0, method.find('.')));
    std::shared_ptr<void> share;
    if (auto load = invoker_->load(instance)) {
      if (load->in_flight < load->limit) share = shares_.take(instance);
      if (!share) {
        const bool slow = load->in_flight >= load->limit || load->oldest >= options_.slow_call;
        outcome.busy = true;
        outcome.busy_instance = instance;
        outcome.busy_wait = busy_wait(instance, slow ? options_.busy_retry : options_.busy_recheck);
        return outcome;
      }
    }
    // What the host decides (identities, the facility's resources) is
    // settled before the plugin sees the input.
    Result<json> guarded =
        guard_step_input(store_, actions_, action_context(p, nullptr), method, p.input);
    if (!guarded.ok()) {
      outcome.refused = guarded.error().code == ErrorCode::kPermissionDenied;
      outcome.result = std::move(guarded);
      return outcome;
    }
    std::shared_ptr<CapabilityInvoker> invoker = invoker_;
    std::string facility = p.run.facility_id;
    RoleBindings pinned = p.run.bindings;
    json input = std::move(guarded).value();
    std::string key = p.key;
    // The worker's share of the instance is held until the call returns,
    // even one the worker gave up on.
    work = [invoker, pinned, facility, method, input, key, share]() mutable {
      auto result = invoker->invoke_bound(pinned, facility, method, input, key);
      share.reset();
      return result;
    };
  }
  auto deadline = std::chrono::steady_clock::now() + p.timeout;
  auto submitted = pool_.submit(std::move(work), deadline);
  if (!submitted.ok()) {
    outcome.result = Result<json>(std::move(submitted).error());
    return outcome;
  }
  std::shared_ptr<CallPool::Ticket> ticket = std::move(submitted).value();
  // A call longer than a third of the lease renews it, so the job is not
  // taken over while the call may still answer. A renewal runs beside the
  // watch, so one that hangs on an unreachable store cannot keep the call
  // going past the lease: at the lease's end without a stored renewal the
  // call is cancelled, as another worker may take the job over from then on.
  // (A pending renewal is waited for before returning: `renewal` is a
  // std::async future, bounded by the store's statement deadline.)
  auto renew_every = std::max(options_.lease / 3, std::chrono::milliseconds(1));
  auto next_renewal = std::chrono::steady_clock::now() + renew_every;
  auto held_until = p.leased_at + options_.lease;  // as far as this worker knows
  std::future<std::optional<bool>> renewal;
  std::chrono::steady_clock::time_point asked_at;
  auto give_up_lapsed = [&] {
    spdlog::warn(
        "step {} of run {}: the lease could not be renewed before it lapses; the call is "
        "cancelled",
        p.step->id, p.run.id);
    outcome.abandoned = true;
    abandon_call(p, *ticket);
    return outcome;
  };
  for (;;) {
    if (stopping.load()) {
      outcome.abandoned = true;
      abandon_call(p, *ticket);
      return outcome;
    }
    auto now = std::chrono::steady_clock::now();
    if (renewal.valid() &&
        renewal.wait_for(std::chrono::milliseconds(0)) == std::future_status::ready) {
      std::optional<bool> held = renewal.get();
      if (held == false && !ticket->done()) {
        // Another worker took the job over: its attempt supersedes this one.
        outcome.abandoned = true;
        abandon_call(p, *ticket);
        return outcome;
      }
      if (held == true) held_until = asked_at + options_.lease;
      next_renewal = now + renew_every;
      // The store could not be reached and the lease lapses before the next
      // try: stop now rather than at the lapse.
      if (!held && !ticket->done() && next_renewal >= held_until) return give_up_lapsed();
    }
    if (!renewal.valid() && now >= next_renewal) {
      asked_at = now;
      renewal = std::async(std::launch::async, [this, &p] { return renew_lease(p); });
    }
    if (now >= held_until && !ticket->done()) return give_up_lapsed();
    auto step = std::min({deadline, held_until, now + std::chrono::milliseconds(50)});
    if (!renewal.valid()) step = std::min(step, next_renewal);
    if (ticket->wait_until(step)) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      abandon_call(p, *ticket);
      outcome.result =
          Result<json>(Error(ErrorCode::kDeadlineExceeded,
                             "'" + method + "' did not answer within the step timeout of " +
                                 std::to_string(p.timeout.count()) + " ms",
                             true));
      return outcome;
    }
  }
  Result<json> result = ticket->take();
  if (!result.ok() && result.error().code == ErrorCode::kDeadlineExceeded &&
      std::chrono::steady_clock::now() >= deadline) {
    // The call kept to its budget and returned at the step's deadline: the
    // same error as when the worker gives up on it, with the call's detail.
    result = Error(ErrorCode::kDeadlineExceeded,
                   "'" + method + "' did not answer within the step timeout of " +
                       std::to_string(p.timeout.count()) + " ms: " + result.error().message,
                   true);
  }
  outcome.result = std::move(result);
  return outcome;
}

Result<json> StepCaller::call_in_transaction(storage::Transaction& tx, const PreparedJob& p) const {
  const HubActions::Entry* entry = actions_.find(p.step->call);
  Result<json> result = Error(ErrorCode::kInternal, "the hub action threw an exception");
  try {
    result = entry->action(action_context(p, &tx), p.input);
  } catch (...) {
  }
  return result;
}

sdk::Status StepCaller::notify_observer(storage::Transaction& tx, const PreparedJob& p,
                                        const Result<json>& result) const {
  const StepObserver* observer = actions_.observer(p.step->call);
  if (observer == nullptr) return {};
  return (*observer)(action_context(p, &tx), p.input, result);
}

std::chrono::milliseconds StepCaller::busy_wait(const std::string& instance,
                                                std::chrono::milliseconds base) {
  using std::chrono::milliseconds;
  const auto now = std::chrono::steady_clock::now();
  const milliseconds most = std::max(base, options_.busy_retry * 10);
  std::lock_guard lock(deferred_mutex_);
  auto& due = deferred_[instance];
  due.erase(due.begin(), due.upper_bound(now));
  const milliseconds wait = std::min(
      most, base * static_cast<std::int64_t>(std::min<std::size_t>(due.size() + 1, 100000)));
  due.insert(now + wait);
  return wait;
}

std::string StepCaller::instance_for(const PreparedJob& p, const std::string& role) const {
  std::string instance =
      bound_instance(p.run.bindings, invoker_->bindings(p.run.facility_id), role);
  return instance.empty() ? role : instance;
}

HubActionContext StepCaller::action_context(const PreparedJob& p, storage::Transaction* tx) const {
  HubActionContext ctx;
  ctx.run_id = p.run.id;
  ctx.facility_id = p.run.facility_id;
  ctx.consultation_id = p.run.consultation_id;
  ctx.workflow = p.run.workflow;
  ctx.step_id = p.step->id;
  ctx.idempotency_key = p.key;
  ctx.now_ms = engine_now_ms(options_);
  ctx.bindings = effective_bindings(p.run.bindings, invoker_->bindings(p.run.facility_id));
  ctx.tx = tx;
  ctx.store = &store_;
  return ctx;
}

// Extends the lease of a job whose call is still running: true when it was
// extended, false when it was lost, nullopt when the store could not say.
std::optional<bool> StepCaller::renew_lease(const PreparedJob& p) {
  auto tx = store_.begin();
  if (!tx.ok()) return std::nullopt;
  auto held = jobs::JobQueue::extend(**tx, jobs::held_job(p.job),
                                     engine_now_ms(options_) + options_.lease.count());
  if (!held.ok()) return std::nullopt;
  if (!*held) return false;
  if (!(*tx)->commit().ok()) return std::nullopt;
  return true;
}

void StepCaller::abandon_call(const PreparedJob& p, CallPool::Ticket& ticket) {
  ticket.cancel();
  abandoned_calls_.fetch_add(1);
  metrics_.counter_add("wasl_workflow_abandoned_calls_total",
                       "Step calls given up (cancelled) after their timeout, a lost lease or at "
                       "shutdown",
                       {});
}

}  // namespace wasl::workflow
