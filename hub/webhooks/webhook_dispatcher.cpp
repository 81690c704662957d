#include "hub/webhooks/webhook_dispatcher.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "hub/webhooks/inbox_event.hpp"

namespace wasl::webhooks {

using records::InboxState;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

EventDelivery deliver_to(workflow::Engine& engine) {
  return [&engine](const std::string& facility, const std::string& type,
                   const std::string& correlation, const nlohmann::json& payload,
                   const std::string& dedupe_key) {
    return engine.deliver_event(facility, type, correlation, payload, dedupe_key);
  };
}

WebhookDispatcher::WebhookDispatcher(storage::Store& store, const records::InboxStore& inbox,
                                     const WebhookSources& sources, EventDelivery deliver,
                                     WebhookDispatcherOptions options,
                                     observability::Metrics* metrics)
    : store_(store),
      inbox_(inbox),
      sources_(sources),
      deliver_(std::move(deliver)),
      options_(options),
      metrics_(metrics) {
  options_.batch = std::clamp(options_.batch, 1, 1000);
  options_.max_attempts = std::max(1, options_.max_attempts);
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
  thread_ = std::thread([this] { run(); });
  return {};
}

void WebhookDispatcher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wakeup_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WebhookDispatcher::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wakeup_.notify_all();
}

void WebhookDispatcher::run() {
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      woken_ = false;
    }
    auto pass = dispatch_once();
    bool busy = false;
    if (!pass.ok()) {
      spdlog::warn("webhook dispatch pass failed: {}", pass.error().message);
    } else {
      // A full batch of processed rows means more are likely waiting.
      busy = pass->processed() > 0 && pass->processed() + pass->waiting >= options_.batch;
    }
    if (busy) continue;
    auto until = std::chrono::steady_clock::now() + options_.poll_interval;
    until = std::min(until, next_due_);
    std::unique_lock lock(mutex_);
    wakeup_.wait_until(lock, until, [this] { return stopping_ || woken_; });
  }
}

WebhookDispatcher::Outcome WebhookDispatcher::failure(const records::InboxEntry& entry,
                                                      const std::string& message, bool permanent) {
  Outcome out{entry.id, InboxState::kReceived, message};
  std::int64_t attempts = entry.attempts + 1;
  if (permanent || attempts >= options_.max_attempts) {
    out.state = InboxState::kParked;
    retry_at_.erase(entry.id);
    return out;
  }
  auto delay = options_.initial_backoff;
  for (std::int64_t i = 1; i < attempts && delay < options_.max_backoff; ++i) delay *= 2;
  delay = std::min(delay, options_.max_backoff);
  retry_at_[entry.id] = std::chrono::steady_clock::now() + delay;
  return out;
}

WebhookDispatcher::Outcome WebhookDispatcher::process(const records::InboxEntry& entry) {
  auto event = stored_event(entry);
  if (!event.ok()) return failure(entry, event.error().message, /*permanent=*/true);

  std::vector<std::string> facilities;
  if (entry.facility_id) {
    facilities.push_back(*entry.facility_id);
  } else {
    auto source = sources_.find(entry.instance);
    if (!source.ok()) {
      return failure(entry, "webhook instance '" + entry.instance + "' is no longer configured",
                     false);
    }
    facilities = source->facilities;
  }
  if (facilities.empty()) {
    return failure(entry,
                   "webhook instance '" + entry.instance +
                       "' serves no facility (no facility binds it), so no workflow can take "
                       "its events",
                   /*permanent=*/true);
  }

  std::string type = entry.event_type.value_or(event->type);
  std::string correlation = entry.correlation.value_or("");
  nlohmann::json payload = *event;
  bool matched = false;
  for (const auto& facility : facilities) {
    std::string dedupe = entry.instance + "/" + facility + "/" + entry.dedupe_key;
    auto delivered = deliver_(facility, type, correlation, payload, dedupe);
    if (!delivered.ok()) {
      return failure(entry, "delivery to the workflow engine failed: " + delivered.error().message,
                     false);
    }
    if (!delivered->matched_run.empty()) matched = true;
  }
  retry_at_.erase(entry.id);
  return Outcome{entry.id, matched ? InboxState::kDispatched : InboxState::kUnmatched,
                 std::nullopt};
}

Result<DispatchPass> WebhookDispatcher::dispatch_once() {
  const bool postgres = store_.dialect() == storage::Dialect::kPostgres;
  WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(postgres ? storage::TxMode::kReadWrite
                                                       : storage::TxMode::kReadOnly));
  WASL_ASSIGN_OR_RETURN(auto entries,
                        inbox_.fetch_for_dispatch(*tx, store_.dialect(), options_.batch));
  if (!postgres) {
    WASL_RETURN_IF_ERROR(tx->commit());
    tx.reset();
  }

  DispatchPass pass;
  std::vector<Outcome> outcomes;
  auto now = std::chrono::steady_clock::now();
  next_due_ = std::chrono::steady_clock::time_point::max();
  for (const auto& entry : entries) {
    if (auto it = retry_at_.find(entry.id); it != retry_at_.end() && it->second > now) {
      ++pass.waiting;
      next_due_ = std::min(next_due_, it->second);
      continue;
    }
    Outcome out = process(entry);
    switch (out.state) {
      case InboxState::kDispatched: ++pass.dispatched; break;
      case InboxState::kUnmatched: ++pass.unmatched; break;
      case InboxState::kParked: ++pass.parked; break;
      case InboxState::kReceived:
        ++pass.failed;
        next_due_ = std::min(next_due_, retry_at_[out.id]);
        break;
    }
    outcomes.push_back(std::move(out));
  }
  if (outcomes.empty()) return pass;

  if (!tx) {
    WASL_ASSIGN_OR_RETURN(tx, store_.begin(storage::TxMode::kReadWrite));
  }
  for (const auto& out : outcomes) {
    WASL_RETURN_IF_ERROR(inbox_.set_dispatch_state(*tx, out.id, out.state, out.last_error));
  }
  WASL_RETURN_IF_ERROR(tx->commit());

  if (metrics_ != nullptr) {
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
  }
  return pass;
}

}  // namespace wasl::webhooks
