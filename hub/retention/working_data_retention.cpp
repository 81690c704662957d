#include "hub/retention/working_data_retention.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>
#include <vector>

#include "hub/claims/claim_store.hpp"
#include "hub/jobs/job_queue.hpp"
#include "hub/jobs/period_lease.hpp"
#include "hub/records/idempotency_store.hpp"
#include "hub/records/inbox_store.hpp"
#include "hub/records/recording_store.hpp"
#include "hub/workflow/run_retention.hpp"

namespace wasl::retention {

using sdk::Result;
using sdk::Status;

namespace {

std::int64_t ms(std::chrono::milliseconds d) { return d.count(); }

}  // namespace

std::map<std::string, config::FacilityRetentionConfig> retention_of(const config::Config& config) {
  std::map<std::string, config::FacilityRetentionConfig> out;
  for (const auto& [id, facility] : config.facilities) out.emplace(id, facility.retention);
  return out;
}

WorkingDataRetention::WorkingDataRetention(
    storage::Store& store, const audit::AuditWriter& audit,
    std::map<std::string, config::FacilityRetentionConfig> facilities, WorkingDataOptions options)
    : store_(store),
      audit_(audit),
      facilities_(std::move(facilities)),
      options_(std::move(options)) {}

WorkingDataRetention::~WorkingDataRetention() { stop(); }

std::int64_t WorkingDataRetention::now_ms() const {
  const auto now = options_.clock ? options_.clock() : std::chrono::system_clock::now();
  return std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
}

Status WorkingDataRetention::audit_batch(storage::Transaction& tx, const std::string& facility,
                                         const std::string& kind, std::int64_t rows,
                                         std::int64_t cutoff) {
  audit::AuditEvent event;
  event.actor = "system";
  event.facility_id = facility;
  event.action = "working_data.purge";
  event.entity_type = facility.empty() ? "inbox" : "facility";
  event.entity_id = facility.empty() ? "shared" : facility;
  event.outcome = std::string(audit::kOutcomeSuccess);
  event.detail = nlohmann::json{{"kind", kind}, {"rows", rows}, {"before", cutoff}}.dump();
  WASL_RETURN_IF_ERROR(audit_.append(tx, event));
  if (options_.metrics != nullptr) {
    options_.metrics->counter_add("wasl_working_data_pruned_total",
                                  "Rows of working data retention removed or cleared, by kind.",
                                  {{"kind", kind}}, static_cast<double>(rows));
  }
  return {};
}

Status WorkingDataRetention::batches(
    const std::string& facility, const std::string& kind, std::int64_t cutoff, std::int64_t& total,
    const std::function<Result<std::int64_t>(storage::Transaction&)>& batch) {
  for (int i = 0; i < options_.max_batches; ++i) {
    WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadWrite));
    WASL_ASSIGN_OR_RETURN(std::int64_t rows, batch(*tx));
    if (rows > 0) WASL_RETURN_IF_ERROR(audit_batch(*tx, facility, kind, rows, cutoff));
    WASL_RETURN_IF_ERROR(tx->commit());
    total += rows;
    if (rows < options_.batch) break;
  }
  return {};
}

Status WorkingDataRetention::purge_inbox(WorkingDataPass& pass, std::int64_t now) {
  std::chrono::milliseconds longest{0};
  for (const auto& entry : facilities_) {
    const std::string& facility = entry.first;
    const config::FacilityRetentionConfig& retention = entry.second;
    longest = std::max(longest, retention.inbox);
    const std::int64_t cutoff = now - ms(retention.inbox);
    const std::optional<std::string> owner = facility;
    WASL_RETURN_IF_ERROR(
        batches(facility, "inbox", cutoff, pass.inbox, [&](storage::Transaction& tx) {
          return records::InboxStore::purge_dispatched(tx, owner, cutoff, options_.batch);
        }));
    WASL_RETURN_IF_ERROR(batches(facility, "unmatched_events", cutoff, pass.unmatched_events,
                                 [&](storage::Transaction& tx) {
                                   return workflow::RunRetention::purge_unmatched_events(
                                       tx, facility, cutoff, options_.batch);
                                 }));
  }
  if (facilities_.empty()) return {};
  // Entries of a shared instance may belong to any facility: the longest
  // retention of them all.
  const std::int64_t cutoff = now - ms(longest);
  return batches("", "inbox", cutoff, pass.inbox, [&](storage::Transaction& tx) {
    return records::InboxStore::purge_dispatched(tx, std::nullopt, cutoff, options_.batch);
  });
}

Status WorkingDataRetention::purge_runs(const std::string& facility, std::int64_t cutoff,
                                        bool clear_only, WorkingDataPass& pass) {
  workflow::FinishedRunCursor cursor;
  const std::string kind = clear_only ? "step_data" : "runs";
  for (int i = 0; i < options_.max_batches; ++i) {
    WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadWrite));
    WASL_ASSIGN_OR_RETURN(auto runs,
                          workflow::RunRetention::finished_before(
                              *tx, facility, cutoff, cursor, options_.batch,
                              clear_only ? workflow::RunData::kKept : workflow::RunData::kAny));
    if (runs.empty()) return {};
    cursor = {runs.back().finished_at, runs.back().id};
    std::vector<std::string> run_ids;
    std::vector<std::string> consultation_ids;
    for (const auto& run : runs) {
      run_ids.push_back(run.id);
      if (run.consultation_id) consultation_ids.push_back(*run.consultation_id);
    }
    std::set<std::string> needed;
    if (!consultation_ids.empty()) {
      WASL_ASSIGN_OR_RETURN(needed, claims::ClaimStore::consultations_with_open_claims(
                                        *tx, facility, consultation_ids));
      WASL_ASSIGN_OR_RETURN(auto held, records::RecordingStore::consultations_on_legal_hold(
                                           *tx, facility, consultation_ids));
      needed.insert(held.begin(), held.end());
    }
    WASL_ASSIGN_OR_RETURN(auto busy, jobs::JobQueue::runs_with_jobs(*tx, run_ids));
    std::vector<std::string> removable;
    for (const auto& run : runs) {
      if (busy.count(run.id) > 0 ||
          (run.consultation_id && needed.count(*run.consultation_id) > 0)) {
        if (!clear_only) ++pass.runs_kept;
        continue;
      }
      removable.push_back(run.id);
    }
    std::int64_t rows = 0;
    if (!removable.empty()) {
      if (clear_only) {
        WASL_ASSIGN_OR_RETURN(rows, workflow::RunRetention::clear_data(*tx, facility, removable));
      } else {
        WASL_ASSIGN_OR_RETURN(rows, workflow::RunRetention::remove(*tx, facility, removable));
      }
    }
    if (rows > 0) WASL_RETURN_IF_ERROR(audit_batch(*tx, facility, kind, rows, cutoff));
    WASL_RETURN_IF_ERROR(tx->commit());
    (clear_only ? pass.runs_cleared : pass.runs_deleted) += rows;
    if (static_cast<int>(runs.size()) < options_.batch) return {};
  }
  return {};
}

Result<WorkingDataPass> WorkingDataRetention::run_once() {
  WorkingDataPass pass;
  const std::int64_t now = now_ms();
  WASL_RETURN_IF_ERROR(purge_inbox(pass, now));
  for (const auto& entry : facilities_) {
    const std::string& facility = entry.first;
    const config::FacilityRetentionConfig& retention = entry.second;
    WASL_RETURN_IF_ERROR(purge_runs(facility, now - ms(retention.step_data), true, pass));
    WASL_RETURN_IF_ERROR(purge_runs(facility, now - ms(retention.runs), false, pass));
    const std::int64_t cutoff = now - ms(retention.idempotency_keys);
    WASL_RETURN_IF_ERROR(batches(
        facility, "idempotency_keys", cutoff, pass.idempotency_keys, [&](storage::Transaction& tx) {
          return records::IdempotencyStore::purge_before(tx, facility, cutoff, options_.batch);
        }));
  }
  return pass;
}

Status WorkingDataRetention::start() {
  if (!runner_) {
    WASL_ASSIGN_OR_RETURN(
        auto tick, jobs::once_per_period(
                       store_, "retention.working_data", options_.interval,
                       [this]() -> Status {
                         WASL_ASSIGN_OR_RETURN(WorkingDataPass pass, run_once());
                         if (pass.inbox + pass.unmatched_events + pass.runs_cleared +
                                 pass.runs_deleted + pass.idempotency_keys >
                             0) {
                           spdlog::info(
                               "working-data retention: {} inbox entries, {} unmatched events, "
                               "{} runs' data, {} runs, {} idempotency keys; {} runs kept",
                               pass.inbox, pass.unmatched_events, pass.runs_cleared,
                               pass.runs_deleted, pass.idempotency_keys, pass.runs_kept);
                         }
                         return {};
                       },
                       jobs::period_options(options_.clock, options_.metrics)));
    runner_ = std::make_unique<jobs::PeriodicRunner>("working-data retention", options_.interval,
                                                     std::move(tick));
  }
  return runner_->start();
}

void WorkingDataRetention::stop() {
  if (runner_) runner_->stop();
}

}  // namespace wasl::retention
