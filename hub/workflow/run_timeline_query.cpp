#include "hub/workflow/run_timeline_query.hpp"

#include <algorithm>
#include <functional>

#include "hub/jobs/job_queue.hpp"
#include "hub/workflow/language/value_template.hpp"

namespace wasl::workflow {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using storage::Params;

namespace {

// The step's input as the engine would render it now, without the
// environment (its values are never shown): into `input`, or the template as
// written into `input_template` when a reference cannot be resolved now.
void render_input(const WorkflowDefinition& definition, const nlohmann::json& data,
                  StepAttempt& a) {
  const Step* step =
      a.compensation ? definition.find_compensation(a.step_id) : definition.find_step(a.step_id);
  if (step == nullptr || step->with.is_null()) return;
  EvaluationContext context{data, {}};
  auto rendered = render_value(step->with, context, "with");
  if (rendered.ok()) {
    a.input = std::move(rendered).value();
  } else {
    a.input_template = step->with;
  }
}

}  // namespace

Result<RunTimeline> read_run_timeline(storage::Store& store, DefinitionStore& definitions,
                                      const std::string& run_id, RunRepository* payloads) {
  WASL_ASSIGN_OR_RETURN(auto tx, store.begin(storage::TxMode::kReadOnly));
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
  auto definition = definitions.get(t.workflow, t.version, tx.get());
  WASL_ASSIGN_OR_RETURN(
      auto steps,
      tx->query("SELECT id, step_id, attempt, status, idempotency_key, started_at, finished_at, "
                "error_code, error_message, output_enc FROM workflow_steps WHERE run_id = $1 "
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
    if (payloads != nullptr && a.status == "succeeded") {
      WASL_ASSIGN_OR_RETURN(auto row_id, s.get_text("id"));
      WASL_ASSIGN_OR_RETURN(a.output, payloads->decode(s, "output_enc", "workflow_steps", row_id));
    }
    t.attempts.push_back(std::move(a));
  }
  if (payloads != nullptr && definition.ok()) {
    WASL_ASSIGN_OR_RETURN(RunState state, payloads->load(*tx, run_id, /*lock=*/false));
    for (auto& a : t.attempts) render_input(**definition, state.data, a);
  }
  // The run's queued call: its next attempt, a retry when the step failed before.
  WASL_ASSIGN_OR_RETURN(auto queued,
                        jobs::JobQueue::first_of_kind(*tx, run_id, std::string(jobs::kCallJob)));
  if (queued) {
    const nlohmann::json& payload = queued->payload;
    if (payload.is_object() && !payload.value("step", std::string()).empty()) {
      NextAttempt next;
      next.step_id = payload.value("step", std::string());
      next.compensation = payload.value("compensation", false);
      next.at_ms = queued->run_at_ms;
      const StepAttempt* last = nullptr;
      bool failed_before = false;
      for (const auto& a : t.attempts) {
        if (a.step_id != next.step_id) continue;
        if (last == nullptr || a.attempt > last->attempt) last = &a;
        failed_before = failed_before || a.status == "failed";
      }
      // A job whose attempt is under way is that attempt, not the next one.
      if (last == nullptr || last->status != "running") {
        next.attempt = last == nullptr ? 1 : last->attempt + 1;
        next.retry = failed_before;
        t.next_attempt = std::move(next);
      }
    }
  }
  // Chained steps can start within one millisecond, and an event can settle
  // a wait and the next wait in one commit: within a tie, the workflow's own
  // order (steps, then compensations) decides.
  std::function<std::size_t(const std::string&)> position = [](const std::string&) {
    return std::size_t{0};
  };
  if (definition.ok()) {
    const WorkflowDefinition& d = **definition;
    position = [&d](const std::string& id) {
      for (std::size_t i = 0; i < d.steps.size(); ++i) {
        if (d.steps[i].id == id) return i;
      }
      for (std::size_t i = 0; i < d.compensations.size(); ++i) {
        if (d.compensations[i].id == id) return d.steps.size() + i;
      }
      return d.steps.size() + d.compensations.size();
    };
  }
  std::stable_sort(t.attempts.begin(), t.attempts.end(),
                   [&position](const StepAttempt& x, const StepAttempt& y) {
                     if (x.started_at_ms != y.started_at_ms) {
                       return x.started_at_ms < y.started_at_ms;
                     }
                     return position(x.step_id) < position(y.step_id);
                   });
  WASL_ASSIGN_OR_RETURN(auto events,
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
  std::stable_sort(t.events.begin(), t.events.end(),
                   [&position](const MatchedEvent& x, const MatchedEvent& y) {
                     if (x.matched_at_ms != y.matched_at_ms) {
                       return x.matched_at_ms < y.matched_at_ms;
                     }
                     return position(x.step_id) < position(y.step_id);
                   });
  return t;
}

}  // namespace wasl::workflow
