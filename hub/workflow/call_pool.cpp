#include "hub/workflow/call_pool.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <string>

#include "hub/plugin_host/call_budget.hpp"

namespace wasl::workflow {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

bool CallPool::Ticket::wait_until(Clock::time_point until) {
  std::unique_lock lock(mutex_);
  return done_cv_.wait_until(lock, until, [this] { return done_; });
}

bool CallPool::Ticket::done() {
  std::lock_guard lock(mutex_);
  return done_;
}

Result<json> CallPool::Ticket::take() {
  std::lock_guard lock(mutex_);
  if (!result_) return Error(ErrorCode::kInternal, "the call has not returned", false);
  Result<json> out = std::move(*result_);
  result_.reset();
  return out;
}

void CallPool::Ticket::settle(Result<json> result) {
  std::lock_guard lock(mutex_);
  result_ = std::move(result);
  done_ = true;
  done_cv_.notify_all();
}

CallPool::CallPool(int threads, int max_queued)
    : threads_(std::max(threads, 1)), max_queued_(std::max(max_queued, 1)) {}

CallPool::~CallPool() { stop(); }

Result<std::shared_ptr<CallPool::Ticket>> CallPool::submit(Work work, Clock::time_point deadline) {
  auto ticket = std::make_shared<Ticket>();
  std::lock_guard lock(mutex_);
  if (stopping_) {
    return Error(ErrorCode::kCancelled, "the workflow engine is stopping; the call was not made",
                 true);
  }
  if (static_cast<int>(queue_.size()) >= max_queued_) {
    return Error(ErrorCode::kResourceExhausted,
                 "every call thread is busy and " + std::to_string(max_queued_) +
                     " calls already wait for one; the call was not made",
                 true);
  }
  queue_.push_back(Task{std::move(work), deadline, ticket});
  // A new thread only when none is idle and the pool is not at its size.
  if (idle_ == 0 && static_cast<int>(pool_.size()) < threads_) {
    pool_.emplace_back([this] { run_thread(); });
  } else {
    work_cv_.notify_one();
  }
  return ticket;
}

void CallPool::run_thread() {
  std::unique_lock lock(mutex_);
  for (;;) {
    ++idle_;
    work_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    --idle_;
    if (queue_.empty()) return;  // stopping, nothing left
    Task task = std::move(queue_.front());
    queue_.pop_front();
    if (task.ticket->cancelled_->load()) {
      lock.unlock();
      task.ticket->settle(
          Error(ErrorCode::kCancelled, "the call was cancelled before it started", true));
      lock.lock();
      continue;
    }
    in_flight_.push_back(task.ticket);
    lock.unlock();
    Result<json> result = Error(ErrorCode::kInternal, "the call threw an exception", false);
    {
      plugin_host::ScopedCallBudget budget({task.deadline, task.ticket->cancelled_});
      try {
        result = task.work();
      } catch (const std::exception& e) {
        result = Error(ErrorCode::kInternal,
                       std::string("the call threw an exception: ") + e.what(), false);
      } catch (...) {
      }
    }
    task.work = nullptr;  // what the call captured goes before the ticket settles
    task.ticket->settle(std::move(result));
    lock.lock();
    in_flight_.erase(std::find(in_flight_.begin(), in_flight_.end(), task.ticket));
    settled_.notify_all();
  }
}

void CallPool::stop() {
  std::vector<std::thread> threads;
  std::deque<Task> never_started;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    never_started.swap(queue_);
    for (const auto& ticket : in_flight_) ticket->cancel();
    if (!in_flight_.empty()) {
      spdlog::info("stopping: cancelled {} running call(s); waiting for them to return",
                   in_flight_.size());
    }
    threads.swap(pool_);
    work_cv_.notify_all();
  }
  for (Task& task : never_started) {
    task.ticket->cancel();
    task.ticket->settle(
        Error(ErrorCode::kCancelled, "the workflow engine stopped before the call started", true));
  }
  {
    // A call that ignores its cancellation (CPU-bound plugin code, a blocking
    // call outside the host's services) is waited for, never left behind;
    // the wait is logged so an operator sees what holds the shutdown.
    std::unique_lock lock(mutex_);
    while (
        !settled_.wait_for(lock, std::chrono::seconds(10), [this] { return in_flight_.empty(); })) {
      spdlog::warn("stopping: waiting for {} cancelled call(s) to return", in_flight_.size());
    }
  }
  for (auto& thread : threads) thread.join();
  std::lock_guard lock(mutex_);
  stopping_ = false;
}

int CallPool::running() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(in_flight_.size());
}

}  // namespace wasl::workflow
