// WorkingDataRetention: what the hub keeps only to process and to repair
// goes once each facility's retention (facilities.<id>.retention) has
// passed, so the database stops growing with every consultation:
//   - dispatched webhook and feed events (inbox rows, their bodies PHI),
//     and workflow events no run took, after `inbox`; entries stored
//     without a facility (a shared instance's) after the longest `inbox`
//     of any facility;
//   - a finished run's trigger, step outputs and received events' bodies
//     after `step_data` (they read as null afterwards);
//   - finished runs with their steps, events and notes after `runs`;
//   - Idempotency-Key records after `idempotency_keys`.
// Never a row still needed: received, unmatched and parked inbox entries,
// failed or unfinished runs, runs with a job or task queued, and runs of a
// consultation with an open claim (claims::ClaimStore) or a recording under
// legal hold (records::RecordingStore) stay.
//
// Each batch (at most `batch` rows of one kind) is one transaction with
// its audit event: action "working_data.purge", actor "system", the
// facility, entity facility/<id> (inbox/shared for shared entries), detail
// {kind, rows, before} — counts and the cutoff, never PHI. Each kind of a
// facility runs at most `max_batches` batches a pass; the rest waits for
// the next. The pass runs on one hub of several a period
// (jobs::once_per_period, job "retention.working_data").
//
// Thread-safety: run_once() from one thread at a time per object; several
// processes may run it at once (each row goes once).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "hub/audit/audit_writer.hpp"
#include "hub/config/config.hpp"
#include "hub/jobs/periodic_runner.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::retention {

struct WorkingDataOptions {
  std::chrono::milliseconds interval{std::chrono::minutes(15)};
  // Rows of one kind per transaction. Each batch's audit event stays in the
  // append-only trail, so a batch of 2000 keeps what pruning leaves behind
  // small (about 900 events for 200,000 consultations' working data).
  int batch = 2000;
  int max_batches = 100;  // batches of one kind and facility per pass
  // Wall clock; unset = system clock.
  std::function<std::chrono::system_clock::time_point()> clock;
  // Counts what each pass removes (wasl_working_data_pruned_total{kind});
  // may be null.
  observability::Metrics* metrics = nullptr;
};

struct WorkingDataPass {
  std::int64_t inbox = 0;             // dispatched inbox entries deleted
  std::int64_t unmatched_events = 0;  // workflow events no run took, deleted
  std::int64_t runs_cleared = 0;      // finished runs whose data was cleared
  std::int64_t runs_deleted = 0;      // finished runs deleted
  std::int64_t runs_kept = 0;         // past `runs` but still needed
  std::int64_t idempotency_keys = 0;  // keys forgotten
};

class WorkingDataRetention {
 public:
  // `store` and `audit` must outlive the object; `facilities` is each
  // facility's retention (config.facilities' `retention`).
  WorkingDataRetention(storage::Store& store, const audit::AuditWriter& audit,
                       std::map<std::string, config::FacilityRetentionConfig> facilities,
                       WorkingDataOptions options = {});
  ~WorkingDataRetention();
  WorkingDataRetention(const WorkingDataRetention&) = delete;
  WorkingDataRetention& operator=(const WorkingDataRetention&) = delete;

  // One pass over every facility; the first error stops it (what was
  // committed stays).
  sdk::Result<WorkingDataPass> run_once();

  // The periodic runner: run_once() now and every options.interval, on the
  // hub that takes the period.
  sdk::Status start();
  void stop();

 private:
  sdk::Status purge_inbox(WorkingDataPass& pass, std::int64_t now);
  sdk::Status purge_runs(const std::string& facility, std::int64_t cutoff, bool clear_only,
                         WorkingDataPass& pass);
  // Runs `batch` (one transaction's work: the rows it removed, at most
  // options.batch) until one removes fewer, at most max_batches times,
  // auditing each that removed rows.
  sdk::Status batches(const std::string& facility, const std::string& kind, std::int64_t cutoff,
                      std::int64_t& total,
                      const std::function<sdk::Result<std::int64_t>(storage::Transaction&)>& batch);
  sdk::Status audit_batch(storage::Transaction& tx, const std::string& facility,
                          const std::string& kind, std::int64_t rows, std::int64_t cutoff);
  std::int64_t now_ms() const;

  storage::Store& store_;
  const audit::AuditWriter& audit_;
  std::map<std::string, config::FacilityRetentionConfig> facilities_;
  WorkingDataOptions options_;
  std::unique_ptr<jobs::PeriodicRunner> runner_;
};

// Each facility's retention, from the configuration.
std::map<std::string, config::FacilityRetentionConfig> retention_of(const config::Config& config);

}  // namespace wasl::retention
