#include "hub/workflow/transitions.hpp"

#include <random>
#include <string_view>

#include "hub/jobs/job_queue.hpp"
#include "hub/workflow/backoff.hpp"
#include "hub/workflow/language/expression.hpp"
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

constexpr std::chrono::milliseconds kDefaultWaitTimeout{24 * 3600 * 1000};

// Not the SDK's random bytes: jitter needs no secrecy, and a seeded engine
// (EngineOptions::jitter_seed) must draw the same delays run after run.
thread_local std::mt19937_64 jitter{std::random_device{}()};

std::string describe_transition_error(const Error& error) {
  return std::string(sdk::to_string(error.code)) + ": " + error.message;
}

}  // namespace

Error lease_lost(const RunState& run) {
  return Error(ErrorCode::kConflict,
               "the lease on the job of workflow run " + run.id + " was taken over", false);
}

Transitions::Transitions(RunRepository& runs, EventMatcher& events, const EngineOptions& options)
    : runs_(runs), events_(events), options_(options) {}

void Transitions::seed_jitter(std::uint64_t seed) { jitter.seed(seed); }

int Transitions::index_of(const RunState& run, const std::string& step_id) {
  const auto& steps = run.definition->steps;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (steps[i].id == step_id) return static_cast<int>(i);
  }
  return static_cast<int>(steps.size());
}

// Schedules the run's next job: replaces the held job (keeping it when the
// holder may chain into a call due now), or creates one.
Status Transitions::schedule(Transaction& tx, const RunState& run, JobHolding* held,
                             const char* kind, const json& payload, std::int64_t run_at,
                             std::int64_t now) {
  if (held) {
    if (held->chain && !held->chained && std::string_view(kind) == jobs::kCallJob &&
        run_at <= now) {
      WASL_ASSIGN_OR_RETURN(bool ok, jobs::JobQueue::continue_held(tx, held->job, kind, payload,
                                                                   now + options_.lease.count()));
      if (!ok) return lease_lost(run);
      held->chained = payload;
      return {};
    }
    WASL_ASSIGN_OR_RETURN(bool ok, jobs::JobQueue::replace(tx, held->job, kind, payload, run_at));
    if (!ok) return lease_lost(run);
    return {};
  }
  return jobs::JobQueue::insert(tx, run.id, kind, payload, run_at, now);
}

Status Transitions::end_run(Transaction& tx, RunState& run, JobHolding* held,
                            const std::string& status, const std::string& error, std::int64_t now) {
  run.status = status;
  if (held && held->deferred) {
    held->deferred->ended.push_back(RunRepository::ended_run(run, status, error, now));
    held->deferred->removed.push_back(held->job);
    return {};
  }
  WASL_RETURN_IF_ERROR(runs_.set_ended(tx, run, status, error, now));
  if (held) {
    WASL_ASSIGN_OR_RETURN(bool ok, jobs::JobQueue::remove(tx, held->job));
    if (!ok) return lease_lost(run);
  } else {
    WASL_RETURN_IF_ERROR(jobs::JobQueue::remove_all(tx, run.id));
  }
  return {};
}

Status Transitions::start_compensation(Transaction& tx, RunState& run, JobHolding* held,
                                       const std::string& compensation,
                                       const std::string& final_status, const std::string& error,
                                       std::int64_t now) {
  const Step* step = run.definition->find_compensation(compensation);
  if (step == nullptr) {
    return end_run(tx, run, held, final_status,
                   error + "; compensation '" + compensation + "' is not defined", now);
  }
  run.status = final_status == kCancelled ? kCancelling : kCompensating;
  WASL_RETURN_IF_ERROR(runs_.set_compensating(tx, run, run.status, compensation, error, now));
  json payload = {{"step", compensation},
                  {"compensation", true},
                  {"first_attempt", run.last_attempt[compensation] + 1},
                  {"final", final_status},
                  {"error", error}};
  return schedule(tx, run, held, jobs::kCallJob, payload, now, now);
}

Status Transitions::cancel_run(Transaction& tx, RunState& run, JobHolding* held,
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
Status Transitions::step_failed(Transaction& tx, RunState& run, JobHolding* held, const Step& step,
                                const Error& error, std::int64_t now) {
  std::string text = "step '" + step.id + "' failed: " + describe_transition_error(error);
  switch (step.on_failure.action) {
    case FailureAction::kContinue:
      run.data["steps"][step.id] = {{"status", kFailed}};
      return advance(tx, run, held, index_of(run, step.id) + 1, now);
    case FailureAction::kCompensate:
      WASL_RETURN_IF_ERROR(runs_.set_failed_step(tx, run, step.id));
      return start_compensation(tx, run, held, step.on_failure.compensation, kFailed, text, now);
    case FailureAction::kFail: break;
  }
  WASL_RETURN_IF_ERROR(runs_.set_stopped_at(tx, run, step.id));
  return end_run(tx, run, held, kFailed, text, now);
}

// A compensation finished (succeeded or failed for good): the next one or the end.
Status Transitions::compensation_done(Transaction& tx, RunState& run, JobHolding* held,
                                      const Step& step, const json& payload, const Error* error,
                                      std::int64_t now) {
  std::string final_status = payload.value("final", std::string(kFailed));
  std::string run_error = payload.value("error", std::string());
  std::string next = step.then;
  if (error != nullptr) {
    std::string text =
        "compensation '" + step.id + "' failed: " + describe_transition_error(*error);
    run_error = run_error.empty() ? text : run_error + "; " + text;
    switch (step.on_failure.action) {
      case FailureAction::kFail: next.clear(); break;
      case FailureAction::kContinue: break;
      case FailureAction::kCompensate: next = step.on_failure.compensation; break;
    }
  }
  if (next.empty()) return end_run(tx, run, held, final_status, run_error, now);
  return start_compensation(tx, run, held, next, final_status, run_error, now);
}

Status Transitions::advance(Transaction& tx, RunState& run, JobHolding* held, int from,
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
                              runs_.insert_attempt(tx, run, step.id, kFailed, "", now, true));
        WASL_RETURN_IF_ERROR(runs_.finish_attempt(tx, row.id, kFailed, now, nullptr, &error));
        return step_failed(tx, run, held, step, error, now);
      }
      if (!*condition) {
        auto skipped = runs_.insert_attempt(tx, run, step.id, "skipped", "", now, true);
        if (!skipped.ok()) return std::move(skipped).error();
        run.data["steps"][step.id] = {{"status", "skipped"}};
        continue;
      }
    }
    if (step.kind == StepKind::kCall) {
      run.status = kRunning;
      WASL_RETURN_IF_ERROR(runs_.set_running_at(tx, run, step.id, now));
      json payload = {{"step", step.id}, {"first_attempt", run.last_attempt[step.id] + 1}};
      return schedule(tx, run, held, jobs::kCallJob, payload, now, now);
    }
    // wait_for
    auto rendered = render_value(json(step.correlation), context, "correlation");
    if (!rendered.ok()) {
      Error error(ErrorCode::kInvalidArgument, rendered.error().message, false);
      WASL_ASSIGN_OR_RETURN(auto row,
                            runs_.insert_attempt(tx, run, step.id, kFailed, "", now, true));
      WASL_RETURN_IF_ERROR(runs_.finish_attempt(tx, row.id, kFailed, now, nullptr, &error));
      return step_failed(tx, run, held, step, error, now);
    }
    std::string correlation =
        rendered->is_string() ? rendered->get<std::string>() : rendered->dump();
    WASL_RETURN_IF_ERROR(events_.lock(tx, {WaitKey{run.facility_id, step.event, correlation}}));
    WASL_ASSIGN_OR_RETURN(auto row,
                          runs_.insert_attempt(tx, run, step.id, kWaiting, "", now, false));
    WASL_ASSIGN_OR_RETURN(auto event,
                          events_.take_stored(tx, run, step.id, step.event, correlation, now));
    if (event) {
      WASL_RETURN_IF_ERROR(runs_.finish_attempt(tx, row.id, kSucceeded, now, &*event, nullptr));
      run.data["steps"][step.id] = {{"status", kSucceeded}, {"output", *event}};
      continue;
    }
    std::int64_t deadline = now + step.timeout.value_or(kDefaultWaitTimeout).count();
    run.status = kWaiting;
    WASL_RETURN_IF_ERROR(runs_.set_waiting(tx, run, step.id, step.event, correlation, now));
    json payload = {{"step", step.id}, {"deadline", deadline}, {"attempt_row", row.id}};
    return schedule(tx, run, held, jobs::kWaitJob, payload, deadline, now);
  }
  return end_run(tx, run, held, kSucceeded, "", now);
}

Status Transitions::call_succeeded(Transaction& tx, PreparedJob& p, const json& output,
                                   JobHolding* held, std::int64_t now) {
  const Step& step = *p.step;
  if (p.compensation) {
    return compensation_done(tx, p.run, held, step, p.job.payload, nullptr, now);
  }
  p.run.data["steps"][step.id] = {{"status", kSucceeded}, {"output", output}};
  if (p.run.status == kCancelling) return cancel_run(tx, p.run, held, step.id, now);
  return advance(tx, p.run, held, index_of(p.run, step.id) + 1, now);
}

Result<bool> Transitions::retry_later(Transaction& tx, const PreparedJob& p, const Error& error,
                                      JobHolding* held, std::int64_t now) {
  const Step& step = *p.step;
  bool cancelling = p.run.status == kCancelling && !p.compensation;
  int first = p.job.payload.value("first_attempt", 1);
  if (!cancelling && error.deferred && error.retry_after) {
    // "Not yet" (Error::deferred): called again after retry_after, and the
    // attempt is not counted against the retry policy.
    json payload = p.job.payload;
    payload["first_attempt"] = first + 1;
    WASL_ASSIGN_OR_RETURN(bool ok, jobs::JobQueue::replace(tx, held->job, jobs::kCallJob, payload,
                                                           now + error.retry_after->count()));
    if (!ok) return lease_lost(p.run);
    return true;
  }
  int used = p.attempt - first + 1;
  if (!cancelling && retries(step.retry, error) && used < step.retry.max_attempts) {
    double unit = std::generate_canonical<double, 53>(jitter);
    auto delay = retry_delay(step.retry, used + 1, error, unit);
    WASL_ASSIGN_OR_RETURN(bool ok, jobs::JobQueue::replace(tx, held->job, jobs::kCallJob,
                                                           p.job.payload, now + delay.count()));
    if (!ok) return lease_lost(p.run);
    return true;
  }
  return false;
}

Status Transitions::call_failed(Transaction& tx, PreparedJob& p, const Error& error,
                                JobHolding* held, std::int64_t now) {
  const Step& step = *p.step;
  bool cancelling = p.run.status == kCancelling && !p.compensation;
  if (cancelling) return cancel_run(tx, p.run, held, step.id, now);
  if (p.compensation) {
    return compensation_done(tx, p.run, held, step, p.job.payload, &error, now);
  }
  return step_failed(tx, p.run, held, step, error, now);
}

Status Transitions::wait_due(Transaction& tx, PreparedJob& p, JobHolding* held, std::int64_t now) {
  std::string step_id = p.job.payload.value("step", std::string());
  std::string attempt_row = p.job.payload.value("attempt_row", std::string());
  std::int64_t deadline = p.job.payload.value("deadline", std::int64_t{0});
  const Step* step = p.run.definition->find_step(step_id);
  if (step == nullptr) {
    return end_run(tx, p.run, held, kFailed, "wait step '" + step_id + "' is not defined", now);
  }
  std::optional<json> event = p.matched_event;
  if (!event) {
    WASL_ASSIGN_OR_RETURN(event, events_.matched(tx, p.run.id, step_id));
  }
  if (event) {
    if (held && held->deferred) {
      WASL_ASSIGN_OR_RETURN(auto settled,
                            runs_.settled_attempt(attempt_row, kSucceeded, now, &*event, nullptr));
      held->deferred->attempts.push_back(std::move(settled));
    } else {
      WASL_RETURN_IF_ERROR(
          runs_.finish_attempt(tx, attempt_row, kSucceeded, now, &*event, nullptr));
    }
    p.run.data["steps"][step_id] = {{"status", kSucceeded}, {"output", *event}};
    if (p.run.status == kCancelling) return cancel_run(tx, p.run, held, step_id, now);
    return advance(tx, p.run, held, index_of(p.run, step_id) + 1, now);
  }
  if (p.run.status == kCancelling) {
    Error error(ErrorCode::kCancelled, "the run was cancelled while waiting", false);
    WASL_RETURN_IF_ERROR(runs_.finish_attempt(tx, attempt_row, kCancelled, now, nullptr, &error));
    return cancel_run(tx, p.run, held, step_id, now);
  }
  if (now < deadline) {
    WASL_ASSIGN_OR_RETURN(
        bool ok, jobs::JobQueue::replace(tx, held->job, jobs::kWaitJob, p.job.payload, deadline));
    if (!ok) return lease_lost(p.run);
    return {};
  }
  WASL_RETURN_IF_ERROR(runs_.set_wait_over(tx, p.run, now));
  p.run.status = kRunning;
  Error error(ErrorCode::kDeadlineExceeded,
              "no '" + step->event + "' event arrived within the wait timeout", false);
  WASL_RETURN_IF_ERROR(runs_.finish_attempt(tx, attempt_row, kFailed, now, nullptr, &error));
  return step_failed(tx, p.run, held, *step, error, now);
}

}  // namespace wasl::workflow
