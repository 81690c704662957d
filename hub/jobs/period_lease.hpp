// PeriodLease: one hub at a time runs a periodic job's period, and the hubs
// on one database share when its next period is due, so two hubs never run
// the same period of a job twice nor each at its own interval (the
// periodic_job_leases table, one row per job name).
//
// take() starts a period for `holder`, running until at most `until_ms`,
// when none runs (the last one finished, or its holder died and its lease
// lapsed: expires_at <= now_ms) and the next is due (next_at <= now_ms);
// false otherwise. finish() ends the holder's period, the next due at
// `next_at_ms`; false when the lease was lost (it lapsed and another hub
// took it).
//
// once_per_period() wraps a PeriodicRunner's tick in it: each hub's runner
// still wakes every interval, but only the one that takes the period calls
// the tick; the next period is due an interval after this one started.
// Each period a process runs counts in its
// wasl_periodic_job_periods_total{job} (when given Metrics), so the sum over
// the hubs of one database is the job's periods.
// A tick longer than the lease may overlap the next holder's: the jobs
// wrapped are safe to run twice (each row they change is changed once),
// the lease saves the duplicate work and the duplicate calls to providers.
//
// Thread-safety: stateless apart from the borrowed Store (which must outlive
// it); the wrapped tick is called from the runner's thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "hub/observability/metrics.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::jobs {

class PeriodLease {
 public:
  explicit PeriodLease(storage::Store& store) : store_(store) {}

  sdk::Result<bool> take(const std::string& job, const std::string& holder, std::int64_t now_ms,
                         std::int64_t until_ms);
  sdk::Result<bool> finish(const std::string& job, const std::string& holder, std::int64_t now_ms,
                           std::int64_t next_at_ms);

 private:
  storage::Store& store_;
};

struct PeriodOptions {
  // How long a period may run before another hub may take the job over
  // (what a hub that died mid-period delays the job by); zero = twice the
  // interval, at least 10 s and at most 15 min.
  std::chrono::milliseconds lease{0};
  // Wall clock, epoch ms; unset = system clock.
  std::function<std::int64_t()> now_ms;
  // Where the periods this process runs are counted; may be null.
  observability::Metrics* metrics = nullptr;
};

// PeriodOptions with the wall clock a job's options name (unset: the
// system clock) and the process's metrics (may be null).
PeriodOptions period_options(const std::function<std::chrono::system_clock::time_point()>& clock,
                             observability::Metrics* metrics = nullptr);

// `tick`, called only for the periods of `job` this hub takes (a fresh
// holder token per call of once_per_period). An error taking or finishing
// the period is returned (the runner logs it) and the tick is not called.
sdk::Result<std::function<sdk::Status()>> once_per_period(storage::Store& store, std::string job,
                                                          std::chrono::milliseconds interval,
                                                          std::function<sdk::Status()> tick,
                                                          PeriodOptions options = {});

}  // namespace wasl::jobs
