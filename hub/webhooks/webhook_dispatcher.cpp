#include "hub/webhooks/webhook_dispatcher.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "hub/webhooks/inbox_event.hpp"
#include "wasl/sdk/backoff.hpp"

namespace wasl::webhooks {

using records::InboxState;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;

namespace {

// Retry counts are handed to the backoff as an int; past this many every
// delay is max_backoff anyway.
constexpr std::int64_t kLongestRetryIndex = 1 << 16;

const std::vector<double>& delay_buckets() {
  static const std::vector<double> buckets{0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2,
                                           0.5,   1,     2,     5,    10,   30,   60};
  return buckets;
}

}  // namespace

EventSink to_engine(workflow::Engine& engine) {
  EventSink sink;
  sink.deliver = [&engine](storage::Transaction& tx,
                           const std::vector<workflow::IncomingEvent>& events) {
    return engine.deliver_events(tx, events);
  };
  sink.committed = [&engine] { engine.work_available(); };
  return sink;
}

WebhookDispatcher::WebhookDispatcher(storage::Store& store, const records::InboxStore& inbox,
                                     const WebhookSources& sources, EventSink sink,
                                     WebhookDispatcherOptions options,
                                     observability::Metrics* metrics,
                                     const audit::AuditWriter* audit)
    : store_(store),
      inbox_(inbox),
      sources_(sources),
      sink_(std::move(sink)),
      options_(options),
      metrics_(metrics),
      audit_(audit) {
  const bool sqlite = store_.dialect() == storage::Dialect::kSqlite;
  if (options_.batch == 0) options_.batch = sqlite ? 128 : 256;
  options_.batch = std::clamp(options_.batch, 1, 1000);
  options_.max_attempts = std::max(1, options_.max_attempts);
  options_.workers = std::clamp(options_.workers, 1, 64);
  if (sqlite) options_.workers = 1;
}

WebhookDispatcher::~WebhookDispatcher() { stop(); }

sdk::Status WebhookDispatcher::start() {
  std::lock_guard lock(mutex_);
  if (started_) {
    return Error(ErrorCode::kFailedPrecondition, "the webhook dispatcher is already started",
                 false);
  }
  started_ = true;
  stopping_ = false;
  for (int i = 0; i < options_.workers; ++i) threads_.emplace_back([this] { run(); });
  return {};
}

void WebhookDispatcher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wakeup_.notify_all();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

void WebhookDispatcher::wake() {
  {
    std::lock_guard lock(mutex_);
    ++wakes_;
  }
  wakeup_.notify_all();
}

void WebhookDispatcher::run() {
  while (true) {
    std::uint64_t seen = 0;
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      seen = wakes_;
    }
    auto pass = dispatch_once();
    if (!pass.ok()) {
      spdlog::warn("webhook dispatch batch failed and was rolled back: {}", pass.error().message);
      if (isolating_.load() > 0) continue;  // its rows, one at a time, now
    } else if (pass->processed() >= options_.batch ||
               (pass->processed() > 0 && isolating_.load() > 0)) {
      continue;  // a full batch, or isolating: more are likely waiting
    }
    std::unique_lock lock(mutex_);
    wakeup_.wait_for(lock, options_.poll_interval,
                     [this, seen] { return stopping_ || wakes_ != seen; });
  }
}

WebhookDispatcher::Outcome WebhookDispatcher::failure(const records::InboxEntry& entry,
                                                      const std::string& message, bool permanent,
                                                      std::int64_t now) const {
  Outcome out{InboxState::kReceived, message, 0, false};
  std::int64_t attempts = entry.attempts + 1;
  if (permanent || attempts >= options_.max_attempts) {
    out.state = InboxState::kParked;
    out.audit_parking = true;
    return out;
  }
  // Doubling from initial_backoff, the retry after the first failure waiting
  // initial_backoff, capped at max_backoff.
  const sdk::Backoff doubling{options_.initial_backoff, 2.0, options_.max_backoff};
  const auto delay = sdk::backoff_delay(
      doubling, static_cast<int>(std::min<std::int64_t>(attempts - 1, kLongestRetryIndex)));
  out.next_attempt_at = now + delay.count();
  return out;
}

Result<DispatchPass> WebhookDispatcher::dispatch_once() {
  int limit = options_.batch;
  int left = isolating_.load();
  while (left > 0 && !isolating_.compare_exchange_weak(left, left - 1)) {
  }
  if (left > 0) limit = 1;
  std::vector<records::InboxEntry> taken;
  auto pass = dispatch_batch(limit, taken);
  if (pass.ok() || taken.empty()) return pass;
  if (taken.size() > 1) {
    isolating_.fetch_add(static_cast<int>(taken.size()));
    return pass;
  }
  return settle_failed_row(taken.front(), pass.error());
}

Result<DispatchPass> WebhookDispatcher::settle_failed_row(const records::InboxEntry& entry,
                                                          const Error& error) {
  std::int64_t now = audit::now_epoch_ms();
  Outcome out = failure(entry, "dispatch failed and was rolled back: " + error.message,
                        /*permanent=*/false, now);
  WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadWrite));
  WASL_ASSIGN_OR_RETURN(bool wrote,
                        inbox_.set_dispatch_state_if(*tx, entry.id, entry.attempts, out.state,
                                                     out.last_error, out.next_attempt_at));
  DispatchPass pass;
  if (!wrote) {
    tx->rollback();  // another dispatcher settled or tried it meanwhile
    return pass;
  }
  if (out.audit_parking) WASL_RETURN_IF_ERROR(append_parking_audit(*tx, entry));
  WASL_RETURN_IF_ERROR(tx->commit());
  std::vector<std::int64_t> ages_ms;
  if (out.state == InboxState::kParked) {
    ++pass.parked;
    ages_ms.push_back(now - entry.received_at);
    spdlog::warn("webhook {} of {} parked: {}", entry.id, entry.instance,
                 out.last_error.value_or(""));
  } else {
    ++pass.failed;
  }
  record_metrics(pass, ages_ms);
  return pass;
}

Status WebhookDispatcher::append_parking_audit(storage::Transaction& tx,
                                               const records::InboxEntry& entry) const {
  if (audit_ == nullptr) return {};
  WASL_RETURN_IF_ERROR(
      audit_->append(tx, records::parked_event(entry.id, entry.facility_id.value_or(""),
                                               entry.instance, entry.attempts + 1)));
  return {};
}

Result<DispatchPass> WebhookDispatcher::dispatch_batch(int limit,
                                                       std::vector<records::InboxEntry>& taken) {
  std::int64_t now = audit::now_epoch_ms();
  WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadWrite));
  WASL_ASSIGN_OR_RETURN(auto candidates,
                        inbox_.fetch_for_dispatch(*tx, store_.dialect(), limit, now));
  DispatchPass pass;
  if (candidates.empty()) {
    tx->rollback();
    return pass;
  }
  for (const auto& candidate : candidates) taken.push_back(candidate.entry);

  // Each readable row becomes one event per facility it concerns.
  std::vector<std::optional<Outcome>> outcomes(candidates.size());
  std::vector<workflow::IncomingEvent> events;
  std::vector<std::size_t> owner;  // events[k] belongs to candidates[owner[k]]
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const records::InboxEntry& entry = candidates[i].entry;
    if (candidates[i].unreadable) {
      outcomes[i] = failure(entry,
                            "the stored webhook cannot be read (" +
                                std::string(sdk::to_string(candidates[i].unreadable->code)) +
                                "): " + candidates[i].unreadable->message,
                            /*permanent=*/true, now);
      continue;
    }
    auto event = stored_event(entry);
    if (!event.ok()) {
      outcomes[i] = failure(entry, event.error().message, /*permanent=*/true, now);
      continue;
    }
    std::vector<std::string> facilities;
    if (entry.facility_id) {
      facilities.push_back(*entry.facility_id);
    } else {
      auto source = sources_.find(entry.instance);
      if (!source.ok()) {
        outcomes[i] = failure(
            entry, "webhook instance '" + entry.instance + "' is no longer configured", false, now);
        continue;
      }
      facilities = source->facilities;
    }
    if (facilities.empty()) {
      outcomes[i] = failure(entry,
                            "webhook instance '" + entry.instance +
                                "' serves no facility (no facility binds it), so no workflow can "
                                "take its events",
                            /*permanent=*/true, now);
      continue;
    }
    nlohmann::json payload = *event;
    std::string type = entry.event_type.value_or(event->type);
    std::string correlation = entry.correlation.value_or("");
    for (const auto& facility : facilities) {
      events.push_back(workflow::IncomingEvent{
          facility, type, correlation, payload,
          entry.instance + "/" + facility + "/" + entry.dedupe_key, entry.id});
      owner.push_back(i);
    }
  }

  if (!events.empty()) {
    WASL_ASSIGN_OR_RETURN(auto delivered, sink_.deliver(*tx, events));
    std::vector<bool> matched(candidates.size(), false);
    for (std::size_t k = 0; k < delivered.size() && k < owner.size(); ++k) {
      std::size_t i = owner[k];
      if (outcomes[i]) continue;  // an earlier facility's delivery failed
      if (!delivered[k].ok()) {
        outcomes[i] = failure(
            candidates[i].entry,
            "delivery to the workflow engine failed: " + delivered[k].error().message, false, now);
        continue;
      }
      if (!delivered[k]->matched_run.empty()) matched[i] = true;
      if (!sink_.act) continue;
      auto acted = sink_.act(*tx, candidates[i].entry.instance, events[k]);
      if (!acted.ok()) {
        outcomes[i] = failure(candidates[i].entry, acted.error().message,
                              /*permanent=*/!acted.error().retryable, now);
        continue;
      }
      if (*acted) matched[i] = true;
    }
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (outcomes[i]) continue;
      outcomes[i] = Outcome{matched[i] ? InboxState::kDispatched : InboxState::kUnmatched,
                            std::nullopt, 0, false};
    }
  }

  std::vector<std::int64_t> ages_ms;
  ages_ms.reserve(candidates.size());
  // Delivered rows in one statement per state; failures one by one.
  std::vector<std::string> dispatched_ids;
  std::vector<std::string> unmatched_ids;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const records::InboxEntry& entry = candidates[i].entry;
    const Outcome& out = *outcomes[i];
    if (out.state == InboxState::kDispatched) {
      dispatched_ids.push_back(entry.id);
    } else if (out.state == InboxState::kUnmatched) {
      unmatched_ids.push_back(entry.id);
    } else {
      WASL_RETURN_IF_ERROR(
          inbox_.set_dispatch_state(*tx, entry.id, out.state, out.last_error, out.next_attempt_at));
    }
    switch (out.state) {
      case InboxState::kDispatched: ++pass.dispatched; break;
      case InboxState::kUnmatched: ++pass.unmatched; break;
      case InboxState::kParked: ++pass.parked; break;
      case InboxState::kReceived: ++pass.failed; break;
    }
    if (out.state != InboxState::kReceived) ages_ms.push_back(now - entry.received_at);
  }
  WASL_RETURN_IF_ERROR(
      inbox_.set_dispatch_states(*tx, store_.dialect(), dispatched_ids, InboxState::kDispatched));
  WASL_RETURN_IF_ERROR(
      inbox_.set_dispatch_states(*tx, store_.dialect(), unmatched_ids, InboxState::kUnmatched));
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (outcomes[i]->audit_parking) {
      WASL_RETURN_IF_ERROR(append_parking_audit(*tx, candidates[i].entry));
    }
  }
  WASL_RETURN_IF_ERROR(tx->commit());
  if (sink_.committed && pass.dispatched > 0) sink_.committed();
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (outcomes[i]->state == InboxState::kParked) {
      spdlog::warn("webhook {} of {} parked: {}", candidates[i].entry.id,
                   candidates[i].entry.instance, outcomes[i]->last_error.value_or(""));
    }
  }
  record_metrics(pass, ages_ms);
  return pass;
}

void WebhookDispatcher::record_metrics(const DispatchPass& pass,
                                       const std::vector<std::int64_t>& ages_ms) {
  if (metrics_ == nullptr) return;
  auto add = [this](const char* outcome, int n) {
    if (n > 0) {
      metrics_->counter_add("wasl_webhook_dispatch_total",
                            "Inbox rows handed to the workflow engine, by outcome",
                            {{"outcome", outcome}}, n);
    }
  };
  add("dispatched", pass.dispatched);
  add("unmatched", pass.unmatched);
  add("failed", pass.failed);
  add("parked", pass.parked);
  for (std::int64_t age : ages_ms) {
    metrics_->histogram_observe("wasl_webhook_dispatch_delay_seconds",
                                "Time from a webhook's acceptance to its dispatch commit", {},
                                static_cast<double>(std::max<std::int64_t>(age, 0)) / 1000.0,
                                delay_buckets());
  }
}

}  // namespace wasl::webhooks
