#include "hub/plugin_host/instance_health.hpp"

#include <chrono>

namespace wasl::plugin_host {

bool fails_instance(sdk::ErrorCode code) {
  switch (code) {
    case sdk::ErrorCode::kUnavailable:
    case sdk::ErrorCode::kDeadlineExceeded:
    case sdk::ErrorCode::kInternal:
    case sdk::ErrorCode::kUnauthenticated:
    case sdk::ErrorCode::kPermissionDenied:
    case sdk::ErrorCode::kResourceExhausted: return true;
    default: return false;
  }
}

InstanceHealth::InstanceHealth(std::function<std::int64_t()> now_ms) : now_ms_(std::move(now_ms)) {}

std::int64_t InstanceHealth::now() const {
  if (now_ms_) return now_ms_();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void InstanceHealth::record(std::string_view instance, std::string_view method,
                            const sdk::Error* error, double seconds) {
  const std::int64_t at = now();
  const bool failed = error != nullptr && fails_instance(error->code);
  window_.record(instance, at, seconds, failed);
  CallOutcome outcome{std::string(method), at,
                      error == nullptr ? "ok" : std::string(sdk::to_string(error->code))};
  std::lock_guard lock(mutex_);
  auto it = states_.find(instance);
  if (it == states_.end()) it = states_.emplace(std::string(instance), State{}).first;
  State& s = it->second;
  if (failed) s.last_error = outcome;
  s.last_call = outcome;
  const std::string next = failed ? "failing" : "healthy";
  if (s.state == next) return;
  const std::string previous = s.state;
  s.state = next;
  s.since_ms = at;
  InstanceAlert alert;
  alert.instance = std::string(instance);
  alert.at_ms = at;
  alert.state = next;
  alert.message = outcome.method + ": " + outcome.outcome;
  // unknown -> healthy is no news here; every other change is an alert.
  if (previous != "unknown" || next != "healthy") {
    alert.kind = failed ? "instance.failing" : "instance.recovered";
  } else if (!sink_) {
    return;
  }
  emit(std::move(alert));
}

void InstanceHealth::raise(std::string_view instance, std::string_view kind, std::string message,
                           RaiseOptions options) {
  InstanceAlert alert;
  alert.instance = std::string(instance);
  alert.at_ms = now();
  alert.kind = std::string(kind);
  alert.message = std::move(message);
  alert.facility_id = std::move(options.facility_id);
  alert.dedup_key = std::move(options.dedup_key);
  std::lock_guard lock(mutex_);
  emit(std::move(alert));
}

void InstanceHealth::set_alert_sink(AlertSink sink) {
  std::lock_guard lock(mutex_);
  sink_ = std::move(sink);
}

void InstanceHealth::emit(InstanceAlert alert) {
  if (sink_) {
    sink_(std::move(alert));
    return;
  }
  alert.id = next_alert_id_++;
  alerts_.push_back(std::move(alert));
  while (alerts_.size() > kMaxAlerts) alerts_.pop_front();
}

void InstanceHealth::note_probe(std::string_view instance, std::string_view method,
                                const sdk::Error* error) {
  CallOutcome outcome{std::string(method), now(),
                      error == nullptr ? "ok" : std::string(sdk::to_string(error->code))};
  std::lock_guard lock(mutex_);
  auto it = states_.find(instance);
  if (it == states_.end()) it = states_.emplace(std::string(instance), State{}).first;
  it->second.last_probe = std::move(outcome);
}

InstanceHealthView InstanceHealth::view(std::string_view instance) {
  InstanceHealthView v;
  const std::int64_t at = now();
  v.window = window_.read(instance, at);
  v.window_ms = window_.window_ms();
  std::lock_guard lock(mutex_);
  auto it = states_.find(instance);
  if (it == states_.end()) return v;
  v.state = it->second.state;
  v.since_ms = it->second.since_ms;
  v.last_probe = it->second.last_probe;
  v.last_error = it->second.last_error;
  v.last_call = it->second.last_call;
  return v;
}

std::vector<InstanceAlert> InstanceHealth::alerts(
    const std::function<bool(const InstanceAlert&)>& visible, std::int64_t after_id,
    std::size_t limit) const {
  std::vector<InstanceAlert> out;
  std::lock_guard lock(mutex_);
  for (auto it = alerts_.rbegin(); it != alerts_.rend() && out.size() < limit; ++it) {
    if (it->id <= after_id) break;
    if (visible(*it)) out.push_back(*it);
  }
  return out;
}

}  // namespace wasl::plugin_host
