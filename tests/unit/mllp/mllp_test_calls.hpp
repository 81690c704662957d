// Gate and Calls: what the listener's tests give a handler to wait at and
// to record what it saw, for the test thread to wait on with a deadline.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <vector>

#include "hub/mllp/mllp_listener.hpp"

namespace wasl::mllp::testing {

// A gate a handler waits at until the test opens it (or 10 s pass).
class Gate {
 public:
  void open() {
    std::lock_guard<std::mutex> lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  void wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait_for(lock, std::chrono::seconds(10), [this] { return open_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = false;
};

// What the handler saw, for the test thread to wait on.
class Calls {
 public:
  void record(const MllpMessage& message) {
    std::lock_guard<std::mutex> lock(mutex_);
    messages_.push_back(message);
    changed_.notify_all();
  }
  // Whether `count` calls were recorded before `within` passed.
  bool wait_for(std::size_t count, std::chrono::milliseconds within) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, within, [&] { return messages_.size() >= count; });
  }
  std::vector<MllpMessage> messages() {
    std::lock_guard<std::mutex> lock(mutex_);
    return messages_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<MllpMessage> messages_;
};

}  // namespace wasl::mllp::testing
