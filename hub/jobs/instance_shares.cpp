#include "hub/jobs/instance_shares.hpp"

#include <algorithm>

namespace wasl::jobs {

InstanceShares::InstanceShares(int most) : most_(std::max(1, most)) {}

std::shared_ptr<void> InstanceShares::take(const std::string& instance) {
  {
    std::lock_guard lock(mutex_);
    int& taken = taken_[instance];
    if (taken >= most_) return nullptr;
    ++taken;
  }
  return std::shared_ptr<void>(static_cast<void*>(this), [this, instance](void*) {
    std::lock_guard lock(mutex_);
    if (auto it = taken_.find(instance); it != taken_.end() && --it->second <= 0) taken_.erase(it);
  });
}

}  // namespace wasl::jobs
