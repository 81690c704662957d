#include "hub/app/readiness_cache.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace wasl::app {
namespace {

using namespace std::chrono_literals;

TEST(ReadinessCacheTest, ChecksAtMostOncePerTtl) {
  std::atomic<int> probes{0};
  ReadinessCache cache([&] { return ++probes, sdk::Status{}; }, 200ms);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(cache.check().ok());
  EXPECT_EQ(probes.load(), 1);
  auto later = std::chrono::steady_clock::now() + 250ms;
  while (std::chrono::steady_clock::now() < later) std::this_thread::yield();
  EXPECT_TRUE(cache.check().ok());
  EXPECT_EQ(probes.load(), 2);
}

TEST(ReadinessCacheTest, KeepsAFailureForItsTtlToo) {
  std::atomic<int> probes{0};
  ReadinessCache cache([&] {
    ++probes;
    return sdk::Status(sdk::Error(sdk::ErrorCode::kUnavailable, "down"));
  });
  EXPECT_FALSE(cache.check().ok());
  EXPECT_FALSE(cache.check().ok());
  EXPECT_EQ(probes.load(), 1);
}

// A flood of /readyz while the store is slow: one probe runs (one pooled
// connection), everyone else gets the last answer without waiting for it.
TEST(ReadinessCacheTest, ConcurrentCallersShareOneProbe) {
  std::atomic<int> probes{0};
  std::mutex m;
  std::condition_variable cv;
  bool release = false;
  ReadinessCache cache(
      [&] {
        if (++probes == 1) return sdk::Status{};  // the first, fast check
        std::unique_lock lock(m);
        cv.wait(lock, [&] { return release; });
        return sdk::Status{};
      },
      0ms);  // every call wants a fresh check
  ASSERT_TRUE(cache.check().ok());
  auto slow = std::async(std::launch::async, [&] { return cache.check(); });
  while (probes.load() < 2) std::this_thread::yield();
  std::vector<std::future<sdk::Status>> callers;
  for (int i = 0; i < 50; ++i) {
    callers.push_back(std::async(std::launch::async, [&] { return cache.check(); }));
  }
  for (auto& c : callers) {
    ASSERT_EQ(c.wait_for(5s), std::future_status::ready) << "a caller waited for the probe";
    EXPECT_TRUE(c.get().ok());
  }
  EXPECT_EQ(probes.load(), 2);
  {
    std::lock_guard lock(m);
    release = true;
  }
  cv.notify_all();
  EXPECT_TRUE(slow.get().ok());
}

}  // namespace
}  // namespace wasl::app
