#include "plugins/chime/token_bucket.hpp"

#include <algorithm>
#include <cmath>

namespace wasl::plugins::chime {

TokenBucket::TokenBucket(double rate, int burst, Clock clock)
    : rate_(rate > 0 ? rate : 1),
      burst_(burst >= 1 ? burst : 1),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::steady_clock::now(); })),
      tokens_(burst_),
      last_(clock_()) {}

void TokenBucket::refill_locked(std::chrono::steady_clock::time_point now) {
  if (now <= last_) return;
  double elapsed = std::chrono::duration<double>(now - last_).count();
  tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
  last_ = now;
}

std::optional<std::chrono::nanoseconds> TokenBucket::reserve(std::chrono::nanoseconds max_wait) {
  std::lock_guard lock(mutex_);
  refill_locked(clock_());
  if (tokens_ >= 1) {
    tokens_ -= 1;
    return std::chrono::nanoseconds(0);
  }
  // The token this caller gets becomes free once the deficit is refilled.
  double deficit = 1 - tokens_;
  auto wait = std::chrono::nanoseconds(static_cast<std::int64_t>(std::ceil(deficit / rate_ * 1e9)));
  if (wait > max_wait) return std::nullopt;
  tokens_ -= 1;
  return wait;
}

double TokenBucket::available() {
  std::lock_guard lock(mutex_);
  refill_locked(clock_());
  return tokens_;
}

}  // namespace wasl::plugins::chime
