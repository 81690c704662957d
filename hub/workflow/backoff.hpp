// Backoff: the delay before the next attempt of a failed step, from its
// RetryPolicy (definition.hpp) and the error it failed with.
#pragma once

#include <chrono>
#include <optional>

#include "hub/workflow/language/definition.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::workflow {

// Whether `policy` retries `error` (its `on` list, else Error::retryable).
bool retries(const RetryPolicy& policy, const sdk::Error& error);

// The delay before attempt `next_attempt` (2 = the first retry), the SDK's
// backoff (sdk::backoff_delay): initial_delay · multiplier^(next_attempt−2),
// capped at max_delay, then drawn from [d·(1−jitter), d] with `unit_random`
// in [0, 1); an Error::retry_after longer than that wins.
std::chrono::milliseconds retry_delay(const RetryPolicy& policy, int next_attempt,
                                      const sdk::Error& error, double unit_random);

}  // namespace wasl::workflow
