// TaskRunner: work the hub owes the outside world once a transaction has
// committed, done on threads of its own and never inside a transaction.
//
// A feature records a task inside the transaction that decides it
// (JobQueue::request_task: a row of the jobs table of kind "task.<name>"
// whose id is the task's key, so asking for one task twice keeps one row)
// and registers a handler for the kind at start-up (handle()). Once that
// transaction commits, a runner thread claims the due task (a lease, as the
// engine's jobs: the runners of every hub process share the table, and a
// task whose runner died is taken over when its lease lapses) and calls the
// handler outside any transaction, under a CallBudget
// (plugin_host/call_budget.hpp) that ends at the task's deadline and is
// cancelled when the runner stops. A slow provider therefore holds a runner
// thread, never a database lock, and nothing else waits for it.
//
// What the handler answers decides what becomes of the task:
//   ok                   done: the row is deleted, unless the task was asked
//                        for again while it ran (JobQueue::finish_task), in
//                        which case it runs once more;
//   a retryable error    tried again after a backoff (the error's
//                        retry_after when longer), last_error kept;
//   any other error, or  the handler's give_up() runs in the transaction
//   the last attempt     that deletes the row, so what the task could not
//                        do is recorded exactly once.
// A provider that hangs holds only its share of the runner threads: a
// handler names the plugin instance a task calls (TaskHandler::instance), at
// most calls_per_instance runs of one instance go at once in a runner, and
// a task claimed beyond that is deferred (due again after busy_retry, its
// attempt not counted), so every other instance's tasks keep their threads.
// A task's outside effect happens at least once: a runner that dies after
// the handler's call and before the settling commit leaves the task to be
// taken over and run again, so the calls a handler makes carry a key
// derived from the task, which the plugin honours.
//
// Thread-safety: handle() before start(); start(), stop() and wake() from
// any thread. The Store, Metrics and handlers must outlive the runner.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/jobs/instance_shares.hpp"
#include "hub/jobs/job_queue.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::jobs {

// A claimed task, as its handler sees it.
struct Task {
  std::string key;         // the jobs row's id: what the task is about
  std::string kind;        // "task.ehr_booking"
  nlohmann::json payload;  // as last requested
  int attempt = 1;         // 1 for the first run, 2 for the first retry, …
};

// What a run leaves to write, in the transaction that settles its task (see
// the file comment); may be empty. An error rolls that transaction back and
// counts as a failed run.
using TaskSettlement = std::function<sdk::Status(storage::Transaction& tx)>;

class TaskHandler {
 public:
  virtual ~TaskHandler() = default;
  // Does the task's outside work, outside any transaction (see the file
  // comment), and answers what to write once it is done.
  virtual sdk::Result<TaskSettlement> run(const Task& task) = 0;
  // Records, in `tx` (which also deletes the task), that the task will not
  // be done: `error` is its last error. An error rolls that transaction
  // back; the task is then tried again after its lease.
  virtual sdk::Status give_up(storage::Transaction& tx, const Task& task,
                              const sdk::Error& error) = 0;
  // Called after the transaction that wrote a successful run's settlement
  // committed; default nothing (e.g. wake the workers of a run the
  // settlement started).
  virtual void settled(const Task& task) { (void)task; }
  // The plugin instance a run of `task` calls; empty when it calls none
  // (or several), which puts it under no instance's share. Default: the
  // payload's "instance" member, which the tasks that call one carry.
  virtual std::string instance(const Task& task) const {
    if (!task.payload.is_object()) return {};
    auto it = task.payload.find("instance");
    return it != task.payload.end() && it->is_string() ? it->get<std::string>() : std::string();
  }
};

struct TaskRunnerOptions {
  int threads = 4;
  // Runs of one plugin instance at once in this runner; 0: threads / 2, at
  // least 1. A task beyond it is deferred by busy_retry (with up to a
  // quarter more, at random, so deferred tasks spread out).
  int calls_per_instance = 0;
  std::chrono::milliseconds busy_retry{1000};
  // How long a claim holds a task; a run's budget ends a tenth of it earlier.
  std::chrono::milliseconds lease{120000};
  // How often an idle runner looks for due tasks (wake() cuts it short).
  std::chrono::milliseconds poll_interval{1000};
  int max_attempts = 8;                             // runs before give_up()
  std::chrono::milliseconds initial_backoff{1000};  // doubled per failed run
  std::chrono::milliseconds max_backoff{300000};
  std::string owner = "tasks";  // lease owner prefix (the engine id)
};

class TaskRunner {
 public:
  // `metrics` may be null (tests).
  TaskRunner(storage::Store& store, TaskRunnerOptions options,
             observability::Metrics* metrics = nullptr);
  ~TaskRunner();  // stop()
  TaskRunner(const TaskRunner&) = delete;
  TaskRunner& operator=(const TaskRunner&) = delete;

  // Registers the handler of `kind` ("task.ehr_booking"); kAlreadyExists
  // when the kind has one, kInvalidArgument unless it starts with "task.",
  // kFailedPrecondition once started.
  sdk::Status handle(const std::string& kind, std::shared_ptr<TaskHandler> handler);

  // Starts the runner threads; kFailedPrecondition when already started.
  sdk::Status start();
  // Cancels the runs in progress (their budgets report cancelled), waits for
  // them to return and joins the threads. A cancelled run's task stays
  // leased and is taken over after its lease (by this process after a
  // restart, or by another). Idempotent.
  void stop();
  // Asks for a pass now (a transaction that requested tasks committed):
  // one idle thread looks.
  void wake();

  // One pass: claims at most one due task and runs it to its end, on the
  // calling thread. Returns whether a task was claimed. For tests and tools.
  sdk::Result<bool> run_once();

 private:
  void loop();
  // The settling transaction of a successful run; false when the task was
  // taken over meanwhile (nothing written).
  sdk::Result<bool> settle(const ClaimedTask& claimed, const TaskSettlement& settlement);
  // The transaction after a failed run: retried, or given up. The outcome's
  // metric label.
  sdk::Result<const char*> settle_failure(const ClaimedTask& claimed, const Task& task,
                                          TaskHandler* handler, const sdk::Error& error);

  storage::Store& store_;
  TaskRunnerOptions options_;
  observability::Metrics* metrics_;
  std::map<std::string, std::shared_ptr<TaskHandler>, std::less<>> handlers_;
  std::shared_ptr<std::atomic<bool>> cancelled_;
  // Runs of each plugin instance in progress (calls_per_instance at most).
  std::unique_ptr<InstanceShares> shares_;
  // Gives a claimed task back, due after busy_retry, its claim not counted.
  sdk::Status defer(const ClaimedTask& claimed);

  std::mutex mutex_;
  std::condition_variable wakeup_;
  std::uint64_t wakes_ = 0;
  bool started_ = false;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace wasl::jobs
