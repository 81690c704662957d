#pragma once

// ReadinessCache: /readyz's store check, at most once per `ttl` and one at a
// time. A load balancer polling every few milliseconds, or a flood of
// /readyz requests, costs at most one pooled connection and one round trip
// per second: a caller within `ttl` of the last check gets its result; a
// caller arriving while another checks gets the last result without waiting
// (only the very first callers wait for the first check).
//
// Thread-safe. The probe is called without any lock of this object held
// except the one that serialises probes.

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>

#include "wasl/sdk/result.hpp"

namespace wasl::app {

class ReadinessCache {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ReadinessCache(std::function<sdk::Status()> probe,
                          std::chrono::milliseconds ttl = std::chrono::seconds(1));

  sdk::Status check();

 private:
  std::function<sdk::Status()> probe_;
  const std::chrono::milliseconds ttl_;
  std::mutex probing_;  // held while the probe runs
  std::mutex state_;    // guards last_, checked_at_
  std::optional<sdk::Status> last_;
  Clock::time_point checked_at_;
};

}  // namespace wasl::app
