#include "hub/workflow/engine.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <utility>

#include "hub/jobs/job_queue.hpp"
#include "hub/workflow/commit_group.hpp"
#include "hub/workflow/event_delivery.hpp"
#include "hub/workflow/event_matcher.hpp"
#include "hub/workflow/job_claimer.hpp"
#include "hub/workflow/run_control.hpp"
#include "hub/workflow/run_repository.hpp"
#include "hub/workflow/run_timeline_query.hpp"
#include "hub/workflow/step_caller.hpp"
#include "hub/workflow/step_finisher.hpp"
#include "hub/workflow/transitions.hpp"
#include "hub/workflow/worker_round.hpp"
#include "wasl/sdk/hex.hpp"
#include "wasl/sdk/random.hpp"

namespace wasl::workflow {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;
using storage::Transaction;

namespace {

std::string describe(const Error& error) {
  return std::string(sdk::to_string(error.code)) + ": " + error.message;
}

// "<host>-<pid>-<8 hex digits>": random digits, or, should the generator
// fail, a process-wide sequence number, so two engines of one process differ.
std::string default_engine_id() {
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  std::string suffix;
  if (auto random = sdk::random_hex(4); random.ok()) {
    suffix = std::move(random).value();
  } else {
    static std::atomic<std::uint32_t> sequence{0};
    std::uint32_t n = sequence.fetch_add(1, std::memory_order_relaxed);
    for (int shift = 28; shift >= 0; shift -= 4) suffix += sdk::hex_digit(n >> shift);
  }
  return std::string(host[0] ? host : "wasl") + "-" + std::to_string(getpid()) + "-" + suffix;
}

EngineOptions normalized(EngineOptions options) {
  options.workers = std::max(options.workers, 0);
  options.claim_batch = std::max(options.claim_batch, 1);
  return options;
}

// The wasl_workflow_queue_depth gauge: workflow jobs due now
// (JobQueue::count_due), read at scrape time in a transaction of its own;
// empty on error.
std::vector<std::pair<observability::Labels, double>> queue_depth(storage::Store& store,
                                                                  const EngineOptions& options) {
  std::vector<std::pair<observability::Labels, double>> out;
  auto tx = store.begin(storage::TxMode::kReadOnly);
  if (!tx.ok()) return out;
  auto count = jobs::JobQueue::count_due(**tx, engine_now_ms(options));
  if (count.ok()) out.push_back({{}, static_cast<double>(*count)});
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------
// Core: the engine's parts, built once and borrowed by one another; each
// names what it needs (see their headers). The Engine's entry points and
// worker threads reach them here.
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
        engine_id_(options_.engine_id.empty() ? default_engine_id() : options_.engine_id),
        runs_(store.dialect(), definitions, cipher),
        events_(store, runs_),
        transitions_(runs_, events_, options_),
        caller_(store, std::move(invoker), actions, metrics, options_),
        commit_group_(store, options_.commit_group, options_.commit_group_leaders),
        claimer_(store, runs_, metrics, options_, engine_id_),
        finisher_(store, runs_, transitions_, caller_, commit_group_, metrics, options_, audit,
                  stopping_),
        round_(claimer_, caller_, finisher_),
        delivery_(store, runs_, events_, transitions_, options_),
        control_(store, definitions, invoker_, runs_, transitions_, options_) {}

  storage::Store& store_;
  DefinitionStore& definitions_;
  std::shared_ptr<CapabilityInvoker> invoker_;
  observability::Metrics& metrics_;
  const EngineOptions options_;
  const std::string engine_id_;

  std::mutex wake_mutex_;
  std::condition_variable wake_;
  std::atomic<bool> stopping_{false};

  RunRepository runs_;
  EventMatcher events_;
  Transitions transitions_;
  StepCaller caller_;
  CommitGroup commit_group_;
  JobClaimer claimer_;
  StepFinisher finisher_;
  WorkerRound round_;
  EventDelivery delivery_;
  RunControl control_;
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
  metrics.gauge_callback("wasl_workflow_runs", "Workflow runs by status",
                         [core] { return RunRepository::count_by_status(core->store_); });
  metrics.gauge_callback("wasl_workflow_queue_depth",
                         "Workflow jobs due now and not held by a worker",
                         [core] { return queue_depth(core->store_, core->options_); });
  metrics.counter_add("wasl_workflow_lease_takeovers_total",
                      "Workflow jobs taken over after their holder's lease lapsed", {}, 0);
  metrics.counter_add("wasl_workflow_results_dropped_total",
                      "Step results dropped because another worker had taken the job over", {}, 0);
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
    auto done = core.round_.work_once(index, core.stopping_);
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
  WASL_ASSIGN_OR_RETURN(auto delivered,
                        core_->delivery_.deliver_events(
                            *tx, {IncomingEvent{facility_id, type, correlation, payload, dedupe_key,
                                                /*inbox_id=*/""}}));
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
  s.steps_finished = core_->finisher_.steps_finished();
  s.chained_steps = core_->finisher_.chained_steps();
  s.lease_takeovers = core_->claimer_.lease_takeovers();
  s.lost_leases = core_->claimer_.leases_lost() + core_->finisher_.results_dropped();
  s.abandoned_calls = core_->caller_.abandoned_calls();
  s.group_commits = core_->commit_group_.groups_committed();
  s.grouped_finishes = core_->commit_group_.pieces_committed();
  return s;
}

}  // namespace wasl::workflow
