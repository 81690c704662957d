// CallGate: the bulkhead of one plugin instance. Every call into the
// instance (workflow steps, webhooks, probes, API requests) takes a slot
// for as long as the plugin runs; at most `max_concurrent` run at once. A
// caller that finds none free waits for one, at most `max_wait` (and never
// past its call budget, call_budget.hpp), and only while fewer than
// `max_queued` callers wait; otherwise it gets none and the call is refused
// at once (PluginInstance: kUnavailable, retryable, with Retry-After). So an
// instance whose far end hangs holds at most max_concurrent threads in calls
// and max_queued waiting, never every thread the hub has.
//
// The workflow engine asks load() before a step's call: a step of an
// instance that is full, or slow and holding its share of the workers, is
// deferred (its job due again later), not started on a thread that would
// wait (workflow/step_caller.hpp).
//
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <set>

namespace wasl::plugin_host {

struct CallGateLimits {
  int max_concurrent = 8;
  int max_queued = 16;
  std::chrono::milliseconds max_wait{std::chrono::seconds(2)};
};

// What runs in the instance now.
struct CallLoad {
  int in_flight = 0;
  int waiting = 0;
  int limit = 0;                        // max_concurrent
  std::chrono::milliseconds oldest{0};  // how long the longest call running has run
};

class CallGate {
 public:
  using Clock = std::chrono::steady_clock;

  explicit CallGate(CallGateLimits limits = {}) : limits_(limits) {}
  CallGate(const CallGate&) = delete;
  CallGate& operator=(const CallGate&) = delete;

  // A slot held until destroyed.
  class Slot {
   public:
    Slot(Slot&& other) noexcept : gate_(other.gate_), started_(other.started_) {
      other.gate_ = nullptr;
    }
    Slot& operator=(Slot&&) = delete;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot();

   private:
    friend class CallGate;
    Slot(CallGate* gate, std::multiset<Clock::time_point>::iterator started)
        : gate_(gate), started_(started) {}
    CallGate* gate_;
    std::multiset<Clock::time_point>::iterator started_;
  };

  // A slot at once when one is free; else one that frees within
  // min(max_wait, `wait_at_most`) when fewer than max_queued wait; else none.
  std::optional<Slot> enter(std::chrono::milliseconds wait_at_most);

  CallLoad load() const;
  const CallGateLimits& limits() const { return limits_; }

 private:
  void leave(std::multiset<Clock::time_point>::iterator started);

  CallGateLimits limits_;
  mutable std::mutex mutex_;
  std::condition_variable freed_;
  std::multiset<Clock::time_point> running_;  // start of each call in flight
  int waiting_ = 0;
};

}  // namespace wasl::plugin_host
