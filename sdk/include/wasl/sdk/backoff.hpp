// backoff.hpp: the wait before a retry, growing exponentially from an initial
// delay up to a cap, optionally drawn at random below that (jitter) so that
// callers who failed together do not retry together. The hub's workflow
// engine, webhook dispatcher and task runner and the plugins' own retries use
// it. Pure and thread-safe.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>

namespace wasl::sdk {

struct Backoff {
  std::chrono::milliseconds initial{0};  // the first retry's delay
  double multiplier = 2.0;               // growth per retry; below 1 counts as 1
  std::chrono::milliseconds max{0};      // no delay exceeds it
  // The fraction of the delay drawn at random: a delay d becomes one in
  // [d·(1−jitter), d]. 0 = exactly d; clamped to [0, 1].
  double jitter = 0.0;
};

// The delay before retry `retry` (0 = the first retry):
// initial · multiplier^retry, at most max, then drawn from
// [d·(1−jitter), d] with `unit_random` (in [0, 1), e.g. from a per-thread
// generator; ignored without jitter).
inline std::chrono::milliseconds backoff_delay(const Backoff& backoff, int retry,
                                               double unit_random = 0.0) {
  const double initial = static_cast<double>(backoff.initial.count());
  const double growth = std::pow(std::max(backoff.multiplier, 1.0), std::max(retry, 0));
  // growth is infinite past about 2^1024: a zero initial delay stays zero
  // rather than becoming 0 · ∞.
  double delay =
      initial <= 0.0 ? 0.0 : std::min(initial * growth, static_cast<double>(backoff.max.count()));
  delay *= 1.0 - std::clamp(backoff.jitter, 0.0, 1.0) * std::clamp(unit_random, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<long long>(std::llround(delay)));
}

}  // namespace wasl::sdk
