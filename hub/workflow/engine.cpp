#include "hub/workflow/engine.hpp"

#include <unistd.h>

#include <algorithm>
#include <map>
#include <random>

#include <spdlog/spdlog.h>

#include "hub/workflow/backoff.hpp"
#include "hub/workflow/expression.hpp"
#include "hub/workflow/idempotency_key.hpp"
#include "hub/workflow/job_queue.hpp"
#include "hub/workflow/row_id.hpp"
#include "hub/workflow/value_template.hpp"

namespace wasl::workflow {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;
using storage::Blob;
using storage::Dialect;
using storage::Params;
using storage::Transaction;

namespace {

constexpr const char* kRunning = "running";
constexpr const char* kWaiting = "waiting";
constexpr const char* kCompensating = "compensating";
constexpr const char* kCancelling = "cancelling";
constexpr const char* kSucceeded = "succeeded";
constexpr const char* kFailed = "failed";
constexpr const char* kCancelled = "cancelled";

constexpr std::chrono::milliseconds kDefaultWaitTimeout{24 * 3600 * 1000};
constexpr int kFinishRounds = 4;

bool is_final(const std::string& status) {
  return status == kSucceeded || status == kFailed || status == kCancelled;
}

std::string describe(const Error& error) {
  return std::string(sdk::to_string(error.code)) + ": " + error.message;
}

storage::Value text_or_null(const std::string& text) {
  return text.empty() ? storage::null_value() : storage::Value(text);
}

std::string default_engine_id() {
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return std::string(host[0] ? host : "wasl") + "-" + std::to_string(getpid()) + "-" +
         new_row_id().substr(0, 8);
}

}  // namespace

// ---------------------------------------------------------------------------
// Core: the engine's state machine over the store. Every transition runs in a
// transaction the caller owns; nothing here commits except the top-level
// entry points (claim, finish, start_run, deliver_event, cancel, retry).
// ---------------------------------------------------------------------------
class Engine::Core {
 public:
  // What the engine knows of a run while it works on it.
  struct RunState {
    std::string id;
    std::string facility_id;
    std::string consultation_id;
    std::string workflow;
    int version = 0;
    std::string status;
    RoleBindings bindings;  // the snapshot taken at creation (empty: none)
    std::shared_ptr<const WorkflowDefinition> definition;
    json data;                                // {trigger, steps, consultation}
    std::map<std::string, int> last_attempt;  // step id -> highest attempt number
  };

  // The job a transition runs under, when a worker holds one.
  struct Holding {
    HeldJob job;
    // The holder may go on with the run's next call at once, in the same
    // lease, when that call is due now (EngineOptions::chain_steps).
    bool chain = false;
    // Set by schedule() when it did so: the payload of the call job now held.
    std::optional<json> chained;
  };

  // A claimed job, prepared in the claim transaction (or, for a chained
  // step, in the transaction that finished the step before it).
  struct Prepared {
    ClaimedJob job;
    RunState run;
    const Step* step = nullptr;
    bool compensation = false;
    bool cancel = false;       // the run is being cancelled: do not call the step
    bool stale = false;        // the run ended: the job was removed in the claim
    std::string attempt_row;   // call jobs: the workflow_steps row of this attempt
    int attempt = 0;
    std::int64_t started_at = 0;
    std::string key;
    json input;
    std::optional<Error> render_error;
    std::chrono::milliseconds timeout{0};
    // When the lease was last set (steady clock); see keep_lease().
    std::chrono::steady_clock::time_point leased_at;
  };

  // The result of a call step, before it is recorded.
  struct Outcome {
    std::optional<Result<json>> result;
    bool in_tx_action = false;  // run the hub action inside the finishing transaction
    bool abandoned = false;     // the engine is stopping; record nothing
  };

  Core(storage::Store& store, DefinitionStore& definitions,
       std::shared_ptr<CapabilityInvoker> invoker, const HubActions& actions,
       observability::Metrics& metrics, EngineOptions options,
       std::unique_ptr<PayloadCodec> codec)
      : store_(store),
        definitions_(definitions),
        invoker_(std::move(invoker)),
        actions_(actions),
        metrics_(metrics),
        options_(std::move(options)),
        codec_(codec ? std::move(codec) : std::make_unique<PlainPayloadCodec>()) {
    engine_id_ = options_.engine_id.empty() ? default_engine_id() : options_.engine_id;
    options_.workers = std::max(options_.workers, 0);
    options_.claim_batch = std::max(options_.claim_batch, 1);
  }

  // ---- clock, ids, payloads ------------------------------------------------
  std::int64_t now_ms() const {
    auto now = options_.clock ? options_.clock() : std::chrono::system_clock::now();
    return std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  }

  Result<Blob> encode(const json& value, const std::string& table, const std::string& row,
                      const std::string& column) const {
    WASL_ASSIGN_OR_RETURN(auto bytes, codec_->encode(value, {table, row, column}));
    return Blob{std::move(bytes)};
  }

  Result<json> decode(const storage::Row& row, const std::string& cell, const std::string& table,
                      const std::string& row_id) const {
    if (row.is_null(cell)) return json();
    WASL_ASSIGN_OR_RETURN(auto bytes, row.get_blob(cell));
    return codec_->decode(bytes, {table, row_id, cell});
  }

  // ---- loading a run ---------------------------------------------------------
  Result<RunState> load_run(Transaction& tx, const std::string& run_id, bool lock) {
    std::string sql =
        "SELECT id, facility_id, consultation_id, workflow_name, workflow_version, status, "
        "trigger_enc, bindings FROM workflow_runs WHERE id = $1";
    if (lock && store_.dialect() == Dialect::kPostgres) sql += " FOR UPDATE";
    WASL_ASSIGN_OR_RETURN(auto rows, tx.query(sql, Params{run_id}));
    if (rows.empty()) {
      return Error(ErrorCode::kNotFound, "workflow run " + run_id + " does not exist", false);
    }
    const auto& row = rows[0];
    RunState run;
    run.id = run_id;
    WASL_ASSIGN_OR_RETURN(run.facility_id, row.get_text("facility_id"));
    if (!row.is_null("consultation_id")) {
      WASL_ASSIGN_OR_RETURN(run.consultation_id, row.get_text("consultation_id"));
    }
    WASL_ASSIGN_OR_RETURN(run.workflow, row.get_text("workflow_name"));
    WASL_ASSIGN_OR_RETURN(auto version, row.get_int("workflow_version"));
    run.version = static_cast<int>(version);
    WASL_ASSIGN_OR_RETURN(run.status, row.get_text("status"));
    WASL_ASSIGN_OR_RETURN(run.bindings, run_bindings_of(row, "bindings", run_id));
    WASL_ASSIGN_OR_RETURN(run.definition, definitions_.get(run.workflow, run.version, &tx));
    WASL_ASSIGN_OR_RETURN(auto trigger, decode(row, "trigger_enc", "workflow_runs", run_id));
    run.data = {{"trigger", trigger.is_null() ? json::object() : trigger},
                {"steps", json::object()}};
    WASL_ASSIGN_OR_RETURN(run.data["consultation"], load_consultation(tx, run));

    WASL_ASSIGN_OR_RETURN(
        auto steps, tx.query("SELECT id, step_id, attempt, status, output_enc FROM workflow_steps "
                             "WHERE run_id = $1 ORDER BY attempt",
                             Params{run_id}));
    for (const auto& step : steps) {
      WASL_ASSIGN_OR_RETURN(auto row_id, step.get_text("id"));
      WASL_ASSIGN_OR_RETURN(auto step_id, step.get_text("step_id"));
      WASL_ASSIGN_OR_RETURN(auto attempt, step.get_int("attempt"));
      WASL_ASSIGN_OR_RETURN(auto status, step.get_text("status"));
      run.last_attempt[step_id] = std::max(run.last_attempt[step_id], static_cast<int>(attempt));
      if (status == kSucceeded) {
        WASL_ASSIGN_OR_RETURN(auto output, decode(step, "output_enc", "workflow_steps", row_id));
        run.data["steps"][step_id] = {{"status", kSucceeded}, {"output", output}};
      } else if (status == "skipped" || status == kFailed) {
        run.data["steps"][step_id] = {{"status", status}};
      }
    }
    return run;
  }

  Result<json> load_consultation(Transaction& tx, const RunState& run) {
    json out = {{"facility_id", run.facility_id}};
    if (run.consultation_id.empty()) return out;
    WASL_ASSIGN_OR_RETURN(
        auto rows,
        tx.query("SELECT id, facility_id, status, consultation_type, appointment_ref, "
                 "scheduled_at, video_instance, video_room_id, created_at "
                 "FROM consultations WHERE id = $1",
                 Params{run.consultation_id}));
    if (rows.empty()) return out;
    const auto& row = rows[0];
    for (const char* text : {"id", "facility_id", "status", "appointment_ref", "video_instance",
                             "video_room_id"}) {
      if (!row.is_null(text)) {
        WASL_ASSIGN_OR_RETURN(out[text], row.get_text(text));
      }
    }
    WASL_ASSIGN_OR_RETURN(out["type"], row.get_text("consultation_type"));
    for (const char* number : {"scheduled_at", "created_at"}) {
      if (!row.is_null(number)) {
        WASL_ASSIGN_OR_RETURN(out[std::string(number) + "_ms"], row.get_int(number));
      }
    }
    return out;
  }

  // ---- attempts ----------------------------------------------------------------
  struct AttemptRow {
    std::string id;
    int attempt = 0;
  };

  Result<AttemptRow> insert_attempt(Transaction& tx, RunState& run, const std::string& step_id,
                                    const std::string& status, const std::string& key,
                                    std::int64_t now, bool finished) {
    AttemptRow row{new_row_id(), run.last_attempt[step_id] + 1};
    run.last_attempt[step_id] = row.attempt;
    WASL_RETURN_IF_ERROR(tx.exec(
        "INSERT INTO workflow_steps (id, run_id, step_id, attempt, status, idempotency_key, "
        "started_at, finished_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        Params{row.id, run.id, step_id, std::int64_t{row.attempt}, status, text_or_null(key), now,
               finished ? storage::Value(now) : storage::null_value()}));
    return row;
  }

  Status finish_attempt(Transaction& tx, const std::string& row_id, const std::string& status,
                        std::int64_t now, const json* output, const Error* error) {
    storage::Value out = storage::null_value();
    if (output != nullptr) {
      WASL_ASSIGN_OR_RETURN(out, encode(*output, "workflow_steps", row_id, "output_enc"));
    }
    WASL_RETURN_IF_ERROR(tx.exec(
        "UPDATE workflow_steps SET status = $1, finished_at = $2, output_enc = $3, "
        "error_code = $4, error_message = $5 WHERE id = $6",
        Params{status, now, out,
               error ? storage::Value(std::string(sdk::to_string(error->code)))
                     : storage::null_value(),
               error ? storage::Value(error->message) : storage::null_value(), row_id}));
    return {};
  }

  // ---- jobs ------------------------------------------------------------------------
  // Schedules the run's next job: replaces the held job, or creates one.
  Status schedule(Transaction& tx, const RunState& run, Holding* held,
                  const char* kind, const json& payload, std::int64_t run_at, std::int64_t now) {
    if (held) {
      if (held->chain && !held->chained && std::string_view(kind) == kCallJob && run_at <= now) {
        WASL_ASSIGN_OR_RETURN(bool ok, JobQueue::continue_held(tx, held->job, kind, payload,
                                                               now + options_.lease.count()));
        if (!ok) return lease_lost(run);
        held->chained = payload;
        return {};
      }
      WASL_ASSIGN_OR_RETURN(bool ok, JobQueue::replace(tx, held->job, kind, payload, run_at));
      if (!ok) return lease_lost(run);
      return {};
    }
    return JobQueue::insert(tx, run.id, kind, payload, run_at, now);
  }

  Error lease_lost(const RunState& run) const {
    return Error(ErrorCode::kConflict,
                 "the lease on the job of workflow run " + run.id + " was taken over", false);
  }

  // ---- transitions ---------------------------------------------------------------
  Status end_run(Transaction& tx, RunState& run, Holding* held,
                 const std::string& status, const std::string& error, std::int64_t now) {
    WASL_RETURN_IF_ERROR(tx.exec(
        "UPDATE workflow_runs SET status = $1, error = $2, finished_at = $3, updated_at = $3, "
        "wait_event = NULL, wait_correlation = NULL WHERE id = $4",
        Params{status, text_or_null(error), now, run.id}));
    run.status = status;
    if (held) {
      WASL_ASSIGN_OR_RETURN(bool ok, JobQueue::remove(tx, held->job));
      if (!ok) return lease_lost(run);
    } else {
      WASL_RETURN_IF_ERROR(tx.exec(
          "DELETE FROM jobs WHERE run_id = $1 AND kind LIKE 'workflow.%'", Params{run.id}));
    }
    return {};
  }

  Status start_compensation(Transaction& tx, RunState& run, Holding* held,
                            const std::string& compensation, const std::string& final_status,
                            const std::string& error, std::int64_t now) {
    const Step* step = run.definition->find_compensation(compensation);
    if (step == nullptr) {
      return end_run(tx, run, held, final_status,
                     error + "; compensation '" + compensation + "' is not defined", now);
    }
    run.status = final_status == kCancelled ? kCancelling : kCompensating;
    WASL_RETURN_IF_ERROR(tx.exec(
        "UPDATE workflow_runs SET status = $1, current_step = $2, error = $3, updated_at = $4, "
        "wait_event = NULL, wait_correlation = NULL WHERE id = $5",
        Params{run.status, compensation, text_or_null(error), now, run.id}));
    json payload = {{"step", compensation},
                    {"compensation", true},
                    {"first_attempt", run.last_attempt[compensation] + 1},
                    {"final", final_status},
                    {"error", error}};
    return schedule(tx, run, held, kCallJob, payload, now, now);
  }

  // Ends a cancelled run through the compensation of the step it is in.
  Status cancel_run(Transaction& tx, RunState& run, Holding* held,
                    const std::string& step_id, std::int64_t now) {
    const Step* step = run.definition->find_step(step_id);
    const std::string reason = "cancelled by an operator";
    if (step != nullptr && step->on_failure.action == FailureAction::kCompensate) {
      return start_compensation(tx, run, held, step->on_failure.compensation, kCancelled, reason,
                                now);
    }
    return end_run(tx, run, held, kCancelled, reason, now);
  }

  // A forward step failed for good (retries spent or not retried).
  Status step_failed(Transaction& tx, RunState& run, Holding* held,
                     const Step& step, const Error& error, std::int64_t now) {
    std::string text = "step '" + step.id + "' failed: " + describe(error);
    switch (step.on_failure.action) {
      case FailureAction::kContinue:
        run.data["steps"][step.id] = {{"status", kFailed}};
        return advance(tx, run, held, index_of(run, step.id) + 1, now);
      case FailureAction::kCompensate:
        WASL_RETURN_IF_ERROR(tx.exec("UPDATE workflow_runs SET failed_step = $1 WHERE id = $2",
                                     Params{step.id, run.id}));
        return start_compensation(tx, run, held, step.on_failure.compensation, kFailed, text, now);
      case FailureAction::kFail:
        break;
    }
    WASL_RETURN_IF_ERROR(tx.exec(
        "UPDATE workflow_runs SET failed_step = $1, current_step = $1 WHERE id = $2",
        Params{step.id, run.id}));
    return end_run(tx, run, held, kFailed, text, now);
  }

  // A compensation finished (succeeded or failed for good): the next one or the end.
  Status compensation_done(Transaction& tx, RunState& run, Holding* held,
                           const Step& step, const json& payload, const Error* error,
                           std::int64_t now) {
    std::string final_status = payload.value("final", std::string(kFailed));
    std::string run_error = payload.value("error", std::string());
    std::string next = step.then;
    if (error != nullptr) {
      std::string text = "compensation '" + step.id + "' failed: " + describe(*error);
      run_error = run_error.empty() ? text : run_error + "; " + text;
      switch (step.on_failure.action) {
        case FailureAction::kFail:
          next.clear();
          break;
        case FailureAction::kContinue:
          break;
        case FailureAction::kCompensate:
          next = step.on_failure.compensation;
          break;
      }
    }
    if (next.empty()) return end_run(tx, run, held, final_status, run_error, now);
    return start_compensation(tx, run, held, next, final_status, run_error, now);
  }

  int index_of(const RunState& run, const std::string& step_id) const {
    const auto& steps = run.definition->steps;
    for (std::size_t i = 0; i < steps.size(); ++i) {
      if (steps[i].id == step_id) return static_cast<int>(i);
    }
    return static_cast<int>(steps.size());
  }

  // Moves the run forward from step `from`: settles skipped steps and waits
  // whose event is stored, then schedules the first step that needs a worker,
  // or ends the run when none is left.
  Status advance(Transaction& tx, RunState& run, Holding* held, int from,
                 std::int64_t now) {
    const auto& steps = run.definition->steps;
    EvaluationContext context{run.data, options_.env};
    for (int i = from; i < static_cast<int>(steps.size()); ++i) {
      const Step& step = steps[static_cast<std::size_t>(i)];
      if (step.when) {
        auto condition = evaluate_condition(*step.when, context);
        if (!condition.ok()) {
          Error error(ErrorCode::kInvalidArgument, "when: " + condition.error().message, false);
          WASL_ASSIGN_OR_RETURN(auto row,
                                insert_attempt(tx, run, step.id, kFailed, "", now, true));
          WASL_RETURN_IF_ERROR(finish_attempt(tx, row.id, kFailed, now, nullptr, &error));
          return step_failed(tx, run, held, step, error, now);
        }
        if (!*condition) {
          auto skipped = insert_attempt(tx, run, step.id, "skipped", "", now, true);
          if (!skipped.ok()) return std::move(skipped).error();
          run.data["steps"][step.id] = {{"status", "skipped"}};
          continue;
        }
      }
      if (step.kind == StepKind::kCall) {
        run.status = kRunning;
        WASL_RETURN_IF_ERROR(tx.exec(
            "UPDATE workflow_runs SET status = $1, current_step = $2, updated_at = $3 "
            "WHERE id = $4",
            Params{std::string(kRunning), step.id, now, run.id}));
        json payload = {{"step", step.id}, {"first_attempt", run.last_attempt[step.id] + 1}};
        return schedule(tx, run, held, kCallJob, payload, now, now);
      }
      // wait_for
      auto rendered = render_value(json(step.correlation), context, "correlation");
      if (!rendered.ok()) {
        Error error(ErrorCode::kInvalidArgument, rendered.error().message, false);
        WASL_ASSIGN_OR_RETURN(auto row, insert_attempt(tx, run, step.id, kFailed, "", now, true));
        WASL_RETURN_IF_ERROR(finish_attempt(tx, row.id, kFailed, now, nullptr, &error));
        return step_failed(tx, run, held, step, error, now);
      }
      std::string correlation =
          rendered->is_string() ? rendered->get<std::string>() : rendered->dump();
      WASL_RETURN_IF_ERROR(lock_correlation(tx, run.facility_id, step.event, correlation));
      WASL_ASSIGN_OR_RETURN(auto row, insert_attempt(tx, run, step.id, kWaiting, "", now, false));
      WASL_ASSIGN_OR_RETURN(auto event,
                            take_stored_event(tx, run, step.id, step.event, correlation, now));
      if (event) {
        WASL_RETURN_IF_ERROR(finish_attempt(tx, row.id, kSucceeded, now, &*event, nullptr));
        run.data["steps"][step.id] = {{"status", kSucceeded}, {"output", *event}};
        continue;
      }
      std::int64_t deadline = now + step.timeout.value_or(kDefaultWaitTimeout).count();
      run.status = kWaiting;
      WASL_RETURN_IF_ERROR(tx.exec(
          "UPDATE workflow_runs SET status = $1, current_step = $2, wait_event = $3, "
          "wait_correlation = $4, updated_at = $5 WHERE id = $6",
          Params{std::string(kWaiting), step.id, step.event, correlation, now, run.id}));
      json payload = {{"step", step.id}, {"deadline", deadline}, {"attempt_row", row.id}};
      return schedule(tx, run, held, kWaitJob, payload, deadline, now);
    }
    return end_run(tx, run, held, kSucceeded, "", now);
  }

  // Serialises event matching for one (facility, type, correlation).
  Status lock_correlation(Transaction& tx, const std::string& facility, const std::string& type,
                          const std::string& correlation) {
    if (store_.dialect() != Dialect::kPostgres) return {};
    WASL_RETURN_IF_ERROR(tx.query("SELECT pg_advisory_xact_lock(hashtext($1))",
                                  Params{facility + "\x1f" + type + "\x1f" + correlation}));
    return {};
  }

  // Claims the oldest stored, unmatched event for the wait; its payload or nullopt.
  Result<std::optional<json>> take_stored_event(Transaction& tx, const RunState& run,
                                                const std::string& step_id,
                                                const std::string& type,
                                                const std::string& correlation, std::int64_t now) {
    WASL_ASSIGN_OR_RETURN(
        auto rows,
        tx.query("SELECT id, payload_enc FROM workflow_events WHERE facility_id = $1 AND "
                 "type = $2 AND correlation = $3 AND run_id IS NULL "
                 "ORDER BY received_at, id LIMIT 1",
                 Params{run.facility_id, type, correlation}));
    if (rows.empty()) return std::optional<json>();
    WASL_ASSIGN_OR_RETURN(auto event_id, rows[0].get_text("id"));
    WASL_ASSIGN_OR_RETURN(
        auto changed,
        tx.exec("UPDATE workflow_events SET run_id = $1, step_id = $2, matched_at = $3 "
                "WHERE id = $4 AND run_id IS NULL",
                Params{run.id, step_id, now, event_id}));
    if (changed != 1) return std::optional<json>();
    WASL_ASSIGN_OR_RETURN(auto payload,
                          decode(rows[0], "payload_enc", "workflow_events", event_id));
    return std::optional<json>(std::move(payload));
  }

  // ---- claiming and preparing ------------------------------------------------------
  Result<std::vector<Prepared>> claim(int worker) {
    auto leased_at = std::chrono::steady_clock::now();
    std::int64_t now = now_ms();
    WASL_ASSIGN_OR_RETURN(auto tx, store_.begin());
    WASL_ASSIGN_OR_RETURN(auto jobs, JobQueue::claim(*tx, store_.dialect(),
                                                     engine_id_ + "/" + std::to_string(worker),
                                                     now, options_.lease, options_.claim_batch));
    std::vector<Prepared> prepared;
    for (auto& job : jobs) {
      if (job.takeover) {
        lease_takeovers_.fetch_add(1);
        metrics_.counter_add("wasl_workflow_lease_takeovers_total",
                             "Workflow jobs taken over after their holder's lease lapsed", {});
        WASL_RETURN_IF_ERROR(tx->exec(
            "UPDATE workflow_steps SET status = 'lost', finished_at = $1, "
            "error_code = 'lease_expired', error_message = $2 "
            "WHERE run_id = $3 AND status = 'running'",
            Params{now,
                   std::string("the worker running this attempt lost its lease (it stopped or "
                               "stalled); the step was taken over"),
                   job.run_id}));
      }
      Prepared p;
      p.job = std::move(job);
      p.leased_at = leased_at;
      WASL_ASSIGN_OR_RETURN(p.run, load_run(*tx, p.job.run_id, false));
      HeldJob held{p.job.id, p.job.lease_token};
      if (is_final(p.run.status)) {
        WASL_RETURN_IF_ERROR(JobQueue::remove(*tx, held));
        p.stale = true;
        prepared.push_back(std::move(p));
        continue;
      }
      if (p.job.kind == kCallJob) {
        WASL_RETURN_IF_ERROR(prepare_call(*tx, p, now));
      }
      prepared.push_back(std::move(p));
    }
    WASL_RETURN_IF_ERROR(tx->commit());
    return prepared;
  }

  Status prepare_call(Transaction& tx, Prepared& p, std::int64_t now) {
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
    WASL_ASSIGN_OR_RETURN(auto row, insert_attempt(tx, p.run, p.step->id, kRunning, p.key, now,
                                                   false));
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

  // ---- calling ---------------------------------------------------------------------
  struct CallState {
    std::mutex mutex;
    std::condition_variable done_cv;
    bool done = false;
    std::optional<Result<json>> result;
  };

  Outcome call(const Prepared& p, const std::atomic<bool>& stopping) {
    Outcome outcome;
    if (p.render_error) {
      outcome.result = Result<json>(*p.render_error);
      return outcome;
    }
    const std::string& method = p.step->call;
    std::function<Result<json>()> work;
    if (method.rfind("hub.", 0) == 0) {
      const HubActions::Entry* entry = actions_.find(method);
      if (entry == nullptr) {
        outcome.result = Result<json>(Error(ErrorCode::kUnimplemented,
                                            "hub action '" + method +
                                                "' is not available in this hub",
                                            false));
        return outcome;
      }
      if (entry->mode == HubActionMode::kInTransaction) {
        outcome.in_tx_action = true;
        return outcome;
      }
      HubActionContext ctx = action_context(p, nullptr);
      HubAction action = entry->action;
      json input = p.input;
      work = [action, ctx, input] { return action(ctx, input); };
    } else {
      std::shared_ptr<CapabilityInvoker> invoker = invoker_;
      std::string facility = p.run.facility_id;
      RoleBindings pinned = p.run.bindings;
      json input = p.input;
      std::string key = p.key;
      work = [invoker, pinned, facility, method, input, key] {
        return invoker->invoke_bound(pinned, facility, method, input, key);
      };
    }
    auto state = std::make_shared<CallState>();
    std::thread([state, work = std::move(work)] {
      std::optional<Result<json>> result;
      try {
        result = work();
      } catch (const std::exception& e) {
        result = Result<json>(Error(ErrorCode::kInternal,
                                    std::string("the call threw an exception: ") + e.what()));
      } catch (...) {
        result = Result<json>(Error(ErrorCode::kInternal, "the call threw an exception"));
      }
      std::lock_guard lock(state->mutex);
      state->result = std::move(result);
      state->done = true;
      state->done_cv.notify_all();
    }).detach();

    std::unique_lock lock(state->mutex);
    auto deadline = std::chrono::steady_clock::now() + p.timeout;
    // A call longer than a third of the lease renews it, so the job is not
    // taken over while the call may still answer.
    auto renew_every = std::max(options_.lease / 3, std::chrono::milliseconds(1));
    auto next_renewal = std::chrono::steady_clock::now() + renew_every;
    while (!state->done) {
      if (stopping.load()) {
        outcome.abandoned = true;
        abandon_call(p);
        return outcome;
      }
      if (std::chrono::steady_clock::now() >= next_renewal) {
        lock.unlock();
        bool held = renew_lease(p);
        lock.lock();
        if (!held && !state->done) {
          // Another worker took the job over: its attempt supersedes this one.
          outcome.abandoned = true;
          abandon_call(p);
          return outcome;
        }
        next_renewal = std::chrono::steady_clock::now() + renew_every;
      }
      auto step = std::min({deadline, next_renewal,
                            std::chrono::steady_clock::now() + std::chrono::milliseconds(50)});
      state->done_cv.wait_until(lock, step);
      if (!state->done && std::chrono::steady_clock::now() >= deadline) {
        abandon_call(p);
        outcome.result = Result<json>(Error(
            ErrorCode::kDeadlineExceeded,
            "'" + method + "' did not answer within the step timeout of " +
                std::to_string(p.timeout.count()) + " ms",
            true));
        return outcome;
      }
    }
    outcome.result = std::move(state->result);
    return outcome;
  }

  // Extends the lease of a job whose call is still running; false when it
  // was lost. A storage error counts as held (the next renewal tries again).
  bool renew_lease(const Prepared& p) {
    auto tx = store_.begin();
    if (!tx.ok()) return true;
    auto held = JobQueue::extend(**tx, {p.job.id, p.job.lease_token},
                                 now_ms() + options_.lease.count());
    if (!held.ok()) return true;
    if (!*held) return false;
    (void)(*tx)->commit();
    return true;
  }

  void abandon_call(const Prepared& p) {
    abandoned_calls_.fetch_add(1);
    metrics_.counter_add("wasl_workflow_abandoned_calls_total",
                         "Step calls left running after their timeout or at shutdown",
                         {{"workflow", p.run.workflow}, {"step", p.step->id}});
  }

  HubActionContext action_context(const Prepared& p, Transaction* tx) const {
    HubActionContext ctx;
    ctx.run_id = p.run.id;
    ctx.facility_id = p.run.facility_id;
    ctx.consultation_id = p.run.consultation_id;
    ctx.workflow = p.run.workflow;
    ctx.step_id = p.step->id;
    ctx.idempotency_key = p.key;
    ctx.now_ms = now_ms();
    ctx.bindings = effective_bindings(p.run.bindings, invoker_->bindings(p.run.facility_id));
    ctx.tx = tx;
    ctx.store = &store_;
    return ctx;
  }

  // ---- finishing ---------------------------------------------------------------------
  // Records the outcome of a prepared job and schedules what follows, in one
  // transaction; retried on a storage conflict. When the run's next piece of
  // work is a call due now and `next` is given, that transaction also keeps
  // the lease and records the next attempt as started: *next is then that
  // attempt, to be called by the same worker.
  Status finish(Prepared& p, Outcome outcome, std::optional<Prepared>* next) {
    Status last;
    for (int round = 0; round < kFinishRounds; ++round) {
      Prepared copy = p;  // a failed round must not leave its changes in memory
      bool redo = false;
      std::optional<Prepared> chained;
      last = finish_once(copy, outcome, redo, next != nullptr ? &chained : nullptr);
      if (last.ok()) {
        observe(p, outcome);
        if (next != nullptr && chained) {
          chained_steps_.fetch_add(1);
          *next = std::move(chained);
        }
        return last;
      }
      if (redo) continue;  // a hub action failed: record its error in a fresh transaction
      if (last.error().code != ErrorCode::kConflict || !last.error().retryable) break;
    }
    return last;
  }

  // Locks the held job and its run (PostgreSQL) and reads the run's status;
  // nullopt when the lease was lost.
  Result<std::optional<std::string>> hold(Transaction& tx, const HeldJob& held) {
    std::string sql =
        "SELECT r.status FROM jobs j JOIN workflow_runs r ON r.id = j.run_id "
        "WHERE j.id = $1 AND j.lease_owner = $2";
    if (store_.dialect() == Dialect::kPostgres) sql += " FOR UPDATE";
    WASL_ASSIGN_OR_RETURN(auto rows, tx.query(sql, Params{held.id, held.lease_token}));
    if (rows.empty()) return std::optional<std::string>();
    WASL_ASSIGN_OR_RETURN(auto status, rows[0].get_text(0));
    return std::optional<std::string>(std::move(status));
  }

  Status finish_once(Prepared& p, Outcome& outcome, bool& redo, std::optional<Prepared>* next) {
    std::int64_t now = now_ms();
    WASL_ASSIGN_OR_RETURN(auto tx, store_.begin());
    Holding holding{HeldJob{p.job.id, p.job.lease_token},
                    next != nullptr && options_.chain_steps && !stopping_.load(), std::nullopt};
    WASL_ASSIGN_OR_RETURN(auto status, hold(*tx, holding.job));
    if (!status) {
      lost_leases_.fetch_add(1);
      tx->rollback();
      spdlog::warn("workflow run {}: another worker took over the job; result dropped",
                   p.run.id);
      return {};
    }
    p.run.status = std::move(*status);
    auto leased_at = std::chrono::steady_clock::now();
    WASL_RETURN_IF_ERROR(record(*tx, p, outcome, redo, &holding, now));
    if (holding.chained && next != nullptr) {
      Prepared n;
      n.job = p.job;
      n.job.kind = kCallJob;
      n.job.payload = std::move(*holding.chained);
      n.job.lease_expires_at_ms = now + options_.lease.count();
      n.job.takeover = false;
      n.job.previous_owner.clear();
      n.job.claims = 1;
      n.leased_at = leased_at;
      n.run = std::move(p.run);
      // A step may have changed the consultation: the next one sees it as now.
      if (!n.run.consultation_id.empty()) {
        WASL_ASSIGN_OR_RETURN(n.run.data["consultation"], load_consultation(*tx, n.run));
      }
      WASL_RETURN_IF_ERROR(prepare_call(*tx, n, now));
      *next = std::move(n);
    }
    return tx->commit();
  }

  // Records the outcome of `p` and the transition that follows inside `tx`.
  Status record(Transaction& tx, Prepared& p, Outcome& outcome, bool& redo, Holding* held,
                std::int64_t now) {
    if (p.job.kind == kWaitJob) return finish_wait(tx, p, held, now);
    if (p.cancel) return cancel_run(tx, p.run, held, p.step ? p.step->id : "", now);
    if (p.step == nullptr) return end_run(tx, p.run, held, kFailed, p.render_error->message, now);
    if (outcome.in_tx_action) {
      const HubActions::Entry* entry = actions_.find(p.step->call);
      WASL_RETURN_IF_ERROR(tx.exec("SAVEPOINT wasl_hub_action"));
      Result<json> result = Error(ErrorCode::kInternal, "the hub action threw an exception");
      try {
        result = entry->action(action_context(p, &tx), p.input);
      } catch (...) {
      }
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
    const Step& step = *p.step;
    if (result.ok()) {
      WASL_RETURN_IF_ERROR(finish_attempt(tx, p.attempt_row, kSucceeded, now, &result.value(),
                                          nullptr));
      WASL_RETURN_IF_ERROR(notify_observer(tx, p, result));
      if (p.compensation) {
        return compensation_done(tx, p.run, held, step, p.job.payload, nullptr, now);
      }
      p.run.data["steps"][step.id] = {{"status", kSucceeded}, {"output", result.value()}};
      if (p.run.status == kCancelling) return cancel_run(tx, p.run, held, step.id, now);
      return advance(tx, p.run, held, index_of(p.run, step.id) + 1, now);
    }
    const Error& error = result.error();
    WASL_RETURN_IF_ERROR(finish_attempt(tx, p.attempt_row, kFailed, now, nullptr, &error));
    bool cancelling = p.run.status == kCancelling && !p.compensation;
    int first = p.job.payload.value("first_attempt", 1);
    if (!cancelling && error.deferred && error.retry_after) {
      // "Not yet" (Error::deferred): called again after retry_after, and the
      // attempt is not counted against the retry policy.
      json payload = p.job.payload;
      payload["first_attempt"] = first + 1;
      WASL_ASSIGN_OR_RETURN(bool ok, JobQueue::replace(tx, held->job, kCallJob, payload,
                                                       now + error.retry_after->count()));
      if (!ok) return lease_lost(p.run);
      return {};
    }
    int used = p.attempt - first + 1;
    if (!cancelling && retries(step.retry, error) && used < step.retry.max_attempts) {
      double unit = std::generate_canonical<double, 53>(jitter_);
      auto delay = retry_delay(step.retry, used + 1, error, unit);
      WASL_ASSIGN_OR_RETURN(bool ok, JobQueue::replace(tx, held->job, kCallJob, p.job.payload,
                                                       now + delay.count()));
      if (!ok) return lease_lost(p.run);
      return {};
    }
    WASL_RETURN_IF_ERROR(notify_observer(tx, p, result));
    if (cancelling) return cancel_run(tx, p.run, held, step.id, now);
    if (p.compensation) {
      return compensation_done(tx, p.run, held, step, p.job.payload, &error, now);
    }
    return step_failed(tx, p.run, held, step, error, now);
  }

  // Hands a call step's settled result to the observer of its method
  // (HubActions::observe), inside the transaction that records it.
  Status notify_observer(Transaction& tx, const Prepared& p, const Result<json>& result) {
    const StepObserver* observer = actions_.observer(p.step->call);
    if (observer == nullptr) return {};
    return (*observer)(action_context(p, &tx), p.input, result);
  }

  // Gives back a prepared job that will not be called (the engine stops):
  // its attempt, recorded as started but never called, is removed and the
  // job is due again at once, for any worker, without waiting for the lease.
  void release(const Prepared& p) {
    auto tx = store_.begin();
    if (!tx.ok()) return;
    if (p.job.kind == kCallJob && !p.attempt_row.empty()) {
      if (!(*tx)->exec("DELETE FROM workflow_steps WHERE id = $1 AND status = 'running'",
                       Params{p.attempt_row})
               .ok()) {
        return;
      }
    }
    auto released = JobQueue::release(**tx, {p.job.id, p.job.lease_token}, now_ms());
    if (!released.ok() || !*released) return;  // rolled back: a takeover owns it
    (void)(*tx)->commit();
  }

  // Before calling a job that was leased a while ago (a later job of a claim
  // batch), extends its lease so it cannot lapse during the call; false when
  // the job was taken over meanwhile or the extension could not be stored
  // (the job is then left to lapse and be taken over).
  bool keep_lease(Prepared& p) {
    auto now = std::chrono::steady_clock::now();
    if (now - p.leased_at < options_.lease / 3) return true;
    auto tx = store_.begin();
    if (!tx.ok()) return false;
    std::int64_t expires = now_ms() + options_.lease.count();
    auto held = JobQueue::extend(**tx, {p.job.id, p.job.lease_token}, expires);
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

  Status finish_wait(Transaction& tx, Prepared& p, Holding* held,
                     std::int64_t now) {
    std::string step_id = p.job.payload.value("step", std::string());
    std::string attempt_row = p.job.payload.value("attempt_row", std::string());
    std::int64_t deadline = p.job.payload.value("deadline", std::int64_t{0});
    const Step* step = p.run.definition->find_step(step_id);
    if (step == nullptr) {
      return end_run(tx, p.run, held, kFailed, "wait step '" + step_id + "' is not defined", now);
    }
    WASL_ASSIGN_OR_RETURN(
        auto rows, tx.query("SELECT id, payload_enc FROM workflow_events WHERE run_id = $1 AND "
                            "step_id = $2 ORDER BY matched_at, id LIMIT 1",
                            Params{p.run.id, step_id}));
    if (!rows.empty()) {
      WASL_ASSIGN_OR_RETURN(auto event_id, rows[0].get_text("id"));
      WASL_ASSIGN_OR_RETURN(auto payload,
                            decode(rows[0], "payload_enc", "workflow_events", event_id));
      WASL_RETURN_IF_ERROR(finish_attempt(tx, attempt_row, kSucceeded, now, &payload, nullptr));
      p.run.data["steps"][step_id] = {{"status", kSucceeded}, {"output", payload}};
      if (p.run.status == kCancelling) return cancel_run(tx, p.run, held, step_id, now);
      return advance(tx, p.run, held, index_of(p.run, step_id) + 1, now);
    }
    if (p.run.status == kCancelling) {
      Error error(ErrorCode::kCancelled, "the run was cancelled while waiting", false);
      WASL_RETURN_IF_ERROR(finish_attempt(tx, attempt_row, kCancelled, now, nullptr, &error));
      return cancel_run(tx, p.run, held, step_id, now);
    }
    if (now < deadline) {
      WASL_ASSIGN_OR_RETURN(bool ok, JobQueue::replace(tx, held->job, kWaitJob, p.job.payload,
                                                       deadline));
      if (!ok) return lease_lost(p.run);
      return {};
    }
    WASL_RETURN_IF_ERROR(tx.exec(
        "UPDATE workflow_runs SET status = $1, wait_event = NULL, wait_correlation = NULL, "
        "updated_at = $2 WHERE id = $3",
        Params{std::string(kRunning), now, p.run.id}));
    p.run.status = kRunning;
    Error error(ErrorCode::kDeadlineExceeded,
                "no '" + step->event + "' event arrived within the wait timeout", false);
    WASL_RETURN_IF_ERROR(finish_attempt(tx, attempt_row, kFailed, now, nullptr, &error));
    return step_failed(tx, p.run, held, *step, error, now);
  }

  void observe(const Prepared& p, const Outcome& outcome) {
    steps_finished_.fetch_add(1);
    if (p.job.kind != kCallJob || p.step == nullptr || p.cancel || !outcome.result) return;
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
      std::optional<Prepared> current = std::move(claimed);
      while (current) {
        Prepared& p = *current;
        if (stopping.load()) {
          release(p);
          break;
        }
        if (!keep_lease(p)) break;
        Outcome outcome;
        if (p.job.kind == kCallJob && !p.cancel && p.step != nullptr) {
          outcome = call(p, stopping);
          if (outcome.abandoned) break;
        }
        std::optional<Prepared> next;
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

  // ---- entry points -------------------------------------------------------------------
  Result<std::string> start_run(Transaction& tx, const StartRunRequest& request) {
    std::int64_t now = now_ms();
    int version = 0;
    if (request.version) {
      version = *request.version;
    } else {
      WASL_ASSIGN_OR_RETURN(auto rows, tx.query("SELECT MAX(version) FROM workflow_definitions "
                                                "WHERE name = $1",
                                                Params{request.workflow}));
      if (rows.empty() || rows[0].is_null(0)) {
        return Error(ErrorCode::kNotFound, "workflow '" + request.workflow + "' is not deployed",
                     false);
      }
      WASL_ASSIGN_OR_RETURN(auto latest, rows[0].get_int(0));
      version = static_cast<int>(latest);
    }
    RunState run;
    run.id = new_row_id();
    run.facility_id = request.facility_id;
    run.consultation_id = request.consultation_id;
    run.workflow = request.workflow;
    run.version = version;
    run.status = kRunning;
    run.bindings = invoker_->bindings(run.facility_id);
    WASL_ASSIGN_OR_RETURN(run.definition, definitions_.get(request.workflow, version, &tx));
    json trigger = request.trigger.is_null() ? json::object() : request.trigger;
    WASL_ASSIGN_OR_RETURN(auto trigger_enc, encode(trigger, "workflow_runs", run.id, "trigger_enc"));
    auto inserted = tx.exec(
        "INSERT INTO workflow_runs (id, facility_id, consultation_id, workflow_name, "
        "workflow_version, status, trigger_enc, bindings, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
        Params{run.id, run.facility_id, text_or_null(run.consultation_id), run.workflow,
               std::int64_t{version}, std::string(kRunning), trigger_enc,
               run_bindings_text(run.bindings), now});
    if (!inserted.ok()) {
      if (inserted.error().code == ErrorCode::kFailedPrecondition) {
        return Error(ErrorCode::kFailedPrecondition,
                     "cannot start workflow '" + run.workflow + "': facility '" +
                         run.facility_id + "' or the consultation does not exist",
                     false);
      }
      return std::move(inserted).error();
    }
    run.data = {{"trigger", trigger}, {"steps", json::object()}};
    WASL_ASSIGN_OR_RETURN(run.data["consultation"], load_consultation(tx, run));
    WASL_RETURN_IF_ERROR(advance(tx, run, nullptr, 0, now));
    return run.id;
  }

  Result<DeliveredEvent> deliver_event(const std::string& facility_id, const std::string& type,
                                       const std::string& correlation, const json& payload,
                                       const std::string& dedupe_key) {
    if (dedupe_key.empty()) {
      return Error(ErrorCode::kInvalidArgument, "an event needs a dedupe key", false);
    }
    std::int64_t now = now_ms();
    WASL_ASSIGN_OR_RETURN(auto tx, store_.begin());
    WASL_RETURN_IF_ERROR(lock_correlation(*tx, facility_id, type, correlation));
    DeliveredEvent delivered;
    delivered.event_id = new_row_id();
    WASL_ASSIGN_OR_RETURN(auto payload_enc,
                          encode(payload, "workflow_events", delivered.event_id, "payload_enc"));
    WASL_ASSIGN_OR_RETURN(
        auto inserted,
        tx->exec("INSERT INTO workflow_events (id, facility_id, type, correlation, dedupe_key, "
                 "payload_enc, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7) "
                 "ON CONFLICT (dedupe_key) DO NOTHING",
                 Params{delivered.event_id, facility_id, type, correlation, dedupe_key,
                        payload_enc, now}));
    if (inserted == 0) {
      WASL_ASSIGN_OR_RETURN(auto rows, tx->query("SELECT id, run_id FROM workflow_events "
                                                 "WHERE dedupe_key = $1",
                                                 Params{dedupe_key}));
      delivered.duplicate = true;
      if (!rows.empty()) {
        WASL_ASSIGN_OR_RETURN(delivered.event_id, rows[0].get_text("id"));
        if (!rows[0].is_null("run_id")) {
          WASL_ASSIGN_OR_RETURN(delivered.matched_run, rows[0].get_text("run_id"));
        }
      }
      tx->rollback();
      return delivered;
    }
    WASL_ASSIGN_OR_RETURN(
        auto waiting,
        tx->query("SELECT id, current_step FROM workflow_runs WHERE status = 'waiting' AND "
                  "facility_id = $1 AND wait_event = $2 AND wait_correlation = $3 "
                  "ORDER BY created_at, id LIMIT 1",
                  Params{facility_id, type, correlation}));
    if (!waiting.empty()) {
      WASL_ASSIGN_OR_RETURN(auto run_id, waiting[0].get_text("id"));
      WASL_ASSIGN_OR_RETURN(auto step_id, waiting[0].get_text("current_step"));
      WASL_ASSIGN_OR_RETURN(
          auto changed,
          tx->exec("UPDATE workflow_runs SET status = 'running', wait_event = NULL, "
                   "wait_correlation = NULL, updated_at = $1 WHERE id = $2 AND "
                   "status = 'waiting'",
                   Params{now, run_id}));
      if (changed == 1) {
        WASL_RETURN_IF_ERROR(tx->exec(
            "UPDATE workflow_events SET run_id = $1, step_id = $2, matched_at = $3 WHERE id = $4",
            Params{run_id, step_id, now, delivered.event_id}));
        WASL_RETURN_IF_ERROR(JobQueue::wake(*tx, run_id, now));
        delivered.matched_run = run_id;
      }
    }
    WASL_RETURN_IF_ERROR(tx->commit());
    return delivered;
  }

  Status cancel(const std::string& run_id) {
    std::int64_t now = now_ms();
    WASL_ASSIGN_OR_RETURN(auto tx, store_.begin());
    std::string sql = "SELECT status FROM workflow_runs WHERE id = $1";
    if (store_.dialect() == Dialect::kPostgres) sql += " FOR UPDATE";
    WASL_ASSIGN_OR_RETURN(auto rows, tx->query(sql, Params{run_id}));
    if (rows.empty()) {
      return Error(ErrorCode::kNotFound, "workflow run " + run_id + " does not exist", false);
    }
    WASL_ASSIGN_OR_RETURN(auto status, rows[0].get_text(0));
    if (status == kCancelling) return {};
    if (status != kRunning && status != kWaiting) {
      return Error(ErrorCode::kFailedPrecondition,
                   "workflow run " + run_id + " is " + status + " and cannot be cancelled",
                   false);
    }
    WASL_RETURN_IF_ERROR(tx->exec(
        "UPDATE workflow_runs SET status = 'cancelling', wait_event = NULL, "
        "wait_correlation = NULL, updated_at = $1 WHERE id = $2",
        Params{now, run_id}));
    WASL_RETURN_IF_ERROR(JobQueue::wake(*tx, run_id, now));
    return tx->commit();
  }

  Status retry(const std::string& run_id) {
    std::int64_t now = now_ms();
    WASL_ASSIGN_OR_RETURN(auto tx, store_.begin());
    WASL_ASSIGN_OR_RETURN(auto run, load_run(*tx, run_id, true));
    WASL_ASSIGN_OR_RETURN(auto rows, tx->query("SELECT failed_step FROM workflow_runs "
                                               "WHERE id = $1",
                                               Params{run_id}));
    std::string failed_step;
    if (!rows.empty() && !rows[0].is_null(0)) {
      WASL_ASSIGN_OR_RETURN(failed_step, rows[0].get_text(0));
    }
    if (run.status != kFailed || failed_step.empty() ||
        run.definition->find_step(failed_step) == nullptr) {
      return Error(ErrorCode::kFailedPrecondition,
                   "workflow run " + run_id + " is " + run.status +
                       (run.status == kFailed ? " before any step ran" : "") +
                       "; only a run that failed at a step can be retried",
                   false);
    }
    WASL_RETURN_IF_ERROR(tx->exec(
        "UPDATE workflow_runs SET status = 'running', error = NULL, finished_at = NULL, "
        "failed_step = NULL, updated_at = $1 WHERE id = $2",
        Params{now, run_id}));
    WASL_RETURN_IF_ERROR(tx->exec(
        "DELETE FROM jobs WHERE run_id = $1 AND kind LIKE 'workflow.%'", Params{run_id}));
    run.status = kRunning;
    run.data["steps"].erase(failed_step);
    WASL_RETURN_IF_ERROR(advance(*tx, run, nullptr, index_of(run, failed_step), now));
    return tx->commit();
  }

  Result<RunTimeline> timeline(const std::string& run_id) {
    WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadOnly));
    WASL_ASSIGN_OR_RETURN(
        auto rows,
        tx->query("SELECT facility_id, consultation_id, workflow_name, workflow_version, status, "
                  "current_step, failed_step, error, created_at, finished_at "
                  "FROM workflow_runs WHERE id = $1",
                  Params{run_id}));
    if (rows.empty()) {
      return Error(ErrorCode::kNotFound, "workflow run " + run_id + " does not exist", false);
    }
    const auto& row = rows[0];
    RunTimeline t;
    t.run_id = run_id;
    auto text = [&row](const char* column) -> Result<std::string> {
      if (row.is_null(column)) return std::string();
      return row.get_text(column);
    };
    WASL_ASSIGN_OR_RETURN(t.facility_id, text("facility_id"));
    WASL_ASSIGN_OR_RETURN(t.consultation_id, text("consultation_id"));
    WASL_ASSIGN_OR_RETURN(t.workflow, text("workflow_name"));
    WASL_ASSIGN_OR_RETURN(auto version, row.get_int("workflow_version"));
    t.version = static_cast<int>(version);
    WASL_ASSIGN_OR_RETURN(t.status, text("status"));
    WASL_ASSIGN_OR_RETURN(t.current_step, text("current_step"));
    WASL_ASSIGN_OR_RETURN(t.failed_step, text("failed_step"));
    WASL_ASSIGN_OR_RETURN(t.error, text("error"));
    WASL_ASSIGN_OR_RETURN(t.created_at_ms, row.get_int("created_at"));
    if (!row.is_null("finished_at")) {
      WASL_ASSIGN_OR_RETURN(t.finished_at_ms, row.get_int("finished_at"));
    }
    auto definition = definitions_.get(t.workflow, t.version, tx.get());
    WASL_ASSIGN_OR_RETURN(
        auto steps,
        tx->query("SELECT step_id, attempt, status, idempotency_key, started_at, finished_at, "
                  "error_code, error_message FROM workflow_steps WHERE run_id = $1 "
                  "ORDER BY started_at, attempt, step_id",
                  Params{run_id}));
    for (const auto& s : steps) {
      StepAttempt a;
      WASL_ASSIGN_OR_RETURN(a.step_id, s.get_text("step_id"));
      WASL_ASSIGN_OR_RETURN(auto attempt, s.get_int("attempt"));
      a.attempt = static_cast<int>(attempt);
      WASL_ASSIGN_OR_RETURN(a.status, s.get_text("status"));
      if (!s.is_null("idempotency_key")) {
        WASL_ASSIGN_OR_RETURN(a.idempotency_key, s.get_text("idempotency_key"));
      }
      if (!s.is_null("started_at")) {
        WASL_ASSIGN_OR_RETURN(a.started_at_ms, s.get_int("started_at"));
      }
      if (!s.is_null("finished_at")) {
        WASL_ASSIGN_OR_RETURN(a.finished_at_ms, s.get_int("finished_at"));
      }
      if (!s.is_null("error_code")) {
        WASL_ASSIGN_OR_RETURN(a.error_code, s.get_text("error_code"));
      }
      if (!s.is_null("error_message")) {
        WASL_ASSIGN_OR_RETURN(a.error_message, s.get_text("error_message"));
      }
      a.compensation = definition.ok() && (*definition)->find_compensation(a.step_id) != nullptr;
      t.attempts.push_back(std::move(a));
    }
    // Chained steps can start within one millisecond: within a tie, the
    // workflow's own order (steps, then compensations) decides.
    if (definition.ok()) {
      const WorkflowDefinition& d = **definition;
      auto position = [&d](const std::string& id) {
        for (std::size_t i = 0; i < d.steps.size(); ++i) {
          if (d.steps[i].id == id) return i;
        }
        for (std::size_t i = 0; i < d.compensations.size(); ++i) {
          if (d.compensations[i].id == id) return d.steps.size() + i;
        }
        return d.steps.size() + d.compensations.size();
      };
      std::stable_sort(t.attempts.begin(), t.attempts.end(),
                       [&position](const StepAttempt& x, const StepAttempt& y) {
                         if (x.started_at_ms != y.started_at_ms) {
                           return x.started_at_ms < y.started_at_ms;
                         }
                         return position(x.step_id) < position(y.step_id);
                       });
    }
    WASL_ASSIGN_OR_RETURN(
        auto events,
        tx->query("SELECT id, type, correlation, step_id, received_at, matched_at "
                  "FROM workflow_events WHERE run_id = $1 ORDER BY matched_at, id",
                  Params{run_id}));
    for (const auto& e : events) {
      MatchedEvent m;
      WASL_ASSIGN_OR_RETURN(m.event_id, e.get_text("id"));
      WASL_ASSIGN_OR_RETURN(m.type, e.get_text("type"));
      WASL_ASSIGN_OR_RETURN(m.correlation, e.get_text("correlation"));
      if (!e.is_null("step_id")) {
        WASL_ASSIGN_OR_RETURN(m.step_id, e.get_text("step_id"));
      }
      WASL_ASSIGN_OR_RETURN(m.received_at_ms, e.get_int("received_at"));
      if (!e.is_null("matched_at")) {
        WASL_ASSIGN_OR_RETURN(m.matched_at_ms, e.get_int("matched_at"));
      }
      t.events.push_back(std::move(m));
    }
    return t;
  }

  // ---- metrics read at scrape time -------------------------------------------------
  std::vector<std::pair<observability::Labels, double>> runs_by_status() {
    std::vector<std::pair<observability::Labels, double>> out;
    auto tx = store_.begin(storage::TxMode::kReadOnly);
    if (!tx.ok()) return out;
    auto rows = (*tx)->query(
        "SELECT workflow_name, status, COUNT(*) FROM workflow_runs GROUP BY workflow_name, status");
    if (!rows.ok()) return out;
    for (const auto& row : *rows) {
      auto name = row.get_text(0);
      auto status = row.get_text(1);
      auto count = row.get_int(2);
      if (name.ok() && status.ok() && count.ok()) {
        out.push_back({{{"workflow", *name}, {"status", *status}}, static_cast<double>(*count)});
      }
    }
    return out;
  }

  std::vector<std::pair<observability::Labels, double>> queue_depth() {
    std::vector<std::pair<observability::Labels, double>> out;
    auto tx = store_.begin(storage::TxMode::kReadOnly);
    if (!tx.ok()) return out;
    auto rows = (*tx)->query(
        "SELECT COUNT(*) FROM jobs WHERE kind LIKE 'workflow.%' AND run_at <= $1",
        Params{now_ms()});
    if (!rows.ok() || rows->empty()) return out;
    auto count = (*rows)[0].get_int(0);
    if (count.ok()) out.push_back({{}, static_cast<double>(*count)});
    return out;
  }

  storage::Store& store_;
  DefinitionStore& definitions_;
  std::shared_ptr<CapabilityInvoker> invoker_;
  const HubActions& actions_;
  observability::Metrics& metrics_;
  EngineOptions options_;
  std::unique_ptr<PayloadCodec> codec_;
  std::string engine_id_;
  thread_local static std::mt19937_64 jitter_;

  std::mutex wake_mutex_;
  std::condition_variable wake_;
  std::atomic<bool> stopping_{false};

  std::atomic<std::int64_t> steps_finished_{0};
  std::atomic<std::int64_t> chained_steps_{0};
  std::atomic<std::int64_t> lease_takeovers_{0};
  std::atomic<std::int64_t> lost_leases_{0};
  std::atomic<std::int64_t> abandoned_calls_{0};
};

thread_local std::mt19937_64 Engine::Core::jitter_{std::random_device{}()};

// ---------------------------------------------------------------------------
// Engine
// ---------------------------------------------------------------------------
Engine::Engine(storage::Store& store, DefinitionStore& definitions,
               std::shared_ptr<CapabilityInvoker> invoker, const HubActions& actions,
               observability::Metrics& metrics, EngineOptions options,
               std::unique_ptr<PayloadCodec> codec)
    : core_(std::make_unique<Core>(store, definitions, std::move(invoker), actions, metrics,
                                   std::move(options), std::move(codec))) {
  Core* core = core_.get();
  metrics.gauge_callback("wasl_workflow_runs", "Workflow runs by workflow and status",
                         [core] { return core->runs_by_status(); });
  metrics.gauge_callback("wasl_workflow_queue_depth",
                         "Workflow jobs due now and not held by a worker",
                         [core] { return core->queue_depth(); });
  metrics.counter_add("wasl_workflow_lease_takeovers_total",
                      "Workflow jobs taken over after their holder's lease lapsed", {}, 0);
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
  if (core_->options_.jitter_seed != 0) Core::jitter_.seed(core_->options_.jitter_seed);
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
}

void Engine::worker_loop(int index) {
  Core& core = *core_;
  if (core.options_.jitter_seed != 0) {
    Core::jitter_.seed(core.options_.jitter_seed + static_cast<std::uint64_t>(index));
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
  auto id = core_->start_run(tx, request);
  if (id.ok()) core_->wake_.notify_one();
  return id;
}

Result<std::string> Engine::start_run(const StartRunRequest& request) {
  for (int round = 0;; ++round) {
    WASL_ASSIGN_OR_RETURN(auto tx, core_->store_.begin());
    auto id = core_->start_run(*tx, request);
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
  auto delivered = core_->deliver_event(facility_id, type, correlation, payload, dedupe_key);
  if (delivered.ok() && !delivered->matched_run.empty()) core_->wake_.notify_one();
  return delivered;
}

Status Engine::cancel(const std::string& run_id) {
  auto status = core_->cancel(run_id);
  if (status.ok()) core_->wake_.notify_one();
  return status;
}

Status Engine::retry(const std::string& run_id) {
  auto status = core_->retry(run_id);
  if (status.ok()) core_->wake_.notify_one();
  return status;
}

Result<RunTimeline> Engine::timeline(const std::string& run_id) {
  return core_->timeline(run_id);
}

EngineStats Engine::stats() const {
  EngineStats s;
  s.steps_finished = core_->steps_finished_.load();
  s.chained_steps = core_->chained_steps_.load();
  s.lease_takeovers = core_->lease_takeovers_.load();
  s.lost_leases = core_->lost_leases_.load();
  s.abandoned_calls = core_->abandoned_calls_.load();
  return s;
}

}  // namespace wasl::workflow
