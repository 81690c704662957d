#include "hub/workflow/step_finisher.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "hub/jobs/job_queue.hpp"
#include "hub/workflow/call_preparation.hpp"
#include "hub/workflow/language/capabilities.hpp"
#include "hub/workflow/resource_guard.hpp"
#include "hub/workflow/run_state.hpp"

namespace wasl::workflow {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;
using storage::Transaction;
using namespace run_status;

namespace {

constexpr int kFinishRounds = 4;

}  // namespace

StepFinisher::StepFinisher(storage::Store& store, RunRepository& runs, Transitions& transitions,
                           const StepCaller& caller, CommitGroup& commit_group,
                           observability::Metrics& metrics, const EngineOptions& options,
                           const audit::AuditWriter* audit, const std::atomic<bool>& stopping)
    : store_(store),
      runs_(runs),
      transitions_(transitions),
      caller_(caller),
      commit_group_(commit_group),
      metrics_(metrics),
      options_(options),
      audit_(audit),
      stopping_(stopping) {}

Status StepFinisher::finish(PreparedJob& p, CallOutcome outcome, std::optional<PreparedJob>* next) {
  // A hub action that runs in the transaction may need it again on its
  // own (redo), so its step never joins a group.
  if (commit_group_.enabled() && !outcome.in_tx_action) {
    PreparedJob copy = p;  // a group rolled back must not leave its changes in memory
    std::optional<PreparedJob> chained;
    bool dropped = false;
    CommitGroup::Work work = [&](Transaction& tx) {
      bool redo = false;
      return finish_in(tx, copy, outcome, redo, next != nullptr ? &chained : nullptr, dropped);
    };
    if (commit_group_.run(work) == CommitGroup::Outcome::kCommitted) {
      finished(p, outcome, dropped, next, chained);
      return {};
    }
  }
  Status last;
  for (int round = 0; round < kFinishRounds; ++round) {
    PreparedJob copy = p;  // a failed round must not leave its changes in memory
    bool redo = false;
    bool dropped = false;
    std::optional<PreparedJob> chained;
    last = finish_once(copy, outcome, redo, next != nullptr ? &chained : nullptr, dropped);
    if (last.ok()) {
      finished(p, outcome, dropped, next, chained);
      return last;
    }
    if (redo) continue;  // a hub action failed: record its error in a fresh transaction
    if (last.error().code != ErrorCode::kConflict || !last.error().retryable) break;
  }
  return last;
}

// After the commit of a finish: counts it, and hands the chained attempt
// to the worker.
void StepFinisher::finished(const PreparedJob& p, const CallOutcome& outcome, bool dropped,
                            std::optional<PreparedJob>* next, std::optional<PreparedJob>& chained) {
  if (dropped) {
    results_dropped_.fetch_add(1);
    metrics_.counter_add("wasl_workflow_results_dropped_total",
                         "Step results dropped because another worker had taken the job over", {});
    spdlog::warn("workflow run {}: another worker took over the job; result dropped", p.run.id);
  }
  observe(p, outcome);
  if (next != nullptr && chained) {
    chained_steps_.fetch_add(1);
    *next = std::move(chained);
  }
}

Status StepFinisher::finish_once(PreparedJob& p, CallOutcome& outcome, bool& redo,
                                 std::optional<PreparedJob>* next, bool& dropped) {
  WASL_ASSIGN_OR_RETURN(auto tx, store_.begin());
  WASL_RETURN_IF_ERROR(finish_in(*tx, p, outcome, redo, next, dropped));
  if (dropped) {
    tx->rollback();
    return {};
  }
  return tx->commit();
}

// The work of a finish inside `tx`. `dropped`: another worker had taken
// the job over; nothing was written.
Status StepFinisher::finish_in(Transaction& tx, PreparedJob& p, CallOutcome& outcome, bool& redo,
                               std::optional<PreparedJob>* next, bool& dropped) {
  std::int64_t now = engine_now_ms(options_);
  JobHolding holding{jobs::held_job(p.job),
                     next != nullptr && options_.chain_steps && !stopping_.load(), std::nullopt};
  WASL_ASSIGN_OR_RETURN(auto status, runs_.held_status(tx, holding.job));
  dropped = !status.has_value();
  if (dropped) return {};
  p.run.status = std::move(*status);
  auto leased_at = std::chrono::steady_clock::now();
  WASL_RETURN_IF_ERROR(record(tx, p, outcome, redo, &holding, now));
  if (holding.chained && next != nullptr) {
    PreparedJob n;
    n.job = p.job;
    n.job.kind = jobs::kCallJob;
    n.job.payload = std::move(*holding.chained);
    n.job.lease_expires_at_ms = now + options_.lease.count();
    n.job.takeover = false;
    n.job.previous_owner.clear();
    n.job.claims = 1;
    n.leased_at = leased_at;
    n.run = std::move(p.run);
    // A step may have changed the consultation: the next one sees it as now.
    if (!n.run.consultation_id.empty()) {
      WASL_ASSIGN_OR_RETURN(n.run.data["consultation"], runs_.load_consultation(tx, n.run));
    }
    WASL_RETURN_IF_ERROR(prepare_call(tx, runs_, options_, n, now));
    *next = std::move(n);
  }
  return {};
}

// Records the outcome of `p` and the transition that follows inside `tx`.
Status StepFinisher::record(Transaction& tx, PreparedJob& p, CallOutcome& outcome, bool& redo,
                            JobHolding* held, std::int64_t now) {
  if (p.job.kind == jobs::kWaitJob) return transitions_.wait_due(tx, p, held, now);
  if (p.cancel) return transitions_.cancel_run(tx, p.run, held, p.step ? p.step->id : "", now);
  if (p.step == nullptr) {
    return transitions_.end_run(tx, p.run, held, kFailed, p.render_error->message, now);
  }
  if (outcome.in_tx_action) {
    WASL_RETURN_IF_ERROR(tx.exec("SAVEPOINT wasl_hub_action"));
    Result<json> result = caller_.call_in_transaction(tx, p);
    if (!result.ok()) {
      if (!tx.exec("ROLLBACK TO SAVEPOINT wasl_hub_action").ok()) {
        tx.rollback();
        outcome.in_tx_action = false;
        outcome.result = std::move(result);
        redo = true;
        return Error(ErrorCode::kConflict, "redo without the hub action", true);
      }
    }
    outcome.result = std::move(result);
  }
  const Result<json>& result = *outcome.result;
  if (result.ok()) {
    WASL_RETURN_IF_ERROR(
        runs_.finish_attempt(tx, p.attempt_row, kSucceeded, now, &result.value(), nullptr));
    WASL_RETURN_IF_ERROR(audit_output(tx, p, now));
    WASL_RETURN_IF_ERROR(record_resources(tx, p, result.value(), now));
    WASL_RETURN_IF_ERROR(caller_.notify_observer(tx, p, result));
    return transitions_.call_succeeded(tx, p, result.value(), held, now);
  }
  const Error& error = result.error();
  WASL_RETURN_IF_ERROR(runs_.finish_attempt(tx, p.attempt_row, kFailed, now, nullptr, &error));
  if (p.denied) {
    // A refused resource stays refused: audited, and never retried.
    if (audit_ != nullptr) {
      WASL_RETURN_IF_ERROR(
          audit_->append(tx, denied_event(*p.denied, p.run.facility_id, p.run.id, p.step->id,
                                          p.step->call, p.attempt_row, now)));
    }
  } else if (!outcome.refused) {
    WASL_ASSIGN_OR_RETURN(bool rescheduled, transitions_.retry_later(tx, p, error, held, now));
    if (rescheduled) return {};
  }
  WASL_RETURN_IF_ERROR(caller_.notify_observer(tx, p, result));
  return transitions_.call_failed(tx, p, error, held, now);
}

// Audits the stored output of `p` when its capability's output holds PHI,
// in `tx`, the transaction that stores it.
Status StepFinisher::audit_output(Transaction& tx, const PreparedJob& p, std::int64_t now) const {
  if (audit_ == nullptr || p.step == nullptr) return {};
  const Capability* capability = find_capability(p.step->call);
  if (capability == nullptr || !capability->output_holds_phi) return {};
  audit::AuditEvent event;
  event.occurred_at = now;
  event.actor = "system";
  event.facility_id = p.run.facility_id;
  event.action = "workflow.step_output";
  event.entity_type = "workflow_step";
  event.entity_id = p.attempt_row;
  event.outcome = std::string(audit::kOutcomeSuccess);
  json detail = {
      {"run_id", p.run.id}, {"step", p.step->id}, {"call", p.step->call}, {"attempt", p.attempt}};
  if (!p.run.consultation_id.empty()) detail["consultation_id"] = p.run.consultation_id;
  event.detail = detail.dump();
  WASL_RETURN_IF_ERROR(audit_->append(tx, event));
  return {};
}

// Records the provider resources the output of `p` names as the run's
// facility's, in `tx`, the transaction that stores it.
Status StepFinisher::record_resources(Transaction& tx, const PreparedJob& p, const json& output,
                                      std::int64_t now) const {
  if (p.step == nullptr) return {};
  const Capability* capability = find_capability(p.step->call);
  if (capability == nullptr || capability->resource_outputs.empty()) return {};
  if (capability->needs_role.empty()) return {};
  return record_outputs(tx, p.run.facility_id, caller_.instance_for(p, capability->needs_role),
                        *capability, output, now);
}

void StepFinisher::observe(const PreparedJob& p, const CallOutcome& outcome) {
  steps_finished_.fetch_add(1);
  if (p.job.kind != jobs::kCallJob || p.step == nullptr || p.cancel || !outcome.result) return;
  double seconds = static_cast<double>(engine_now_ms(options_) - p.started_at) / 1000.0;
  std::string result_label =
      outcome.result->ok() ? "ok" : std::string(sdk::to_string(outcome.result->error().code));
  // No workflow or step label: /metrics is unauthenticated, and those names
  // are a facility's own.
  metrics_.histogram_observe("wasl_workflow_step_duration_seconds",
                             "Duration of workflow step attempts, by outcome",
                             {{"outcome", result_label}}, std::max(seconds, 0.0));
}

}  // namespace wasl::workflow
