// Backoff delays and the idempotency key.
#include "hub/workflow/backoff.hpp"

#include <gtest/gtest.h>

#include "hub/workflow/idempotency_key.hpp"

namespace wasl::workflow {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, GrowsByTheMultiplierUpToTheMaximum) {
  RetryPolicy p;
  p.initial_delay = milliseconds(100);
  p.multiplier = 3;
  p.max_delay = milliseconds(1000);
  p.jitter = 0;
  sdk::Error e(sdk::ErrorCode::kUnavailable, "x");
  EXPECT_EQ(retry_delay(p, 2, e, 0.5), milliseconds(100));
  EXPECT_EQ(retry_delay(p, 3, e, 0.5), milliseconds(300));
  EXPECT_EQ(retry_delay(p, 4, e, 0.5), milliseconds(900));
  EXPECT_EQ(retry_delay(p, 5, e, 0.5), milliseconds(1000));
}

TEST(Backoff, JitterDrawsBelowTheDelay) {
  RetryPolicy p;
  p.initial_delay = milliseconds(1000);
  p.jitter = 0.2;
  sdk::Error e(sdk::ErrorCode::kUnavailable, "x");
  EXPECT_EQ(retry_delay(p, 2, e, 0.0), milliseconds(1000));
  EXPECT_EQ(retry_delay(p, 2, e, 0.5), milliseconds(900));
  EXPECT_EQ(retry_delay(p, 2, e, 0.999999), milliseconds(800));
}

TEST(Backoff, RetryAfterWinsWhenLonger) {
  RetryPolicy p;
  p.initial_delay = milliseconds(100);
  p.jitter = 0;
  sdk::Error e(sdk::ErrorCode::kResourceExhausted, "x", true, milliseconds(5000));
  EXPECT_EQ(retry_delay(p, 2, e, 0), milliseconds(5000));
  e.retry_after = milliseconds(10);
  EXPECT_EQ(retry_delay(p, 2, e, 0), milliseconds(100));
}

TEST(Backoff, WhichErrorsAreRetried) {
  RetryPolicy p;
  EXPECT_TRUE(retries(p, sdk::Error(sdk::ErrorCode::kUnavailable, "x")));
  EXPECT_FALSE(retries(p, sdk::Error(sdk::ErrorCode::kInvalidArgument, "x")));
  EXPECT_FALSE(retries(p, sdk::Error(sdk::ErrorCode::kUnavailable, "x", false)));
  p.on = {sdk::ErrorCode::kNotFound};
  EXPECT_TRUE(retries(p, sdk::Error(sdk::ErrorCode::kNotFound, "x")));
  EXPECT_FALSE(retries(p, sdk::Error(sdk::ErrorCode::kUnavailable, "x")));
}

TEST(IdempotencyKey, DependsOnRunAndStepOnly) {
  auto key = step_idempotency_key("run-1", "room");
  EXPECT_EQ(key, step_idempotency_key("run-1", "room"));
  EXPECT_NE(key, step_idempotency_key("run-1", "rooms"));
  EXPECT_NE(key, step_idempotency_key("run-2", "room"));
  EXPECT_EQ(key.size(), 37u);
  EXPECT_EQ(key.rfind("wasl-", 0), 0u);
}

}  // namespace
}  // namespace wasl::workflow
