#include "hub/alerts/shared_alerts.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <utility>

namespace wasl::alerts {
namespace {

constexpr std::int64_t kPurgeEveryMs = 3600 * 1000;
constexpr int kPurgeBatch = 1000;

}  // namespace

SharedAlerts::SharedAlerts(AlertStore& store, SharedAlertsOptions options)
    : store_(store), options_(std::move(options)) {}

SharedAlerts::~SharedAlerts() {
  if (runner_) runner_->stop();
}

std::int64_t SharedAlerts::now() const {
  if (options_.now_ms) return options_.now_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void SharedAlerts::enqueue(plugin_host::InstanceAlert alert) {
  jobs::PeriodicRunner* running = nullptr;
  {
    std::lock_guard lock(queue_mutex_);
    queue_.emplace_back(next_number_++, std::move(alert));
    while (queue_.size() > options_.max_pending) {
      const plugin_host::InstanceAlert& dropped = queue_.front().second;
      spdlog::error("alert {} about {} dropped: {} alerts wait for the database",
                    dropped.kind.empty() ? "state " + dropped.state : dropped.kind,
                    dropped.instance, options_.max_pending);
      if (options_.metrics != nullptr) {
        options_.metrics->counter_add(
            "wasl_alerts_dropped_total",
            "Alerts dropped because the queue waiting for the database was full.", {});
      }
      queue_.pop_front();
    }
    running = running_;
  }
  if (running != nullptr) running->wake();
}

plugin_host::AlertSink SharedAlerts::sink() {
  return [this](plugin_host::InstanceAlert alert) { enqueue(std::move(alert)); };
}

std::size_t SharedAlerts::pending() const {
  std::lock_guard lock(queue_mutex_);
  return queue_.size();
}

sdk::Status SharedAlerts::flush() {
  std::lock_guard flushing(flush_mutex_);
  bool wrote = false;
  for (;;) {
    std::uint64_t number = 0;
    plugin_host::InstanceAlert next;
    {
      std::lock_guard lock(queue_mutex_);
      if (queue_.empty()) break;
      number = queue_.front().first;
      next = queue_.front().second;
    }
    auto recorded = store_.record(next);
    if (!recorded.ok()) {
      if (wrote && options_.written) options_.written();
      return recorded.error();
    }
    const std::optional<std::int64_t>& id = *recorded;
    wrote = wrote || id.has_value();
    if (id && options_.metrics != nullptr) {
      options_.metrics->counter_add(
          "wasl_alerts_raised_total", "Alerts this hub wrote (news across the hubs), by kind.",
          {{"kind", next.kind.empty() ? std::string("instance.recovered") : next.kind}});
    }
    std::lock_guard lock(queue_mutex_);
    // enqueue() may have dropped it meanwhile (a full queue).
    if (!queue_.empty() && queue_.front().first == number) queue_.pop_front();
  }
  if (wrote && options_.written) options_.written();
  return {};
}

sdk::Status SharedAlerts::tick() {
  sdk::Status flushed = flush();
  const std::int64_t at = now();
  if (at - last_purge_ms_ >= kPurgeEveryMs) {
    last_purge_ms_ = at;
    auto purged = store_.purge_before(at - options_.keep.count(), kPurgeBatch);
    if (!purged.ok()) return purged.error();
  }
  return flushed;
}

sdk::Status SharedAlerts::start() {
  if (runner_) return sdk::Error(sdk::ErrorCode::kFailedPrecondition, "already started", false);
  runner_ = std::make_unique<jobs::PeriodicRunner>("shared alerts", options_.interval,
                                                   [this] { return tick(); });
  WASL_RETURN_IF_ERROR(runner_->start());
  std::lock_guard lock(queue_mutex_);
  running_ = runner_.get();
  return {};
}

void SharedAlerts::stop() {
  {
    std::lock_guard lock(queue_mutex_);
    running_ = nullptr;
  }
  if (runner_) runner_->stop();
  if (auto flushed = flush(); !flushed.ok()) {
    spdlog::error("alerts not written at stop ({} queued): {}", pending(), flushed.error().message);
  }
}

}  // namespace wasl::alerts
