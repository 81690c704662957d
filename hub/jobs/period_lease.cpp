#include "hub/jobs/period_lease.hpp"

#include <algorithm>
#include <utility>

#include "hub/storage/row_id.hpp"

namespace wasl::jobs {

sdk::Result<bool> PeriodLease::take(const std::string& job, const std::string& holder,
                                    std::int64_t now_ms, std::int64_t until_ms) {
  WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadWrite));
  WASL_ASSIGN_OR_RETURN(
      std::int64_t changed,
      tx->exec("INSERT INTO periodic_job_leases (job, holder, expires_at, next_at) "
               "VALUES ($1, $2, $3, 0) ON CONFLICT (job) DO UPDATE SET "
               "holder = excluded.holder, expires_at = excluded.expires_at "
               "WHERE periodic_job_leases.expires_at <= $4 AND periodic_job_leases.next_at <= $4",
               {job, holder, until_ms, now_ms}));
  WASL_RETURN_IF_ERROR(tx->commit());
  return changed > 0;
}

sdk::Result<bool> PeriodLease::finish(const std::string& job, const std::string& holder,
                                      std::int64_t now_ms, std::int64_t next_at_ms) {
  WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadWrite));
  WASL_ASSIGN_OR_RETURN(std::int64_t changed,
                        tx->exec("UPDATE periodic_job_leases SET expires_at = $1, next_at = $2 "
                                 "WHERE job = $3 AND holder = $4",
                                 {now_ms, next_at_ms, job, holder}));
  WASL_RETURN_IF_ERROR(tx->commit());
  return changed > 0;
}

PeriodOptions period_options(const std::function<std::chrono::system_clock::time_point()>& clock,
                             observability::Metrics* metrics) {
  PeriodOptions options;
  options.metrics = metrics;
  if (clock) {
    options.now_ms = [clock] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(clock().time_since_epoch())
          .count();
    };
  }
  return options;
}

sdk::Result<std::function<sdk::Status()>> once_per_period(storage::Store& store, std::string job,
                                                          std::chrono::milliseconds interval,
                                                          std::function<sdk::Status()> tick,
                                                          PeriodOptions options) {
  WASL_ASSIGN_OR_RETURN(std::string holder, storage::new_row_id());
  if (options.lease <= std::chrono::milliseconds::zero()) {
    options.lease = std::clamp<std::chrono::milliseconds>(2 * interval, std::chrono::seconds(10),
                                                          std::chrono::minutes(15));
  }
  if (!options.now_ms) {
    options.now_ms = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  }
  return std::function<sdk::Status()>([&store, job = std::move(job), holder = std::move(holder),
                                       interval, tick = std::move(tick),
                                       options = std::move(options)]() -> sdk::Status {
    PeriodLease lease(store);
    const std::int64_t started = options.now_ms();
    WASL_ASSIGN_OR_RETURN(bool taken,
                          lease.take(job, holder, started, started + options.lease.count()));
    if (!taken) return {};  // another hub runs this period, or ran it
    if (options.metrics != nullptr) {
      options.metrics->counter_add("wasl_periodic_job_periods_total",
                                   "Periods of a periodic job this process ran (one process a "
                                   "period across the processes on one database).",
                                   {{"job", job}});
    }
    sdk::Status ran = tick();
    WASL_ASSIGN_OR_RETURN(bool kept,
                          lease.finish(job, holder, options.now_ms(), started + interval.count()));
    (void)kept;  // a lapsed lease: the next holder set the next period
    return ran;
  });
}

}  // namespace wasl::jobs
