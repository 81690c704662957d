// PeriodicRunner: calls a function on a thread of its own, first at start()
// and then every `interval` after the previous call returned, until stop().
// A call's error is logged (with `name`) and the next call still comes.
//
// Thread-safe: start() and stop() may be called from any thread; stop() waits
// for a call in progress to return. The destructor stops.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "wasl/sdk/result.hpp"

namespace wasl::jobs {

class PeriodicRunner {
 public:
  PeriodicRunner(std::string name, std::chrono::milliseconds interval,
                 std::function<sdk::Status()> tick);
  ~PeriodicRunner();
  PeriodicRunner(const PeriodicRunner&) = delete;
  PeriodicRunner& operator=(const PeriodicRunner&) = delete;

  // kFailedPrecondition when already started.
  sdk::Status start();
  // Idempotent.
  void stop();
  // The next call starts now rather than after the interval (at once when
  // none is in progress, else as soon as the one in progress returns).
  void wake();
  // Calls made so far (finished ones).
  std::uint64_t ticks() const;

 private:
  void loop();

  const std::string name_;
  const std::chrono::milliseconds interval_;
  std::function<sdk::Status()> tick_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool started_ = false;
  bool stopping_ = false;
  bool woken_ = false;
  std::uint64_t ticks_ = 0;
  std::thread thread_;
};

}  // namespace wasl::jobs
