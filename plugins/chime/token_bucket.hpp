// TokenBucket: a client-side rate limit of `rate` requests per second with
// bursts of up to `burst`, for the requests one Chime instance sends.
//
// reserve() takes a token now or books the next free one and says how long
// the caller must wait before sending; booked tokens are never handed out
// twice, so waiting callers go in order. The clock is injected (tests drive
// it by hand). Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>

namespace wasl::plugins::chime {

class TokenBucket {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  // `rate` > 0 tokens per second; `burst` >= 1. The bucket starts full.
  // An empty `clock` uses std::chrono::steady_clock::now.
  TokenBucket(double rate, int burst, Clock clock = {});

  // Takes one token. Returns how long to wait before using it (zero when one
  // was available). When the wait would exceed `max_wait`, nothing is taken
  // and std::nullopt is returned.
  std::optional<std::chrono::nanoseconds> reserve(std::chrono::nanoseconds max_wait);

  // Tokens available now (may be negative while tokens are booked ahead).
  double available();

 private:
  void refill_locked(std::chrono::steady_clock::time_point now);

  const double rate_;
  const double burst_;
  Clock clock_;
  std::mutex mutex_;
  double tokens_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace wasl::plugins::chime
