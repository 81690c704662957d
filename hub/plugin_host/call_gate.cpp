#include "hub/plugin_host/call_gate.hpp"

#include <algorithm>

namespace wasl::plugin_host {

CallGate::Slot::~Slot() {
  if (gate_ != nullptr) gate_->leave(started_);
}

std::optional<CallGate::Slot> CallGate::enter(std::chrono::milliseconds wait_at_most) {
  std::unique_lock lock(mutex_);
  const auto full = [this] { return static_cast<int>(running_.size()) >= limits_.max_concurrent; };
  if (full()) {
    const auto wait = std::min(limits_.max_wait, wait_at_most);
    if (waiting_ >= limits_.max_queued || wait.count() <= 0) return std::nullopt;
    ++waiting_;
    const bool freed = freed_.wait_for(lock, wait, [&] { return !full(); });
    --waiting_;
    if (!freed) return std::nullopt;
  }
  auto started = running_.insert(Clock::now());
  return Slot(this, started);
}

void CallGate::leave(std::multiset<Clock::time_point>::iterator started) {
  {
    std::lock_guard lock(mutex_);
    running_.erase(started);
  }
  freed_.notify_one();
}

CallLoad CallGate::load() const {
  std::lock_guard lock(mutex_);
  CallLoad load;
  load.in_flight = static_cast<int>(running_.size());
  load.waiting = waiting_;
  load.limit = limits_.max_concurrent;
  if (!running_.empty()) {
    load.oldest =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - *running_.begin());
  }
  return load;
}

}  // namespace wasl::plugin_host
