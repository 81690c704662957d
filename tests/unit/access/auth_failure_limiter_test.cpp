#include "hub/access/auth_failure_limiter.hpp"

#include <gtest/gtest.h>

#include <latch>
#include <thread>
#include <vector>

namespace wasl::access {
namespace {

using namespace std::chrono_literals;
using Clock = AuthFailureLimiter::Clock;

AuthFailureLimiter::Options options() {
  AuthFailureLimiter::Options o;
  o.max_failures = 10;
  o.window = 60s;
  o.block_for = 300s;
  o.max_addresses = 100;
  return o;
}

TEST(AuthFailureLimiterTest, TenthFailureInAMinuteBlocksTheAddress) {
  AuthFailureLimiter limiter(options());
  const auto t0 = Clock::time_point{} + 1000h;
  // A burst of ten failures within half a second.
  for (int i = 0; i < 9; ++i) {
    EXPECT_FALSE(limiter.record_failure("192.0.2.1", t0 + i * 50ms)) << i;
    EXPECT_FALSE(limiter.blocked_for("192.0.2.1", t0 + i * 50ms).has_value()) << i;
  }
  const auto tenth = t0 + 450ms;
  EXPECT_TRUE(limiter.record_failure("192.0.2.1", tenth));
  auto wait = limiter.blocked_for("192.0.2.1", tenth + 1s);
  ASSERT_TRUE(wait.has_value());
  EXPECT_EQ(*wait, 299s);
  EXPECT_FALSE(limiter.blocked_for("192.0.2.2", tenth + 1s).has_value());
  // Still blocked just before the end, free after it.
  EXPECT_TRUE(limiter.blocked_for("192.0.2.1", tenth + 299s).has_value());
  EXPECT_FALSE(limiter.blocked_for("192.0.2.1", tenth + 300s).has_value());
  // The bucket refilled meanwhile: one failure does not block again.
  EXPECT_FALSE(limiter.record_failure("192.0.2.1", tenth + 310s));
}

TEST(AuthFailureLimiterTest, SlowFailuresNeverBlock) {
  AuthFailureLimiter limiter(options());
  const auto t0 = Clock::time_point{} + 1000h;
  // One failure every 7 s is slower than 10 a minute.
  for (int i = 0; i < 100; ++i) {
    EXPECT_FALSE(limiter.record_failure("192.0.2.9", t0 + i * 7s)) << i;
  }
  EXPECT_FALSE(limiter.blocked_for("192.0.2.9", t0 + 700s).has_value());
}

TEST(AuthFailureLimiterTest, Ipv6CountsPerSlash64) {
  EXPECT_EQ(AuthFailureLimiter::bucket_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  EXPECT_EQ(AuthFailureLimiter::bucket_key("2001:db8:1:2:bbbb::7"), "2001:db8:1:2::/64");
  EXPECT_EQ(AuthFailureLimiter::bucket_key("::ffff:192.0.2.5"), "192.0.2.5");
  EXPECT_EQ(AuthFailureLimiter::bucket_key("192.0.2.5"), "192.0.2.5");
  EXPECT_EQ(AuthFailureLimiter::bucket_key("not an address"), "not an address");

  AuthFailureLimiter limiter(options());
  const auto t0 = Clock::time_point{} + 1000h;
  for (int i = 0; i < 10; ++i) {
    limiter.record_failure("2001:db8:1:2::" + std::to_string(i + 1), t0);
  }
  EXPECT_TRUE(limiter.blocked_for("2001:db8:1:2::ffff", t0).has_value());
  EXPECT_FALSE(limiter.blocked_for("2001:db8:1:3::1", t0).has_value());
}

// Once every source together has spent the global budget, a source's first
// failure blocks it; sources that do not fail are never blocked.
TEST(AuthFailureLimiterTest, PastTheGlobalBudgetOneFailureBlocksItsSource) {
  AuthFailureLimiter::Options o = options();
  o.global_max_failures = 20;
  AuthFailureLimiter limiter(o);
  const auto t0 = Clock::time_point{} + 1000h;
  for (int i = 0; i < 20; ++i) {
    EXPECT_FALSE(limiter.record_failure("192.0.2." + std::to_string(i + 1), t0)) << i;
  }
  EXPECT_TRUE(limiter.record_failure("198.51.100.1", t0));
  EXPECT_TRUE(limiter.blocked_for("198.51.100.1", t0 + 1s).has_value());
  EXPECT_FALSE(limiter.blocked_for("192.0.2.1", t0 + 1s).has_value());
  EXPECT_FALSE(limiter.blocked_for("198.51.100.2", t0 + 1s).has_value());
  // The budget refills over the window: a minute later one failure is one failure again.
  EXPECT_FALSE(limiter.record_failure("198.51.100.3", t0 + 60s));
}

TEST(AuthFailureLimiterTest, MemoryIsBoundedAndBlockedAddressesSurviveEviction) {
  AuthFailureLimiter limiter(options());
  const auto t0 = Clock::time_point{} + 1000h;
  for (int i = 0; i < 10; ++i) limiter.record_failure("198.51.100.1", t0);
  ASSERT_TRUE(limiter.blocked_for("198.51.100.1", t0).has_value());
  // A flood of other addresses, each failing once.
  for (int i = 0; i < 5000; ++i) {
    limiter.record_failure("10." + std::to_string(i / 256) + "." + std::to_string(i % 256) + ".1",
                           t0 + 1ms);
    ASSERT_LE(limiter.tracked_addresses(), 100u);
  }
  EXPECT_TRUE(limiter.blocked_for("198.51.100.1", t0 + 2ms).has_value());
}

TEST(AuthFailureLimiterTest, ConcurrentFailuresAreAllCounted) {
  AuthFailureLimiter::Options o = options();
  o.max_failures = 4000;
  AuthFailureLimiter limiter(o);
  const auto t0 = Clock::time_point{} + 1000h;
  constexpr int kThreads = 4;
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  std::atomic<int> blocks{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      for (int i = 0; i < 1000; ++i) {
        if (limiter.record_failure("203.0.113.7", t0)) ++blocks;
      }
    });
  }
  for (auto& th : threads) th.join();
  // Exactly the 4000th failure (all at the same instant) started the block.
  EXPECT_EQ(blocks.load(), 1);
  EXPECT_TRUE(limiter.blocked_for("203.0.113.7", t0).has_value());
}

}  // namespace
}  // namespace wasl::access
