// CallWindow: the recent calls of named things (plugin instances), kept for a
// sliding window so their rate, failure share and latency percentile can be
// read now, not since start-up as the Prometheus counters give them. Beside
// Metrics: the same calls feed both.
//
// Thread-safe: record() and read() may be called from any thread; each takes
// one short lock. Memory is bounded: at most `max_calls` calls are kept per
// key (the oldest are dropped first).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace wasl::observability {

struct CallWindowStats {
  int calls_last_minute = 0;     // calls that ended in the last 60 s
  int calls = 0;                 // calls in the window
  int failures = 0;              // of them, failed ones
  double failure_rate = 0;       // failures / calls; 0 when there were no calls
  std::optional<double> p95_ms;  // 95th percentile duration in the window; none without calls
};

class CallWindow {
 public:
  // `window_ms`: how far back read() looks.
  explicit CallWindow(std::int64_t window_ms = 5 * 60 * 1000, std::size_t max_calls = 10000);

  // One call of `key` that ended at `at_ms` (epoch ms) after `seconds`.
  void record(std::string_view key, std::int64_t at_ms, double seconds, bool failed);

  // The calls of `key` that ended in (now_ms - window, now_ms]; zero counts
  // for a key never recorded. Calls older than the window are dropped.
  CallWindowStats read(std::string_view key, std::int64_t now_ms);

  std::int64_t window_ms() const { return window_ms_; }

 private:
  struct Call {
    std::int64_t at_ms;
    double seconds;
    bool failed;
  };
  void trim(std::deque<Call>& calls, std::int64_t now_ms) const;

  const std::int64_t window_ms_;
  const std::size_t max_calls_;
  std::mutex mutex_;
  std::map<std::string, std::deque<Call>, std::less<>> calls_;
};

}  // namespace wasl::observability
