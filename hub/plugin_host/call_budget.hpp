// CallBudget: the time limit and the cancellation of the plugin call running
// on the current thread. The engine's executor of calls (workflow::CallPool)
// sets one around each call it runs (ScopedCallBudget); what the hub lends
// the plugin honours it, so a call the engine gave up on (its step timed out)
// or that the hub is stopping for ends promptly instead of running on
// unobserved:
//   - HttpClient (Host::http, Host::http_streaming) refuses to start a request
//     once the budget is spent, caps each request's connect and total timeout
//     at the time left, and aborts a transfer in flight when the call is
//     cancelled (libcurl's progress callback, at least once a second);
//   - the recording archive's media sink stops taking chunks.
// A thread without a budget (API requests, the dispatcher, probes) is not
// limited by any of this.
//
// Thread-safety: the budget is the thread's own; `cancelled` is an atomic any
// thread may set.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string_view>

#include "wasl/sdk/result.hpp"

namespace wasl::plugin_host {

struct CallBudget {
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::shared_ptr<const std::atomic<bool>> cancelled;  // may be null: never cancelled

  bool is_cancelled() const { return cancelled != nullptr && cancelled->load(); }
  // Time until the deadline; zero once it passed.
  std::chrono::milliseconds time_left() const;
  // ok while the call may go on; else kCancelled (the call was given up or
  // the hub is stopping) or kDeadlineExceeded (the deadline passed), both
  // retryable, with a message naming `what`.
  sdk::Status check(std::string_view what) const;
};

// The budget of the call running on this thread; null when there is none.
const CallBudget* current_call_budget();

// ok when this thread has no budget or its budget allows going on; else
// CallBudget::check's error.
sdk::Status call_may_continue(std::string_view what);

// Sets the thread's budget for its lifetime and restores the previous one.
class ScopedCallBudget {
 public:
  explicit ScopedCallBudget(CallBudget budget);
  ~ScopedCallBudget();
  ScopedCallBudget(const ScopedCallBudget&) = delete;
  ScopedCallBudget& operator=(const ScopedCallBudget&) = delete;

 private:
  CallBudget budget_;
  const CallBudget* previous_;
};

}  // namespace wasl::plugin_host
