// SharedAlerts: the sink of plugin_host::InstanceHealth (set_alert_sink)
// that puts the hub's alerts into the database (AlertStore), where every
// hub on it reads the same ones.
//
// enqueue() never waits for the database: it is called on the paths of
// plugin calls, which may hold a transaction of their own. The alerts wait
// in memory, in order, until flush() writes them: the runner's thread every
// `interval` (and at once after an enqueue), or a reader that wants them
// written first (GET /v1/alerts). An alert the database refuses stays at the
// head of the queue for the next flush. The queue holds at most
// `max_pending`; past that the oldest goes, logged and counted in
// wasl_alerts_dropped_total (only while the database refuses writes).
// Alerts older than `keep` are deleted, once an hour, by whichever hub
// flushes.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>

#include "hub/alerts/alert_store.hpp"
#include "hub/jobs/periodic_runner.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/plugin_host/instance_health.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::alerts {

struct SharedAlertsOptions {
  std::chrono::milliseconds interval{std::chrono::seconds(1)};
  std::size_t max_pending = 10000;
  std::chrono::milliseconds keep{std::chrono::hours(24 * 90)};
  // Epoch ms; empty = the system clock.
  std::function<std::int64_t()> now_ms;
  // wasl_alerts_raised_total{kind}, wasl_alerts_dropped_total; may be null.
  observability::Metrics* metrics = nullptr;
  // Called after a flush wrote at least one alert (AlertDelivery::wake).
  std::function<void()> written;
};

class SharedAlerts {
 public:
  // `store` must outlive the object.
  explicit SharedAlerts(AlertStore& store, SharedAlertsOptions options = {});
  ~SharedAlerts();
  SharedAlerts(const SharedAlerts&) = delete;
  SharedAlerts& operator=(const SharedAlerts&) = delete;

  // Queues `alert` (InstanceHealth's sink: sink() returns this call).
  void enqueue(plugin_host::InstanceAlert alert);
  plugin_host::AlertSink sink();

  // Writes every queued alert now, in order; the first error stops it (that
  // alert and the rest stay queued).
  sdk::Status flush();
  // Alerts queued and not yet written.
  std::size_t pending() const;

  // The runner's thread (flush every interval, and the hourly purge).
  sdk::Status start();
  // Stops the runner and flushes what is queued (errors logged). The
  // destructor only stops the runner: call stop() first to write the rest.
  void stop();

  AlertStore& store() { return store_; }

 private:
  sdk::Status tick();
  std::int64_t now() const;

  AlertStore& store_;
  SharedAlertsOptions options_;
  mutable std::mutex queue_mutex_;
  // Each alert with its number in the queue's order.
  std::deque<std::pair<std::uint64_t, plugin_host::InstanceAlert>> queue_;
  std::uint64_t next_number_ = 0;
  jobs::PeriodicRunner* running_ = nullptr;  // runner_ once started (under queue_mutex_)
  std::mutex flush_mutex_;                   // one flush at a time, so the order holds
  std::int64_t last_purge_ms_ = 0;
  std::unique_ptr<jobs::PeriodicRunner> runner_;
};

}  // namespace wasl::alerts
