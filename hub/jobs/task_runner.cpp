#include "hub/jobs/task_runner.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <random>

#include "hub/jobs/job_queue.hpp"
#include "hub/plugin_host/call_budget.hpp"
#include "wasl/sdk/backoff.hpp"

namespace wasl::jobs {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

TaskRunner::TaskRunner(storage::Store& store, TaskRunnerOptions options,
                       observability::Metrics* metrics)
    : store_(store),
      options_(std::move(options)),
      metrics_(metrics),
      cancelled_(std::make_shared<std::atomic<bool>>(false)) {
  options_.threads = std::clamp(options_.threads, 1, 64);
  if (options_.calls_per_instance <= 0) {
    options_.calls_per_instance = std::max(1, options_.threads / 2);
  }
  shares_ = std::make_unique<InstanceShares>(options_.calls_per_instance);
  options_.max_attempts = std::max(1, options_.max_attempts);
  if (options_.lease.count() < 1000) options_.lease = std::chrono::milliseconds(1000);
}

TaskRunner::~TaskRunner() { stop(); }

Status TaskRunner::handle(const std::string& kind, std::shared_ptr<TaskHandler> handler) {
  std::lock_guard lock(mutex_);
  if (started_) {
    return Error(ErrorCode::kFailedPrecondition,
                 "task handlers are registered before the task runner starts (" + kind + ")",
                 false);
  }
  if (kind.rfind(kTaskKindPrefix, 0) != 0 || kind.size() == kTaskKindPrefix.size()) {
    return Error(ErrorCode::kInvalidArgument,
                 "a task kind starts with \"task.\" and names the task: " + kind, false);
  }
  if (!handlers_.emplace(kind, std::move(handler)).second) {
    return Error(ErrorCode::kAlreadyExists, "task kind " + kind + " has a handler already", false);
  }
  return {};
}

Status TaskRunner::start() {
  std::lock_guard lock(mutex_);
  if (started_) {
    return Error(ErrorCode::kFailedPrecondition, "the task runner is already started", false);
  }
  started_ = true;
  stopping_ = false;
  cancelled_->store(false);
  if (metrics_ != nullptr) {
    metrics_->gauge_set("wasl_task_runner_threads",
                        "Threads of this process's task runner (tasks.threads).", {},
                        options_.threads);
    metrics_->gauge_set("wasl_task_runner_calls_per_instance",
                        "Task runner threads one plugin instance may hold at once "
                        "(tasks.calls_per_instance).",
                        {}, options_.calls_per_instance);
  }
  for (int i = 0; i < options_.threads; ++i) threads_.emplace_back([this] { loop(); });
  return {};
}

void TaskRunner::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cancelled_->store(true);
  wakeup_.notify_all();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
  std::lock_guard lock(mutex_);
  started_ = false;
}

// One idle thread looks; one that claims a task wakes the next before it
// runs it (run_once), so a burst of due tasks still spreads over the
// threads while a wake with nothing due costs one look, not one a thread.
void TaskRunner::wake() {
  {
    std::lock_guard lock(mutex_);
    ++wakes_;
  }
  wakeup_.notify_one();
}

void TaskRunner::loop() {
  while (true) {
    std::uint64_t seen = 0;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      seen = wakes_;
    }
    auto ran = run_once();
    if (!ran.ok()) {
      spdlog::warn("task runner: {}", ran.error().message);
    } else if (*ran) {
      continue;  // one task done; more may be due
    }
    std::unique_lock lock(mutex_);
    wakeup_.wait_for(lock, options_.poll_interval,
                     [this, seen] { return stopping_ || wakes_ != seen; });
  }
}

Result<bool> TaskRunner::run_once() {
  const std::int64_t claimed_at = now_ms();
  {
    // Idle passes read only: on SQLite a claim takes the write lock.
    WASL_ASSIGN_OR_RETURN(auto look, store_.begin(storage::TxMode::kReadOnly));
    WASL_ASSIGN_OR_RETURN(bool due, JobQueue::any_task_due(*look, claimed_at));
    look->rollback();
    if (!due) return false;
  }
  ClaimedTask claimed;
  {
    WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadWrite));
    WASL_ASSIGN_OR_RETURN(auto tasks, JobQueue::claim_tasks(*tx, store_.dialect(), options_.owner,
                                                            claimed_at, options_.lease, 1));
    if (tasks.empty()) {
      tx->rollback();
      return false;
    }
    WASL_RETURN_IF_ERROR(tx->commit());
    claimed = std::move(tasks.front());
  }
  wake();  // more may be due: another thread looks while this one runs

  Task task{claimed.id, claimed.kind, claimed.payload, claimed.claims};
  std::shared_ptr<TaskHandler> handler;
  if (auto it = handlers_.find(claimed.kind); it != handlers_.end()) handler = it->second;
  // The instance's share of this runner, held until the run ends; a task
  // beyond it waits for a later pass.
  std::shared_ptr<void> share;
  if (const std::string instance = handler ? handler->instance(task) : std::string();
      !instance.empty()) {
    share = shares_->take(instance);
    if (!share) {
      WASL_RETURN_IF_ERROR(defer(claimed));
      if (metrics_ != nullptr) {
        metrics_->counter_add("wasl_tasks_deferred_total",
                              "Tasks put back because their plugin instance had its share of "
                              "the task runner's threads busy, by instance.",
                              {{"instance", instance}}, 1);
      }
      return true;
    }
  }

  TaskSettlement settlement;
  Status outcome;
  if (!handler) {
    // A kind this process does not know (another hub's, or one removed):
    // left for a process that does, after the longest backoff.
    outcome = Error(ErrorCode::kUnimplemented, "no handler for task kind " + claimed.kind, true,
                    options_.max_backoff);
  } else {
    plugin_host::CallBudget budget;
    budget.deadline = std::chrono::steady_clock::now() + options_.lease - options_.lease / 10;
    budget.cancelled = cancelled_;
    plugin_host::ScopedCallBudget scope(std::move(budget));
    try {
      auto ran = handler->run(task);
      if (ran.ok()) {
        settlement = std::move(ran).value();
      } else {
        outcome = std::move(ran).error();
      }
    } catch (const std::exception& e) {
      outcome = Error(ErrorCode::kInternal, std::string("task handler threw: ") + e.what(), false);
    }
  }

  const char* label = "done";
  if (outcome.ok()) {
    auto settled = settle(claimed, settlement);
    if (!settled.ok()) {
      outcome = std::move(settled).error();  // nothing of it committed: a failed run
    } else if (!*settled) {
      label = "lost";
    } else {
      handler->settled(task);
    }
  }
  if (!outcome.ok()) {
    WASL_ASSIGN_OR_RETURN(label, settle_failure(claimed, task, handler.get(), outcome.error()));
  }
  if (metrics_ != nullptr) {
    metrics_->counter_add("wasl_tasks_total", "Tasks run, by kind and outcome",
                          {{"kind", claimed.kind}, {"outcome", label}}, 1);
  }
  return true;
}

Status TaskRunner::defer(const ClaimedTask& claimed) {
  const std::int64_t now = now_ms();
  const std::int64_t base = options_.busy_retry.count();
  std::int64_t jitter = 0;
  if (base >= 4) {
    thread_local std::minstd_rand random(std::random_device{}());
    jitter = std::uniform_int_distribution<std::int64_t>(0, base / 4)(random);
  }
  WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadWrite));
  WASL_ASSIGN_OR_RETURN(bool held, JobQueue::defer_task(*tx, claimed, now + base + jitter));
  if (!held) {
    tx->rollback();
    return {};
  }
  return tx->commit();
}

Result<bool> TaskRunner::settle(const ClaimedTask& claimed, const TaskSettlement& settlement) {
  WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadWrite));
  if (settlement) WASL_RETURN_IF_ERROR(settlement(*tx));
  WASL_ASSIGN_OR_RETURN(bool held, JobQueue::finish_task(*tx, claimed, now_ms()));
  if (!held) {
    tx->rollback();  // taken over meanwhile: the new holder settles it
    return false;
  }
  WASL_RETURN_IF_ERROR(tx->commit());
  return true;
}

Result<const char*> TaskRunner::settle_failure(const ClaimedTask& claimed, const Task& task,
                                               TaskHandler* handler, const Error& error) {
  const std::int64_t now = now_ms();
  const bool stopping = cancelled_->load();
  WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadWrite));
  const char* label = "retried";
  bool held = false;
  if (stopping || handler == nullptr || (error.retryable && task.attempt < options_.max_attempts)) {
    std::chrono::milliseconds delay{0};
    if (!stopping) {
      const sdk::Backoff doubling{options_.initial_backoff, 2.0, options_.max_backoff};
      delay = sdk::backoff_delay(doubling, task.attempt - 1);
      if (error.retry_after) delay = std::max(delay, *error.retry_after);
    } else {
      label = "stopped";
    }
    WASL_ASSIGN_OR_RETURN(
        held, JobQueue::retry_task(*tx, claimed, now + delay.count(), error.message, now));
  } else {
    WASL_RETURN_IF_ERROR(handler->give_up(*tx, task, error));
    WASL_ASSIGN_OR_RETURN(held, JobQueue::finish_task(*tx, claimed, now));
    label = "given_up";
    spdlog::warn("task {} ({}) given up after {} run(s): {}", claimed.id, claimed.kind,
                 task.attempt, error.message);
  }
  if (!held) {
    tx->rollback();
    return "lost";
  }
  WASL_RETURN_IF_ERROR(tx->commit());
  return label;
}

}  // namespace wasl::jobs
