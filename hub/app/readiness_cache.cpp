#include "hub/app/readiness_cache.hpp"

#include <utility>

namespace wasl::app {

ReadinessCache::ReadinessCache(std::function<sdk::Status()> probe, std::chrono::milliseconds ttl)
    : probe_(std::move(probe)), ttl_(ttl) {}

sdk::Status ReadinessCache::check() {
  {
    std::lock_guard lock(state_);
    if (last_ && Clock::now() - checked_at_ < ttl_) return *last_;
  }
  std::unique_lock probing(probing_, std::try_to_lock);
  if (!probing.owns_lock()) {
    {
      std::lock_guard lock(state_);
      if (last_) return *last_;  // someone is checking: the last answer will do
    }
    probing.lock();  // the first check: wait for it
    std::lock_guard lock(state_);
    if (last_ && Clock::now() - checked_at_ < ttl_) return *last_;
  }
  {
    std::lock_guard lock(state_);
    if (last_ && Clock::now() - checked_at_ < ttl_) return *last_;  // checked meanwhile
  }
  sdk::Status result = probe_();
  std::lock_guard lock(state_);
  last_ = result;
  checked_at_ = Clock::now();
  return result;
}

}  // namespace wasl::app
