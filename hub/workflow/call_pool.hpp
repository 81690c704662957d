// CallPool: the bounded executor that runs the engine's standalone calls
// (plugin capabilities and standalone hub actions). A fixed number of
// threads, started as calls arrive and kept for the pool's life, take calls
// from a bounded queue; each call runs under a CallBudget
// (plugin_host/call_budget.hpp) holding its deadline and a cancellation flag,
// which the plugin's HTTP requests and the archive's media sink obey. So a
// call the engine gives up on is cancelled, not abandoned: it ends shortly
// after (its HTTP transfer is aborted, the next one refused), and its thread
// is free again. A call that ignores the budget (CPU-bound plugin code) keeps
// its thread until it returns; further calls then queue, and past the queue's
// bound are refused (kResourceExhausted, retryable), never given a new thread.
//
// stop() cancels every queued and running call, waits for each running one
// to return (logging every 10 s while one does not) and joins the threads, so
// no call outlives the services it uses (the plugin host, the store, the
// archive's key ring) when the engine stops before they are destroyed. The
// pool may be used again after stop().
//
// Thread-safety: submit(), stop() and the tickets from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <vector>

#include "wasl/sdk/result.hpp"

namespace wasl::workflow {

class CallPool {
 public:
  using Work = std::function<sdk::Result<nlohmann::json>()>;
  using Clock = std::chrono::steady_clock;

  // One submitted call: wait for its result, or cancel it.
  class Ticket {
   public:
    // True once the call returned (or was cancelled before it started);
    // waits until then or `until`, whichever comes first.
    bool wait_until(Clock::time_point until);
    // True once the call returned; does not wait.
    bool done();
    // The call's result; only after wait_until() answered true.
    sdk::Result<nlohmann::json> take();
    // Asks the call to stop: its budget reads cancelled from now on; a call
    // still queued never starts.
    void cancel() { cancelled_->store(true); }

   private:
    friend class CallPool;
    void settle(sdk::Result<nlohmann::json> result);

    std::mutex mutex_;
    std::condition_variable done_cv_;
    bool done_ = false;
    std::optional<sdk::Result<nlohmann::json>> result_;
    std::shared_ptr<std::atomic<bool>> cancelled_ = std::make_shared<std::atomic<bool>>(false);
  };

  // `threads` ≥ 1 run calls; at most `max_queued` wait for one.
  CallPool(int threads, int max_queued);
  ~CallPool();
  CallPool(const CallPool&) = delete;
  CallPool& operator=(const CallPool&) = delete;

  // Queues `work` to run under a budget with `deadline`. An exception it
  // throws becomes kInternal. kResourceExhausted (retryable) when the queue
  // is full; kCancelled (retryable) while stop() runs.
  sdk::Result<std::shared_ptr<Ticket>> submit(Work work, Clock::time_point deadline);

  // Cancels every call, queued or running, and waits for the running ones to
  // return. Idempotent.
  void stop();

  // Calls running now (cancelled ones that have not returned included).
  int running() const;

 private:
  struct Task {
    Work work;
    Clock::time_point deadline;
    std::shared_ptr<Ticket> ticket;
  };
  void run_thread();

  const int threads_;
  const int max_queued_;
  mutable std::mutex mutex_;
  std::condition_variable work_cv_;
  std::condition_variable settled_;  // a running call returned
  std::deque<Task> queue_;
  std::vector<std::shared_ptr<Ticket>> in_flight_;
  std::vector<std::thread> pool_;
  int idle_ = 0;
  bool stopping_ = false;
};

}  // namespace wasl::workflow
