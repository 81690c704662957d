// CallPool: a bounded number of threads, a bounded queue, each call under its
// budget, cancellation of queued and running calls, and stop() waiting for
// every call to return.
#include "hub/workflow/call_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "hub/plugin_host/call_budget.hpp"

namespace wasl::workflow {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using sdk::ErrorCode;
using sdk::Result;
using Clock = std::chrono::steady_clock;

// Calls that wait until released (or until their call is cancelled, as a
// plugin's HTTP request would be), counting how many run at once.
struct Gate {
  std::mutex mutex;
  std::condition_variable changed;
  bool open = false;
  int running = 0;
  int most = 0;
  int started = 0;

  CallPool::Work work() {
    return [this]() -> Result<json> {
      std::unique_lock lock(mutex);
      ++started;
      most = std::max(most, ++running);
      changed.notify_all();
      while (!open) {
        if (auto go = plugin_host::call_may_continue("the gated call"); !go.ok()) {
          --running;
          changed.notify_all();
          return go.error();
        }
        changed.wait_for(lock, 5ms);
      }
      --running;
      changed.notify_all();
      return json{{"ok", true}};
    };
  }
  bool wait_started(int n) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, 10s, [&] { return started >= n; });
  }
  void release() {
    std::lock_guard lock(mutex);
    open = true;
    changed.notify_all();
  }
};

Clock::time_point far() { return Clock::now() + 60s; }

TEST(CallPoolTest, RunsCallsOnABoundedNumberOfThreadsAndAnswersEach) {
  CallPool pool(2, 8);
  Gate gate;
  std::vector<std::shared_ptr<CallPool::Ticket>> tickets;
  for (int i = 0; i < 5; ++i) {
    auto t = pool.submit(gate.work(), far());
    ASSERT_TRUE(t.ok()) << t.error().message;
    tickets.push_back(*t);
  }
  ASSERT_TRUE(gate.wait_started(2));
  EXPECT_EQ(pool.running(), 2);
  gate.release();
  for (auto& t : tickets) {
    ASSERT_TRUE(t->wait_until(Clock::now() + 10s));
    auto r = t->take();
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(*r, (json{{"ok", true}}));
  }
  EXPECT_EQ(gate.most, 2);
  EXPECT_EQ(gate.started, 5);
}

TEST(CallPoolTest, AFullQueueRefusesRetryably) {
  CallPool pool(1, 2);
  Gate gate;
  std::vector<std::shared_ptr<CallPool::Ticket>> tickets;
  tickets.push_back(*pool.submit(gate.work(), far()));
  ASSERT_TRUE(gate.wait_started(1));
  tickets.push_back(*pool.submit(gate.work(), far()));
  tickets.push_back(*pool.submit(gate.work(), far()));
  auto refused = pool.submit(gate.work(), far());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kResourceExhausted);
  EXPECT_TRUE(refused.error().retryable);
  gate.release();
  for (auto& t : tickets) ASSERT_TRUE(t->wait_until(Clock::now() + 10s));
}

TEST(CallPoolTest, EachCallRunsUnderItsDeadline) {
  CallPool pool(1, 4);
  auto deadline = Clock::now() + 30s;
  auto t = pool.submit(
      [deadline]() -> Result<json> {
        const plugin_host::CallBudget* budget = plugin_host::current_call_budget();
        if (budget == nullptr) return json("no budget");
        return json(budget->deadline == deadline);
      },
      deadline);
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE((*t)->wait_until(Clock::now() + 10s));
  EXPECT_EQ((*t)->take().value(), json(true));
  // The submitting thread has none.
  EXPECT_EQ(plugin_host::current_call_budget(), nullptr);

  auto late = pool.submit(
      []() -> Result<json> {
        WASL_RETURN_IF_ERROR(plugin_host::call_may_continue("late work"));
        return json("ran");
      },
      Clock::now() - 1ms);
  ASSERT_TRUE((*late)->wait_until(Clock::now() + 10s));
  auto r = (*late)->take();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kDeadlineExceeded);
}

TEST(CallPoolTest, ACancelledCallStopsAndACancelledQueuedCallNeverStarts) {
  CallPool pool(1, 4);
  Gate gate;
  auto running = *pool.submit(gate.work(), far());
  ASSERT_TRUE(gate.wait_started(1));
  std::atomic<bool> second_ran{false};
  auto queued = *pool.submit(
      [&]() -> Result<json> {
        second_ran = true;
        return json(1);
      },
      far());
  queued->cancel();
  running->cancel();
  ASSERT_TRUE(running->wait_until(Clock::now() + 10s));
  auto r = running->take();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kCancelled);
  ASSERT_TRUE(queued->wait_until(Clock::now() + 10s));
  EXPECT_EQ(queued->take().error().code, ErrorCode::kCancelled);
  EXPECT_FALSE(second_ran.load());
}

TEST(CallPoolTest, StopCancelsEveryCallAndWaitsForThemToReturn) {
  CallPool pool(2, 8);
  Gate gate;
  std::vector<std::shared_ptr<CallPool::Ticket>> tickets;
  for (int i = 0; i < 4; ++i) tickets.push_back(*pool.submit(gate.work(), far()));
  ASSERT_TRUE(gate.wait_started(2));
  pool.stop();
  // Every call has returned by now: none is still running.
  EXPECT_EQ(pool.running(), 0);
  {
    std::lock_guard lock(gate.mutex);
    EXPECT_EQ(gate.running, 0);
  }
  for (auto& t : tickets) {
    ASSERT_TRUE(t->done());
    EXPECT_EQ(t->take().error().code, ErrorCode::kCancelled);
  }
  // The pool is usable again.
  auto again = pool.submit([]() -> Result<json> { return json(2); }, far());
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE((*again)->wait_until(Clock::now() + 10s));
  EXPECT_EQ((*again)->take().value(), json(2));
}

TEST(CallPoolTest, AnExceptionBecomesInternal) {
  CallPool pool(1, 4);
  auto t = *pool.submit([]() -> Result<json> { throw std::runtime_error("boom"); }, far());
  ASSERT_TRUE(t->wait_until(Clock::now() + 10s));
  auto r = t->take();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInternal);
  EXPECT_NE(r.error().message.find("boom"), std::string::npos);
}

}  // namespace
}  // namespace wasl::workflow
