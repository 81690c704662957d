#include "hub/observability/call_window.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace wasl::observability {

CallWindow::CallWindow(std::int64_t window_ms, std::size_t max_calls)
    : window_ms_(window_ms), max_calls_(std::max<std::size_t>(1, max_calls)) {}

void CallWindow::trim(std::deque<Call>& calls, std::int64_t now_ms) const {
  while (!calls.empty() && calls.front().at_ms <= now_ms - window_ms_) calls.pop_front();
}

void CallWindow::record(std::string_view key, std::int64_t at_ms, double seconds, bool failed) {
  std::lock_guard lock(mutex_);
  auto it = calls_.find(key);
  if (it == calls_.end()) it = calls_.emplace(std::string(key), std::deque<Call>{}).first;
  it->second.push_back({at_ms, seconds, failed});
  while (it->second.size() > max_calls_) it->second.pop_front();
}

CallWindowStats CallWindow::read(std::string_view key, std::int64_t now_ms) {
  std::vector<double> durations;
  CallWindowStats stats;
  {
    std::lock_guard lock(mutex_);
    auto it = calls_.find(key);
    if (it == calls_.end()) return stats;
    trim(it->second, now_ms);
    durations.reserve(it->second.size());
    for (const Call& call : it->second) {
      if (call.at_ms > now_ms) continue;
      ++stats.calls;
      if (call.failed) ++stats.failures;
      if (call.at_ms > now_ms - 60'000) ++stats.calls_last_minute;
      durations.push_back(call.seconds * 1000.0);
    }
  }
  if (stats.calls == 0) return stats;
  stats.failure_rate = static_cast<double>(stats.failures) / stats.calls;
  // Nearest rank: the smallest duration with at least 95% of calls at or below it.
  std::sort(durations.begin(), durations.end());
  auto rank = static_cast<std::size_t>(std::ceil(0.95 * static_cast<double>(durations.size())));
  stats.p95_ms = durations[std::max<std::size_t>(rank, 1) - 1];
  return stats;
}

}  // namespace wasl::observability
