// CallGate, the bulkhead of one plugin instance: a slot at once while fewer
// than the limit run; beyond it a caller waits for a freed slot, at most its
// wait and only while fewer than the queue bound wait; and what it shows of
// the calls running.
#include "hub/plugin_host/call_gate.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <thread>

namespace wasl::plugin_host {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Waits until `gate` shows `waiting` callers waiting (bounded).
bool waiters(const CallGate& gate, int waiting) {
  const auto until = Clock::now() + 20s;
  while (gate.load().waiting != waiting) {
    if (Clock::now() > until) return false;
    std::this_thread::yield();
  }
  return true;
}

TEST(CallGate, SlotsUpToTheLimitThenNoneWithoutWaiting) {
  CallGate gate(CallGateLimits{2, 4, 2000ms});
  auto first = gate.enter(0ms);
  auto second = gate.enter(0ms);
  ASSERT_TRUE(first && second);
  EXPECT_FALSE(gate.enter(0ms)) << "full, and the caller may not wait";
  const CallLoad load = gate.load();
  EXPECT_EQ(load.in_flight, 2);
  EXPECT_EQ(load.limit, 2);
  EXPECT_EQ(load.waiting, 0);
  EXPECT_GE(load.oldest.count(), 0);
  first.reset();
  EXPECT_TRUE(gate.enter(0ms)) << "a slot given back is free again";
}

TEST(CallGate, AWaiterTakesTheSlotFreedAndTheQueueIsBounded) {
  CallGate gate(CallGateLimits{1, 1, 20000ms});
  std::optional<CallGate::Slot> held = gate.enter(0ms);
  ASSERT_TRUE(held);
  bool got = false;
  std::thread waiter([&] { got = gate.enter(20000ms).has_value(); });
  ASSERT_TRUE(waiters(gate, 1));
  // The queue holds one: another caller is refused at once, not after its wait.
  const auto asked = Clock::now();
  EXPECT_FALSE(gate.enter(20000ms));
  EXPECT_LT(Clock::now() - asked, 10s);
  held.reset();
  waiter.join();
  EXPECT_TRUE(got);
  EXPECT_EQ(gate.load().in_flight, 0) << "the waiter's slot went when its call did";
}

TEST(CallGate, AWaiterGivesUpAfterItsWait) {
  CallGate gate(CallGateLimits{1, 4, 2000ms});
  auto held = gate.enter(0ms);
  ASSERT_TRUE(held);
  const auto asked = Clock::now();
  EXPECT_FALSE(gate.enter(50ms));
  EXPECT_GE(Clock::now() - asked, 50ms);
  EXPECT_EQ(gate.load().waiting, 0);
}

}  // namespace
}  // namespace wasl::plugin_host
