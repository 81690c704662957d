// WebhookDispatcher: moves inbox rows in state "received" to the workflow
// engine, oldest first, in batches, on dispatch workers of its own (or one
// batch at a time through dispatch_once()).
//
// A batch is one transaction: the rows are fetched (PostgreSQL: FOR UPDATE
// SKIP LOCKED, so the workers of every hub process on one database take
// disjoint rows; SQLite: the single writer), their events delivered to the
// engine in that transaction (EventSink; the engine matches each to the run
// waiting for it and settles that run's wait and schedules its next step
// there too), and the rows' new states written, then one commit. So a crash
// mid-batch leaves every row "received" and nothing of its delivery behind,
// and a row is dispatched exactly once. Each event of an instance serving
// several facilities goes to each of them, with the engine dedupe key
// "<instance>/<facility>/<dedupe_key>". A row then becomes:
//   dispatched  a waiting run took it (in at least one facility);
//   unmatched   no run waited for it. The engine keeps the event, so a wait
//               that starts later still receives it; the row stays visible
//               through GET /v1/webhooks/unmatched, and a replay refreshes
//               its state;
//   received    (again) after a failure, with last_error, attempts + 1 and
//               next_attempt_at = now + an exponential backoff, all stored
//               in the row: no process tries it before then, across
//               restarts;
//   parked      after max_attempts failures, or at once when the row can
//               never be delivered: its body cannot be decrypted or parsed
//               (a poison row), or its instance serves no facility. Parking
//               is audited ("webhook.parked", in the same transaction) and
//               the rest of the batch goes on. Never deleted; listed and
//               replayable through GET /v1/webhooks/unmatched?state=parked.
//
// Thread safety: wake(), start(), stop() from any thread; dispatch_once()
// from any number of threads (each runs its own transaction). Store,
// InboxStore, WebhookSources, AuditWriter and Metrics are borrowed and must
// outlive it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "hub/audit/audit_writer.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/records/inbox_store.hpp"
#include "hub/storage/store.hpp"
#include "hub/webhooks/webhook_sources.hpp"
#include "hub/workflow/engine.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::webhooks {

// Where dispatched events go: Engine::deliver_events's shape, and what to do
// once the batch committed. to_engine() binds a real Engine.
struct EventSink {
  std::function<sdk::Result<std::vector<sdk::Result<workflow::DeliveredEvent>>>(
      storage::Transaction& tx, const std::vector<workflow::IncomingEvent>& events)>
      deliver;
  std::function<void()> committed;  // may be empty
  // May be empty: what an event does beside its delivery (the reactions
  // features register, workflow::HubActions::react_to: EHR bookings, the
  // rejoin guard), called in the batch's transaction after `deliver` for
  // each event delivered without error, with the inbox row's instance. It
  // never calls a plugin: what it owes the outside world it records as a
  // task, done after the commit (hub/jobs/task_runner.hpp).
  // True when it took the event: the row is then "dispatched" though no run
  // waited for it. An error fails the row as a failed delivery does
  // (retried with backoff, then parked; parked at once when not retryable);
  // it must leave the transaction usable (undo its own writes).
  std::function<sdk::Result<bool>(storage::Transaction& tx, const std::string& instance,
                                  const workflow::IncomingEvent& event)>
      act;
};

// `engine` must outlive the returned sink.
EventSink to_engine(workflow::Engine& engine);

struct WebhookDispatcherOptions {
  int workers = 2;  // dispatch threads; SQLite (one writer) always uses 1
  // Rows per transaction at most; 0: the store's default. PostgreSQL takes
  // 256: bench/dispatch gave 4,565-4,914 events/s at 128, 5,059-5,460 at 256
  // and 5,311 at 512 (fewer commits and statements per event). SQLite takes
  // 128: its one writer holds the write lock for the whole batch, and at 256
  // webhook ingest waited on it (2,986-3,107 against 3,213-3,352 events/s).
  int batch = 0;
  std::chrono::milliseconds poll_interval{500};  // idle wait between passes (wake() cuts it short)
  int max_attempts = 6;                          // failures before a row is parked
  std::chrono::milliseconds initial_backoff{500};  // doubled per failure
  std::chrono::milliseconds max_backoff{30000};
};

struct DispatchPass {
  int dispatched = 0;
  int unmatched = 0;
  int failed = 0;  // left in "received" for a retry after its backoff
  int parked = 0;
  int processed() const { return dispatched + unmatched + failed + parked; }
};

class WebhookDispatcher {
 public:
  // `audit` may be null (parking then writes no audit event: tests only).
  WebhookDispatcher(storage::Store& store, const records::InboxStore& inbox,
                    const WebhookSources& sources, EventSink sink,
                    WebhookDispatcherOptions options = {},
                    observability::Metrics* metrics = nullptr,
                    const audit::AuditWriter* audit = nullptr);
  ~WebhookDispatcher();  // stop()
  WebhookDispatcher(const WebhookDispatcher&) = delete;
  WebhookDispatcher& operator=(const WebhookDispatcher&) = delete;

  // Starts the dispatch workers; kFailedPrecondition when already started.
  sdk::Status start();
  // Lets the current batches finish and joins the workers. Idempotent.
  void stop();
  // Asks for a pass now (after an accepted webhook, a replay).
  void wake();

  // One batch of at most options.batch due rows, in one transaction.
  // A batch that fails as a whole (a storage error, or a statement that
  // broke the transaction) is rolled back and its error returned, the rows
  // "received" and untouched; the following passes then take that many rows
  // one per transaction, so the rows that can be delivered go on. A single
  // row whose own transaction fails has the failure recorded against it in a
  // fresh transaction (attempts + 1, backoff, parked after max_attempts), so
  // no row holds the inbox back or is retried forever.
  sdk::Result<DispatchPass> dispatch_once();

 private:
  struct Outcome {
    records::InboxState state = records::InboxState::kReceived;
    std::optional<std::string> last_error;
    std::int64_t next_attempt_at = 0;
    bool audit_parking = false;
  };
  Outcome failure(const records::InboxEntry& entry, const std::string& message, bool permanent,
                  std::int64_t now) const;
  // One transaction over at most `limit` due rows; `taken` receives the rows
  // it fetched, also when it fails.
  sdk::Result<DispatchPass> dispatch_batch(int limit, std::vector<records::InboxEntry>& taken);
  // Records `error` as a failed attempt of `entry`, whose own transaction
  // failed, in a fresh transaction.
  sdk::Result<DispatchPass> settle_failed_row(const records::InboxEntry& entry,
                                              const sdk::Error& error);
  sdk::Status append_parking_audit(storage::Transaction& tx,
                                   const records::InboxEntry& entry) const;
  void run();
  void record_metrics(const DispatchPass& pass, const std::vector<std::int64_t>& ages_ms);

  storage::Store& store_;
  const records::InboxStore& inbox_;
  const WebhookSources& sources_;
  EventSink sink_;
  WebhookDispatcherOptions options_;
  observability::Metrics* metrics_;
  const audit::AuditWriter* audit_;

  std::mutex mutex_;
  std::condition_variable wakeup_;
  std::atomic<int> isolating_{0};  // passes left to take one row each, after a failed batch
  std::uint64_t wakes_ = 0;        // bumped by wake(); a worker that saw it change passes again
  bool stopping_ = false;
  bool started_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace wasl::webhooks
