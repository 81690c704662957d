#include "hub/workflow/backoff.hpp"

#include <algorithm>

#include "wasl/sdk/backoff.hpp"

namespace wasl::workflow {

bool retries(const RetryPolicy& policy, const sdk::Error& error) {
  if (policy.on.empty()) return error.retryable;
  return std::find(policy.on.begin(), policy.on.end(), error.code) != policy.on.end();
}

std::chrono::milliseconds retry_delay(const RetryPolicy& policy, int next_attempt,
                                      const sdk::Error& error, double unit_random) {
  const sdk::Backoff backoff{policy.initial_delay, policy.multiplier, policy.max_delay,
                             policy.jitter};
  auto delay = sdk::backoff_delay(backoff, next_attempt - 2, unit_random);
  if (error.retry_after && *error.retry_after > delay) delay = *error.retry_after;
  return delay;
}

}  // namespace wasl::workflow
