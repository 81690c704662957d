#include "wasl/sdk/backoff.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace wasl::sdk {
namespace {

using namespace std::chrono_literals;

TEST(BackoffTest, GrowsExponentiallyUpToTheCap) {
  const Backoff doubling{100ms, 2.0, 1000ms};
  EXPECT_EQ(backoff_delay(doubling, 0), 100ms);
  EXPECT_EQ(backoff_delay(doubling, 1), 200ms);
  EXPECT_EQ(backoff_delay(doubling, 3), 800ms);
  EXPECT_EQ(backoff_delay(doubling, 4), 1000ms);
  EXPECT_EQ(backoff_delay(doubling, 10000), 1000ms);  // no overflow however long it fails
  EXPECT_EQ(backoff_delay(doubling, -1), 100ms);
  EXPECT_EQ(backoff_delay(Backoff{1500ms, 1.5, 60s}, 2), 3375ms);
  EXPECT_EQ(backoff_delay(Backoff{100ms, 0.5, 1s}, 3), 100ms);  // never shrinks
  EXPECT_EQ(backoff_delay(Backoff{0ms, 2.0, 1s}, 5), 0ms);
  EXPECT_EQ(backoff_delay(Backoff{0ms, 2.0, 1s}, 5000), 0ms);  // not 0 · ∞
  EXPECT_EQ(backoff_delay(Backoff{5s, 2.0, 1s}, 0), 1s);       // the cap holds from the start
}

TEST(BackoffTest, JitterDrawsBelowTheDelay) {
  const Backoff jittered{1000ms, 2.0, 60s, 0.5};
  EXPECT_EQ(backoff_delay(jittered, 1, 0.0), 2000ms);
  EXPECT_EQ(backoff_delay(jittered, 1, 0.5), 1500ms);
  EXPECT_EQ(backoff_delay(jittered, 1, 0.999), 1001ms);
  EXPECT_EQ(backoff_delay(Backoff{1000ms, 2.0, 60s, 3.0}, 0, 0.5), 500ms);  // jitter at most 1
  EXPECT_EQ(backoff_delay(Backoff{1000ms, 2.0, 60s, 0.0}, 0, 0.7), 1000ms);
}

// The formulas this replaces: the workflow engine's retry policy
// (initial · multiplier^(attempt−2), capped, jittered) and the webhook
// dispatcher's doubling loop.
TEST(BackoffTest, MatchesTheEnginesAndTheDispatchersFormulas) {
  for (int attempt = 2; attempt < 40; ++attempt) {
    for (double u : {0.0, 0.25, 0.9}) {
      double base = 750.0 * std::pow(1.7, attempt - 2);
      base = std::min(base, 90000.0);
      auto engine = std::chrono::milliseconds(std::llround(base * (1.0 - 0.2 * u)));
      EXPECT_EQ(backoff_delay(Backoff{750ms, 1.7, 90s, 0.2}, attempt - 2, u), engine) << attempt;
    }
    auto delay = 1000ms;
    for (int i = 1; i < attempt && delay < 300s; ++i) delay *= 2;
    delay = std::min<std::chrono::milliseconds>(delay, 300s);
    EXPECT_EQ(backoff_delay(Backoff{1000ms, 2.0, 300s}, attempt - 1), delay) << attempt;
  }
}

}  // namespace
}  // namespace wasl::sdk
