// InstanceHealth: what the hub knows of each plugin instance's health, from
// every call it makes into the instance (workflow steps, webhooks, probes):
//
//   state      "unknown" before the first call; "failing" after a call that
//              failed for the instance (fails_instance(): unreachable, timed
//              out, refused credentials, rate limited, internal error);
//              "healthy" after any other outcome — an answer about the
//              request (not_found, invalid_argument, …) shows the far end
//              answered.
//   window     calls in the last minute, failure share and p95 duration over
//              the last five minutes (observability::CallWindow).
//   last error the last call that failed for the instance: its code,
//              method and time.
//   last probe the cheap read the hub's prober sends (PluginHost::probe()).
//
// A change of state between healthy and failing is an alert (one per
// transition, never one per failure): "instance.failing" with the method and
// error code that caused it, "instance.recovered". Other features raise
// alerts about what an instance carries for them (raise(): "claim.unanswered",
// a claim the billing instance's exchange has not answered for too long),
// with a message the hub writes, never a provider's text, and the facility
// the alert is about when it is about one.
//
// Where alerts go: with a sink (set_alert_sink(), the hub's shared alerts in
// the database, hub/alerts), every alert and every change of state goes to
// it, unknown -> healthy included (it ends a failure another hub saw), and
// the sink decides what is news across hubs. Without one, the newest
// kMaxAlerts are kept in memory, newest last, numbered from 1 for the life of
// the process.
//
// No provider text is kept: an error's message (which may quote a provider's
// diagnostics, and through them a patient) never enters this record, so
// nothing read from it can show one to a role or a facility that should not
// see it.
//
// Thread-safe: every member may be called from any thread.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/observability/call_window.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::plugin_host {

// True when `code` says the instance or its far end is failing, not the request.
bool fails_instance(sdk::ErrorCode code);

struct CallOutcome {
  std::string method;
  std::int64_t at_ms = 0;
  std::string outcome;  // "ok" or the error code
};

struct InstanceHealthView {
  std::string state = "unknown";         // unknown | healthy | failing
  std::optional<std::int64_t> since_ms;  // when it entered that state
  std::optional<CallOutcome> last_probe;
  std::optional<CallOutcome> last_error;
  std::optional<CallOutcome> last_call;
  observability::CallWindowStats window;
  std::int64_t window_ms = 0;
};

struct InstanceAlert {
  std::int64_t id = 0;
  std::string instance;
  std::string kind;  // "instance.failing" | "instance.recovered" | raise()'s kind
  std::int64_t at_ms = 0;
  std::string message;  // "<method>: <outcome>", written by the hub
  // The facility the alert is about; empty: about the instance, for every
  // facility that binds it.
  std::string facility_id;
  // Non-empty: the alert is raised once for this key, however often and by
  // however many hubs it is raised (a sink's promise; the memory keeps all).
  std::string dedup_key;
  // A change of state ("healthy" | "failing"; empty for raise()'s alerts).
  // For a sink: unknown -> healthy arrives too, with an empty kind.
  std::string state;
  // The shared state a change of state changes; empty: the instance's own
  // (then the sink names the kind). An alert rule's condition
  // (hub/alerts/alert_rules.hpp) sets its own key and names its kinds.
  std::string state_key;
};

// Options of raise().
struct RaiseOptions {
  std::string facility_id;  // the facility the alert is about, if one
  std::string dedup_key;    // once per key (InstanceAlert::dedup_key)
};

// Takes every alert and change of state (thread-safe, must not block on I/O
// or call back into InstanceHealth).
using AlertSink = std::function<void(InstanceAlert alert)>;

class InstanceHealth {
 public:
  static constexpr std::size_t kMaxAlerts = 500;

  // `now_ms`: epoch ms; empty = the system clock.
  explicit InstanceHealth(std::function<std::int64_t()> now_ms = {});

  // One call into `instance` that took `seconds`; `error` null when it succeeded.
  void record(std::string_view instance, std::string_view method, const sdk::Error* error,
              double seconds);
  // An alert of `kind` about `instance` at the current time; `message` is
  // the hub's own words (no PHI, no provider text).
  void raise(std::string_view instance, std::string_view kind, std::string message,
             RaiseOptions options = {});
  // Alerts go to `sink` from now on instead of the memory (null: back to
  // the memory).
  void set_alert_sink(AlertSink sink);
  // Marks the outcome of a probe (already recorded as a call by record()).
  void note_probe(std::string_view instance, std::string_view method, const sdk::Error* error);

  InstanceHealthView view(std::string_view instance);
  // The alerts kept in memory with id > after_id that `visible` accepts,
  // newest first, at most `limit` (none while a sink takes them).
  std::vector<InstanceAlert> alerts(const std::function<bool(const InstanceAlert&)>& visible,
                                    std::int64_t after_id, std::size_t limit) const;

 private:
  struct State {
    std::string state = "unknown";
    std::optional<std::int64_t> since_ms;
    std::optional<CallOutcome> last_probe;
    std::optional<CallOutcome> last_error;
    std::optional<CallOutcome> last_call;
  };
  std::int64_t now() const;
  // Into the sink, else the memory; mutex_ held.
  void emit(InstanceAlert alert);

  std::function<std::int64_t()> now_ms_;
  observability::CallWindow window_;
  mutable std::mutex mutex_;
  std::map<std::string, State, std::less<>> states_;
  std::deque<InstanceAlert> alerts_;
  AlertSink sink_;
  std::int64_t next_alert_id_ = 1;
};

}  // namespace wasl::plugin_host
