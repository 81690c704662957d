// WebhookDispatcher: moves inbox rows in state "received" to the workflow
// engine, oldest first, on a thread of its own (or one pass at a time
// through dispatch_once()).
//
// For each row it reads the stored normalized event (inbox_event.hpp) and
// delivers it to the row's facility — or, for an instance serving several
// facilities, to each of them — with the engine dedupe key
// "<instance>/<facility>/<dedupe_key>". Then the row becomes:
//   dispatched  a waiting run took it (in at least one facility);
//   unmatched   no run waited for it. The engine keeps the event, so a wait
//               that starts later still receives it; the row stays visible
//               through GET /v1/webhooks/unmatched, and a replay refreshes
//               its state;
//   received    (again) after a failure, with last_error and attempts + 1,
//               retried after an exponential backoff;
//   parked      after max_attempts failures, or at once when the row cannot
//               ever be delivered (no readable event, no facility). Never
//               deleted.
// All state lives in the inbox table, so dispatch resumes after a restart
// (the backoff timers are in memory: after a restart a failed row is tried
// at once, and its attempt count still parks it). Delivery is idempotent:
// redelivering a row (a crash between delivery and the state update) is
// deduplicated by the engine, which reports the run it matched before.
//
// PostgreSQL: a pass holds its rows FOR UPDATE SKIP LOCKED until their
// states are written, so dispatchers of several hub processes take different
// rows. SQLite: one process; rows are read, delivered, then updated.
// Events may reach the engine out of order; the engine orders them.
//
// Thread safety: wake(), start(), stop() from any thread; dispatch_once()
// from one thread at a time (the dispatcher's own, when started). Store,
// InboxStore, WebhookSources and Metrics are borrowed and must outlive it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "hub/observability/metrics.hpp"
#include "hub/records/inbox_store.hpp"
#include "hub/storage/store.hpp"
#include "hub/webhooks/webhook_sources.hpp"
#include "hub/workflow/engine.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::webhooks {

// Engine::deliver_event's shape; deliver_to() binds a real Engine.
using EventDelivery = std::function<sdk::Result<workflow::DeliveredEvent>(
    const std::string& facility_id, const std::string& type, const std::string& correlation,
    const nlohmann::json& payload, const std::string& dedupe_key)>;

// `engine` must outlive the returned function.
EventDelivery deliver_to(workflow::Engine& engine);

struct WebhookDispatcherOptions {
  int batch = 64;                                 // rows per pass at most
  std::chrono::milliseconds poll_interval{500};   // idle wait between passes (wake() cuts it short)
  int max_attempts = 6;                           // failures before a row is parked
  std::chrono::milliseconds initial_backoff{500}; // doubled per failure
  std::chrono::milliseconds max_backoff{30000};
};

struct DispatchPass {
  int dispatched = 0;
  int unmatched = 0;
  int failed = 0;   // left in "received" for a retry
  int parked = 0;
  int waiting = 0;  // fetched but still in backoff
  int processed() const { return dispatched + unmatched + failed + parked; }
};

class WebhookDispatcher {
 public:
  WebhookDispatcher(storage::Store& store, const records::InboxStore& inbox,
                    const WebhookSources& sources, EventDelivery deliver,
                    WebhookDispatcherOptions options = {},
                    observability::Metrics* metrics = nullptr);
  ~WebhookDispatcher();  // stop()
  WebhookDispatcher(const WebhookDispatcher&) = delete;
  WebhookDispatcher& operator=(const WebhookDispatcher&) = delete;

  // Starts the dispatch thread; kFailedPrecondition when already started.
  sdk::Status start();
  // Lets the current pass finish and joins the thread. Idempotent.
  void stop();
  // Asks for a pass now (after an accepted webhook, a replay).
  void wake();

  // One pass over at most options.batch received rows. Storage errors end
  // the pass early and are returned (the rows stay "received").
  sdk::Result<DispatchPass> dispatch_once();

 private:
  struct Outcome {
    std::string id;
    records::InboxState state = records::InboxState::kReceived;
    std::optional<std::string> last_error;
  };
  Outcome process(const records::InboxEntry& entry);
  Outcome failure(const records::InboxEntry& entry, const std::string& message, bool permanent);
  void run();

  storage::Store& store_;
  const records::InboxStore& inbox_;
  const WebhookSources& sources_;
  EventDelivery deliver_;
  WebhookDispatcherOptions options_;
  observability::Metrics* metrics_;

  std::mutex mutex_;
  std::condition_variable wakeup_;
  bool woken_ = false;
  bool stopping_ = false;
  bool started_ = false;
  std::thread thread_;
  // Rows in backoff: id -> when they may be tried again. Touched only by the
  // thread running dispatch_once().
  std::map<std::string, std::chrono::steady_clock::time_point> retry_at_;
  std::chrono::steady_clock::time_point next_due_ = std::chrono::steady_clock::time_point::max();
};

}  // namespace wasl::webhooks
