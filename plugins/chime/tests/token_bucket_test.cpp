#include "plugins/chime/token_bucket.hpp"

#include <gtest/gtest.h>

namespace wasl::plugins::chime {
namespace {

using namespace std::chrono_literals;

class ManualClock {
 public:
  std::chrono::steady_clock::time_point now() const { return now_; }
  void advance(std::chrono::nanoseconds d) { now_ += d; }
  TokenBucket::Clock fn() {
    return [this] { return now(); };
  }

 private:
  std::chrono::steady_clock::time_point now_{std::chrono::seconds(1000)};
};

TEST(TokenBucketTest, ABurstPassesAtOnceThenCallersWaitInOrder) {
  ManualClock clock;
  TokenBucket bucket(10, 20, clock.fn());
  for (int i = 0; i < 20; ++i) {
    auto wait = bucket.reserve(10s);
    ASSERT_TRUE(wait.has_value());
    EXPECT_EQ(wait->count(), 0) << "token " << i;
  }
  // At 10/s the 21st token is free after 100 ms, the 22nd after 200 ms.
  auto first = bucket.reserve(10s);
  auto second = bucket.reserve(10s);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(*first).count(), 100);
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(*second).count(), 200);
}

TEST(TokenBucketTest, RefillsAtTheRateUpToTheBurst) {
  ManualClock clock;
  TokenBucket bucket(10, 20, clock.fn());
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(bucket.reserve(0s).has_value());
  EXPECT_NEAR(bucket.available(), 0, 1e-9);
  clock.advance(500ms);
  EXPECT_NEAR(bucket.available(), 5, 1e-9);
  clock.advance(1h);
  EXPECT_NEAR(bucket.available(), 20, 1e-9);  // never more than the burst
}

TEST(TokenBucketTest, RefusesAWaitLongerThanAllowedWithoutTakingAToken) {
  ManualClock clock;
  TokenBucket bucket(1, 1, clock.fn());
  ASSERT_EQ(bucket.reserve(0s)->count(), 0);
  EXPECT_FALSE(bucket.reserve(500ms).has_value());
  EXPECT_NEAR(bucket.available(), 0, 1e-9);  // nothing was booked
  auto wait = bucket.reserve(1s);
  ASSERT_TRUE(wait.has_value());
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::milliseconds>(*wait).count(), 1000);
}

TEST(TokenBucketTest, SustainedRateIsTheConfiguredOne) {
  ManualClock clock;
  TokenBucket bucket(10, 20, clock.fn());
  int sent = 0;
  // Ten simulated seconds: callers sleep for what reserve() says.
  auto end = clock.now() + 10s;
  while (clock.now() < end) {
    auto wait = bucket.reserve(10s);
    ASSERT_TRUE(wait.has_value());
    clock.advance(*wait);
    if (clock.now() <= end) ++sent;
  }
  EXPECT_GE(sent, 119);  // 20 burst + 10/s * 10 s
  EXPECT_LE(sent, 121);
}

}  // namespace
}  // namespace wasl::plugins::chime
