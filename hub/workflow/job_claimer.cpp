#include "hub/workflow/job_claimer.hpp"

#include <algorithm>
#include <chrono>
#include <random>
#include <utility>

#include "hub/jobs/job_queue.hpp"
#include "hub/workflow/call_preparation.hpp"
#include "hub/workflow/run_state.hpp"

namespace wasl::workflow {

using sdk::Result;
using namespace run_status;

JobClaimer::JobClaimer(storage::Store& store, RunRepository& runs, observability::Metrics& metrics,
                       const EngineOptions& options, const std::string& engine_id)
    : store_(store), runs_(runs), metrics_(metrics), options_(options), engine_id_(engine_id) {}

Result<std::vector<PreparedJob>> JobClaimer::claim(int worker) {
  auto leased_at = std::chrono::steady_clock::now();
  std::int64_t now = engine_now_ms(options_);
  WASL_ASSIGN_OR_RETURN(auto tx, store_.begin());
  WASL_ASSIGN_OR_RETURN(
      auto claimed,
      jobs::JobQueue::claim(*tx, store_.dialect(), engine_id_ + "/" + std::to_string(worker), now,
                            options_.lease, options_.claim_batch));
  std::vector<PreparedJob> prepared;
  if (claimed.empty()) {
    tx->rollback();  // nothing written: an idle poll costs no commit
    return prepared;
  }
  for (auto& job : claimed) {
    if (job.takeover) {
      lease_takeovers_.fetch_add(1);
      metrics_.counter_add("wasl_workflow_lease_takeovers_total",
                           "Workflow jobs taken over after their holder's lease lapsed", {});
      WASL_RETURN_IF_ERROR(runs_.mark_running_lost(*tx, job.run_id, now));
    }
    PreparedJob p;
    p.job = std::move(job);
    p.leased_at = leased_at;
    WASL_ASSIGN_OR_RETURN(p.run, runs_.load(*tx, p.job.run_id, false));
    jobs::HeldJob held = jobs::held_job(p.job);
    if (is_final(p.run.status)) {
      WASL_RETURN_IF_ERROR(jobs::JobQueue::remove(*tx, held));
      p.stale = true;
      prepared.push_back(std::move(p));
      continue;
    }
    if (p.job.kind == jobs::kCallJob) {
      WASL_RETURN_IF_ERROR(prepare_call(*tx, runs_, options_, p, now));
    }
    prepared.push_back(std::move(p));
  }
  WASL_RETURN_IF_ERROR(tx->commit());
  return prepared;
}

bool JobClaimer::keep_lease(PreparedJob& p) {
  auto now = std::chrono::steady_clock::now();
  if (now - p.leased_at < options_.lease / 3) return true;
  auto tx = store_.begin();
  if (!tx.ok()) return false;
  std::int64_t expires = engine_now_ms(options_) + options_.lease.count();
  auto held = jobs::JobQueue::extend(**tx, jobs::held_job(p.job), expires);
  if (!held.ok()) return false;
  if (!*held) {
    leases_lost_.fetch_add(1);
    return false;
  }
  if (!(*tx)->commit().ok()) return false;
  p.leased_at = now;
  p.job.lease_expires_at_ms = expires;
  return true;
}

void JobClaimer::release(const PreparedJob& p) { give_back(p, engine_now_ms(options_)); }

void JobClaimer::defer(const PreparedJob& p, const std::string& instance,
                       std::chrono::milliseconds busy_wait) {
  thread_local std::minstd_rand jitter(std::random_device{}());
  const std::int64_t wait = std::max<std::int64_t>(busy_wait.count(), 0);
  std::uniform_int_distribution<std::int64_t> extra(0, wait);
  metrics_.counter_add("wasl_workflow_steps_deferred_total",
                       "Workflow steps not called because their plugin instance was busy (its "
                       "bulkhead), given back to be called later, by instance.",
                       {{"instance", instance}});
  give_back(p, engine_now_ms(options_) + wait + extra(jitter));
}

void JobClaimer::give_back(const PreparedJob& p, std::int64_t due_at_ms) {
  auto tx = store_.begin();
  if (!tx.ok()) return;
  if (p.job.kind == jobs::kCallJob && !p.attempt_row.empty()) {
    if (!runs_.remove_uncalled(**tx, p.attempt_row).ok()) return;
  }
  auto released = jobs::JobQueue::release(**tx, jobs::held_job(p.job), due_at_ms);
  if (!released.ok() || !*released) return;  // rolled back: a takeover owns it
  (void)(*tx)->commit();
}

}  // namespace wasl::workflow
