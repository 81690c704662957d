#include "hub/workflow/engine.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>

#include "hub/workflow/language/capabilities.hpp"
#include "hub/workflow/commit_group.hpp"
#include "hub/workflow/event_delivery.hpp"
#include "hub/workflow/event_matcher.hpp"
#include "hub/workflow/idempotency_key.hpp"
#include "hub/jobs/job_queue.hpp"
#include "hub/workflow/prepared_job.hpp"
#include "hub/storage/row_id.hpp"
#include "hub/workflow/run_control.hpp"
#include "hub/workflow/run_repository.hpp"
#include "hub/workflow/run_state.hpp"
#include "hub/workflow/run_timeline_query.hpp"
#include "hub/workflow/step_caller.hpp"
#include "hub/workflow/transitions.hpp"
#include "hub/workflow/language/value_template.hpp"

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

std::string describe(const Error& error) {
  return std::string(sdk::to_string(error.code)) + ": " + error.message;
}

std::string default_engine_id() {
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host[0] ? host : "wasl") + "-" + std::to_string(getpid()) + "-" +
         storage::new_row_id().substr(0, 8);
}

EngineOptions normalized(EngineOptions options) {
  options.workers = std::max(options.workers, 0);
  options.claim_batch = std::max(options.claim_batch, 1);
  return options;
}

}  // namespace

// ---------------------------------------------------------------------------
// Core: the workers' loop over the engine's parts — claiming and preparing
// jobs, calling them (StepCaller), recording their outcome and what follows
// (RunRepository, Transitions). Each claim or finish commits its own
// transaction.
// ---------------------------------------------------------------------------
class Engine::Core {
 public:
  Core(storage::Store& store, DefinitionStore& definitions,
       std::shared_ptr<CapabilityInvoker> invoker, const HubActions& actions,
       observability::Metrics& metrics, EngineOptions options, const records::CellCipher* cipher,
       const audit::AuditWriter* audit)
      : store_(store),
        definitions_(definitions),
        invoker_(invoker),
        metrics_(metrics),
        options_(normalized(std::move(options))),
        runs_(store.dialect(), definitions, cipher),
        events_(store, runs_),
        transitions_(runs_, events_, options_),
        caller_(store, std::move(invoker), actions, metrics, options_),
        commit_group_(store, options_.commit_group, options_.commit_group_leaders),
        audit_(audit),
        delivery_(store, runs_, events_, transitions_, options_),
        control_(store, definitions, invoker_, runs_, transitions_, options_) {
    engine_id_ = options_.engine_id.empty() ? default_engine_id() : options_.engine_id;
  }

  std::int64_t now_ms() const { return engine_now_ms(options_); }

  // ---- claiming and preparing ------------------------------------------------------
  Result<std::vector<PreparedJob>> claim(int worker) {
    auto leased_at = std::chrono::steady_clock::now();
    std::int64_t now = now_ms();
    WASL_ASSIGN_OR_RETURN(auto tx, store_.begin());
    WASL_ASSIGN_OR_RETURN(auto claimed, jobs::JobQueue::claim(*tx, store_.dialect(),
                                                     engine_id_ + "/" + std::to_string(worker),
                                                     now, options_.lease, options_.claim_batch));
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
        WASL_RETURN_IF_ERROR(prepare_call(*tx, p, now));
      }
      prepared.push_back(std::move(p));
    }
    WASL_RETURN_IF_ERROR(tx->commit());
    return prepared;
  }

  // Records the attempt of a call job as started and renders its input.
  Status prepare_call(Transaction& tx, PreparedJob& p, std::int64_t now) {
    std::string step_id = p.job.payload.value("step", std::string());
    p.compensation = p.job.payload.value("compensation", false);
    p.step = p.compensation ? p.run.definition->find_compensation(step_id)
                            : p.run.definition->find_step(step_id);
    if (p.step == nullptr) {
      p.render_error = Error(ErrorCode::kInternal,
                             "step '" + step_id + "' is not in workflow " + p.run.workflow +
                                 " version " + std::to_string(p.run.version),
                             false);
      return {};
    }
    if (p.run.status == kCancelling && !p.compensation) {
      p.cancel = true;
      return {};
    }
    p.key = step_idempotency_key(p.run.id, p.step->id);
    WASL_ASSIGN_OR_RETURN(auto row,
                          runs_.insert_attempt(tx, p.run, p.step->id, kRunning, p.key, now, false));
    p.attempt_row = row.id;
    p.attempt = row.attempt;
    p.started_at = now;
    p.timeout = p.step->timeout.value_or(options_.default_call_timeout);
    EvaluationContext context{p.run.data, options_.env};
    auto input = render_value(p.step->with, context, "with");
    if (!input.ok()) {
      p.render_error = Error(ErrorCode::kInvalidArgument, input.error().message, false);
      return {};
    }
    p.input = input->is_null() ? json::object() : std::move(input).value();
    if (p.input.is_object()) p.input["idempotency_key"] = p.key;
    return {};
  }

  // ---- finishing ---------------------------------------------------------------------
  // Records the outcome of a prepared job and schedules what follows, in one
  // transaction; retried on a storage conflict. When the run's next piece of
  // work is a call due now and `next` is given, that transaction also keeps
  // the lease and records the next attempt as started: *next is then that
  // attempt, to be called by the same worker.
  Status finish(PreparedJob& p, CallOutcome outcome, std::optional<PreparedJob>* next) {
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
  void finished(const PreparedJob& p, const CallOutcome& outcome, bool dropped,
                std::optional<PreparedJob>* next, std::optional<PreparedJob>& chained) {
    if (dropped) {
      lost_leases_.fetch_add(1);
      metrics_.counter_add("wasl_workflow_results_dropped_total",
                           "Step results dropped because another worker had taken the job over",
                           {});
      spdlog::warn("workflow run {}: another worker took over the job; result dropped",
                   p.run.id);
    }
    observe(p, outcome);
    if (next != nullptr && chained) {
      chained_steps_.fetch_add(1);
      *next = std::move(chained);
    }
  }

  Status finish_once(PreparedJob& p, CallOutcome& outcome, bool& redo,
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
  Status finish_in(Transaction& tx, PreparedJob& p, CallOutcome& outcome, bool& redo,
                   std::optional<PreparedJob>* next, bool& dropped) {
    std::int64_t now = now_ms();
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
      WASL_RETURN_IF_ERROR(prepare_call(tx, n, now));
      *next = std::move(n);
    }
    return {};
  }

  // Records the outcome of `p` and the transition that follows inside `tx`.
  Status record(Transaction& tx, PreparedJob& p, CallOutcome& outcome, bool& redo, JobHolding* held,
                std::int64_t now) {
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
      WASL_RETURN_IF_ERROR(caller_.notify_observer(tx, p, result));
      return transitions_.call_succeeded(tx, p, result.value(), held, now);
    }
    const Error& error = result.error();
    WASL_RETURN_IF_ERROR(runs_.finish_attempt(tx, p.attempt_row, kFailed, now, nullptr, &error));
    WASL_ASSIGN_OR_RETURN(bool rescheduled, transitions_.retry_later(tx, p, error, held, now));
    if (rescheduled) return {};
    WASL_RETURN_IF_ERROR(caller_.notify_observer(tx, p, result));
    return transitions_.call_failed(tx, p, error, held, now);
  }

  // Audits the stored output of `p` when its capability's output holds PHI,
  // in `tx`, the transaction that stores it.
  Status audit_output(Transaction& tx, const PreparedJob& p, std::int64_t now) const {
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
    json detail = {{"run_id", p.run.id}, {"step", p.step->id}, {"call", p.step->call},
                   {"attempt", p.attempt}};
    if (!p.run.consultation_id.empty()) detail["consultation_id"] = p.run.consultation_id;
    event.detail = detail.dump();
    WASL_RETURN_IF_ERROR(audit_->append(tx, event));
    return {};
  }

  // Gives back a prepared job that will not be called (the engine stops):
  // its attempt, recorded as started but never called, is removed and the
  // job is due again at once, for any worker, without waiting for the lease.
  void release(const PreparedJob& p) {
    auto tx = store_.begin();
    if (!tx.ok()) return;
    if (p.job.kind == jobs::kCallJob && !p.attempt_row.empty()) {
      if (!runs_.remove_uncalled(**tx, p.attempt_row).ok()) return;
    }
    auto released = jobs::JobQueue::release(**tx, jobs::held_job(p.job), now_ms());
    if (!released.ok() || !*released) return;  // rolled back: a takeover owns it
    (void)(*tx)->commit();
  }

  // Before calling a job that was leased a while ago (a later job of a claim
  // batch), extends its lease so it cannot lapse during the call; false when
  // the job was taken over meanwhile or the extension could not be stored
  // (the job is then left to lapse and be taken over).
  bool keep_lease(PreparedJob& p) {
    auto now = std::chrono::steady_clock::now();
    if (now - p.leased_at < options_.lease / 3) return true;
    auto tx = store_.begin();
    if (!tx.ok()) return false;
    std::int64_t expires = now_ms() + options_.lease.count();
    auto held = jobs::JobQueue::extend(**tx, jobs::held_job(p.job), expires);
    if (!held.ok()) return false;
    if (!*held) {
      lost_leases_.fetch_add(1);
      return false;
    }
    if (!(*tx)->commit().ok()) return false;
    p.leased_at = now;
    p.job.lease_expires_at_ms = expires;
    return true;
  }

  void observe(const PreparedJob& p, const CallOutcome& outcome) {
    steps_finished_.fetch_add(1);
    if (p.job.kind != jobs::kCallJob || p.step == nullptr || p.cancel || !outcome.result) return;
    double seconds = static_cast<double>(now_ms() - p.started_at) / 1000.0;
    std::string result_label =
        outcome.result->ok() ? "ok" : std::string(sdk::to_string(outcome.result->error().code));
    metrics_.histogram_observe("wasl_workflow_step_duration_seconds",
                               "Duration of workflow step attempts",
                               {{"workflow", p.run.workflow},
                                {"step", p.step->id},
                                {"outcome", result_label}},
                               std::max(seconds, 0.0));
  }

  // ---- one worker round ------------------------------------------------------------
  // Claims up to claim_batch jobs and works them in turn; each goes on with
  // the run's next steps while they are due at once (chain_steps). Returns
  // the number of jobs claimed.
  Result<int> work_once(int worker, const std::atomic<bool>& stopping) {
    WASL_ASSIGN_OR_RETURN(auto prepared, claim(worker));
    for (auto& claimed : prepared) {
      if (claimed.stale) continue;
      std::optional<PreparedJob> current = std::move(claimed);
      while (current) {
        PreparedJob& p = *current;
        if (stopping.load()) {
          release(p);
          break;
        }
        if (!keep_lease(p)) break;
        CallOutcome outcome;
        if (p.job.kind == jobs::kCallJob && !p.cancel && p.step != nullptr) {
          outcome = caller_.call(p, stopping);
          if (outcome.abandoned) break;
        }
        std::optional<PreparedJob> next;
        auto finished = finish(p, std::move(outcome), &next);
        if (!finished.ok()) {
          spdlog::warn("workflow run {}: recording a step result failed ({}); the job is "
                       "retried after its lease",
                       p.run.id, describe(finished.error()));
        }
        current = std::move(next);
      }
    }
    return static_cast<int>(prepared.size());
  }

  // ---- metrics read at scrape time -------------------------------------------------
  std::vector<std::pair<observability::Labels, double>> queue_depth() {
    std::vector<std::pair<observability::Labels, double>> out;
    auto tx = store_.begin(storage::TxMode::kReadOnly);
    if (!tx.ok()) return out;
    auto count = jobs::JobQueue::count_due(**tx, now_ms());
    if (count.ok()) out.push_back({{}, static_cast<double>(*count)});
    return out;
  }

  storage::Store& store_;
  DefinitionStore& definitions_;
  std::shared_ptr<CapabilityInvoker> invoker_;
  observability::Metrics& metrics_;
  const EngineOptions options_;
  RunRepository runs_;
  EventMatcher events_;
  Transitions transitions_;
  StepCaller caller_;
  CommitGroup commit_group_;
  const audit::AuditWriter* audit_;
  std::string engine_id_;
  EventDelivery delivery_;
  RunControl control_;

  std::mutex wake_mutex_;
  std::condition_variable wake_;
  std::atomic<bool> stopping_{false};

  std::atomic<std::int64_t> steps_finished_{0};
  std::atomic<std::int64_t> chained_steps_{0};
  std::atomic<std::int64_t> lease_takeovers_{0};
  std::atomic<std::int64_t> lost_leases_{0};
};

// ---------------------------------------------------------------------------
// Engine
// ---------------------------------------------------------------------------
Engine::Engine(storage::Store& store, DefinitionStore& definitions,
               std::shared_ptr<CapabilityInvoker> invoker, const HubActions& actions,
               observability::Metrics& metrics, EngineOptions options,
               const records::CellCipher* cipher, const audit::AuditWriter* audit)
    : core_(std::make_unique<Core>(store, definitions, std::move(invoker), actions, metrics,
                                   std::move(options), cipher, audit)) {
  Core* core = core_.get();
  metrics.gauge_callback("wasl_workflow_runs", "Workflow runs by workflow and status",
                         [core] { return RunRepository::count_by_status(core->store_); });
  metrics.gauge_callback("wasl_workflow_queue_depth",
                         "Workflow jobs due now and not held by a worker",
                         [core] { return core->queue_depth(); });
  metrics.counter_add("wasl_workflow_lease_takeovers_total",
                      "Workflow jobs taken over after their holder's lease lapsed", {}, 0);
  metrics.counter_add("wasl_workflow_results_dropped_total",
                      "Step results dropped because another worker had taken the job over", {},
                      0);
}

Engine::~Engine() {
  stop();
  core_->metrics_.remove_gauge_callback("wasl_workflow_runs");
  core_->metrics_.remove_gauge_callback("wasl_workflow_queue_depth");
}

const std::string& Engine::engine_id() const { return core_->engine_id_; }

Status Engine::start() {
  std::lock_guard lock(lifecycle_mutex_);
  if (started_) {
    return Error(ErrorCode::kFailedPrecondition, "the workflow engine is already started", false);
  }
  started_ = true;
  core_->stopping_ = false;
  if (core_->options_.jitter_seed != 0) Transitions::seed_jitter(core_->options_.jitter_seed);
  for (int i = 0; i < core_->options_.workers; ++i) {
    workers_.emplace_back([this, i] { worker_loop(i); });
  }
  return {};
}

void Engine::stop() {
  std::lock_guard lock(lifecycle_mutex_);
  core_->stopping_ = true;
  core_->wake_.notify_all();
  for (auto& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
  workers_.clear();
  // No call outlives stop(): whatever the workers gave up on is cancelled
  // and waited for, before the services it uses can go.
  core_->caller_.stop();
}

void Engine::worker_loop(int index) {
  Core& core = *core_;
  if (core.options_.jitter_seed != 0) {
    Transitions::seed_jitter(core.options_.jitter_seed + static_cast<std::uint64_t>(index));
  }
  while (!core.stopping_.load()) {
    auto done = core.work_once(index, core.stopping_);
    if (done.ok() && *done > 0) continue;
    if (!done.ok() && done.error().code != ErrorCode::kConflict) {
      spdlog::warn("workflow worker {}: {}", index, describe(done.error()));
    }
    std::unique_lock lock(core.wake_mutex_);
    core.wake_.wait_for(lock, core.options_.poll_interval,
                        [&core] { return core.stopping_.load(); });
  }
}

Result<std::string> Engine::start_run(Transaction& tx, const StartRunRequest& request) {
  auto id = core_->control_.start_run(tx, request);
  if (id.ok()) core_->wake_.notify_one();
  return id;
}

Result<std::string> Engine::start_run(const StartRunRequest& request) {
  for (int round = 0;; ++round) {
    WASL_ASSIGN_OR_RETURN(auto tx, core_->store_.begin());
    auto id = core_->control_.start_run(*tx, request);
    Status committed = id.ok() ? tx->commit() : Status(id.error());
    if (committed.ok()) {
      core_->wake_.notify_one();
      return id;
    }
    if (committed.error().code != ErrorCode::kConflict || round >= 3) {
      return std::move(committed).error();
    }
  }
}

Result<DeliveredEvent> Engine::deliver_event(const std::string& facility_id,
                                             const std::string& type,
                                             const std::string& correlation,
                                             const nlohmann::json& payload,
                                             const std::string& dedupe_key) {
  WASL_ASSIGN_OR_RETURN(auto tx, core_->store_.begin());
  WASL_ASSIGN_OR_RETURN(
      auto delivered,
      core_->delivery_.deliver_events(
          *tx, {IncomingEvent{facility_id, type, correlation, payload, dedupe_key}}));
  if (!delivered[0].ok()) return std::move(delivered[0]).error();
  WASL_RETURN_IF_ERROR(tx->commit());
  if (!delivered[0]->matched_run.empty()) work_available();
  return std::move(delivered[0]).value();
}

Result<std::vector<Result<DeliveredEvent>>> Engine::deliver_events(
    Transaction& tx, const std::vector<IncomingEvent>& events) {
  return core_->delivery_.deliver_events(tx, events);
}

void Engine::work_available() { core_->wake_.notify_all(); }

Status Engine::cancel(const std::string& run_id) {
  auto status = core_->control_.cancel(run_id);
  if (status.ok()) core_->wake_.notify_one();
  return status;
}

Status Engine::cancel(Transaction& tx, const std::string& run_id) {
  return core_->control_.cancel_in(tx, run_id);
}

Status Engine::retry(const std::string& run_id) {
  auto status = core_->control_.retry(run_id);
  if (status.ok()) core_->wake_.notify_one();
  return status;
}

Status Engine::retry(Transaction& tx, const std::string& run_id) {
  return core_->control_.retry_in(tx, run_id);
}

Result<RunTimeline> Engine::timeline(const std::string& run_id) {
  return read_run_timeline(core_->store_, core_->definitions_, run_id);
}

Result<std::optional<std::string>> Engine::consultation_run(Transaction& tx,
                                                            std::string_view facility_id,
                                                            std::string_view consultation_id) {
  return core_->runs_.find_consultation_run(tx, facility_id, consultation_id);
}

Result<std::int64_t> Engine::run_workflow_version(Transaction& tx, std::string_view run_id) {
  return core_->runs_.workflow_version(tx, run_id);
}

Result<RoleBindings> Engine::consultation_run_bindings(Transaction& tx,
                                                       std::string_view facility_id,
                                                       std::string_view consultation_id) {
  return core_->runs_.consultation_run_bindings(tx, facility_id, consultation_id);
}

EngineStats Engine::stats() const {
  EngineStats s;
  s.steps_finished = core_->steps_finished_.load();
  s.chained_steps = core_->chained_steps_.load();
  s.lease_takeovers = core_->lease_takeovers_.load();
  s.lost_leases = core_->lost_leases_.load();
  s.abandoned_calls = core_->caller_.abandoned_calls();
  s.group_commits = core_->commit_group_.groups_committed();
  s.grouped_finishes = core_->commit_group_.pieces_committed();
  return s;
}

}  // namespace wasl::workflow
