#include "hub/jobs/periodic_runner.hpp"

#include <spdlog/spdlog.h>

namespace wasl::jobs {

PeriodicRunner::PeriodicRunner(std::string name, std::chrono::milliseconds interval,
                               std::function<sdk::Status()> tick)
    : name_(std::move(name)),
      interval_(interval.count() > 0 ? interval : std::chrono::milliseconds(1)),
      tick_(std::move(tick)) {}

PeriodicRunner::~PeriodicRunner() { stop(); }

sdk::Status PeriodicRunner::start() {
  std::lock_guard lock(mutex_);
  if (started_) {
    return sdk::Error(sdk::ErrorCode::kFailedPrecondition, name_ + " is already started", false);
  }
  started_ = true;
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
  return {};
}

void PeriodicRunner::stop() {
  {
    std::lock_guard lock(mutex_);
    if (!started_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mutex_);
  started_ = false;
}

void PeriodicRunner::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

std::uint64_t PeriodicRunner::ticks() const {
  std::lock_guard lock(mutex_);
  return ticks_;
}

void PeriodicRunner::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    woken_ = false;
    lock.unlock();
    sdk::Status status;
    try {
      status = tick_();
    } catch (const std::exception& e) {
      status = sdk::Error(sdk::ErrorCode::kInternal, std::string("threw: ") + e.what(), false);
    }
    if (!status.ok()) {
      spdlog::warn("{}: {} ({})", name_, status.error().message,
                   sdk::to_string(status.error().code));
    }
    lock.lock();
    ++ticks_;
    wake_.wait_for(lock, interval_, [this] { return stopping_ || woken_; });
  }
}

}  // namespace wasl::jobs
