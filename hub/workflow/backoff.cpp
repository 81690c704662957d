#include "hub/workflow/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace wasl::workflow {

bool retries(const RetryPolicy& policy, const sdk::Error& error) {
  if (policy.on.empty()) return error.retryable;
  return std::find(policy.on.begin(), policy.on.end(), error.code) != policy.on.end();
}

std::chrono::milliseconds retry_delay(const RetryPolicy& policy, int next_attempt,
                                      const sdk::Error& error, double unit_random) {
  double base = static_cast<double>(policy.initial_delay.count()) *
                std::pow(std::max(policy.multiplier, 1.0), std::max(next_attempt - 2, 0));
  base = std::min(base, static_cast<double>(policy.max_delay.count()));
  double jitter = std::clamp(policy.jitter, 0.0, 1.0);
  double drawn = base * (1.0 - jitter * std::clamp(unit_random, 0.0, 1.0));
  auto delay = std::chrono::milliseconds(static_cast<long long>(std::llround(drawn)));
  if (error.retry_after && *error.retry_after > delay) delay = *error.retry_after;
  return delay;
}

}  // namespace wasl::workflow
