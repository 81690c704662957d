#include "hub/workflow/scheduler.hpp"

#include <algorithm>
#include <map>

#include <spdlog/spdlog.h>

#include "hub/calendar/recurrence.hpp"
#include "hub/calendar/report_period.hpp"
#include "hub/workflow/run_state.hpp"

namespace wasl::workflow {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

namespace {

Error invalid_schedule(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message), false);
}

Result<calendar::Recurrence> recurrence_of(const Trigger& trigger) {
  return trigger.cron.empty() ? calendar::parse_every(trigger.every)
                              : calendar::parse_cron(trigger.cron);
}

calendar::PeriodKind period_kind(const Trigger& trigger) {
  return calendar::parse_period_kind(trigger.period).value_or(calendar::PeriodKind::kDay);
}

// The period a firing at `fired_at_ms` covers: the one before the period it falls in.
Result<calendar::ReportPeriod> period_of_firing(const Trigger& trigger, std::int64_t fired_at_ms,
                                                const std::string& zone) {
  WASL_ASSIGN_OR_RETURN(auto current,
                        calendar::period_containing(fired_at_ms, period_kind(trigger), zone));
  return calendar::previous_period(current);
}

}  // namespace

Scheduler::Scheduler(storage::Store& store, DefinitionStore& definitions, Engine& engine,
                     std::vector<ScheduledFacility> facilities, SchedulerOptions options)
    : store_(store),
      definitions_(definitions),
      engine_(engine),
      facilities_(std::move(facilities)),
      options_(std::move(options)) {}

std::int64_t Scheduler::now_ms() const {
  auto now = options_.clock ? options_.clock() : std::chrono::system_clock::now();
  return std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
}

const ScheduledFacility* Scheduler::facility(const std::string& id) const {
  for (const auto& f : facilities_) {
    if (f.id == id) return &f;
  }
  return nullptr;
}

bool uses_workflow(const ScheduledFacility& facility, const WorkflowDefinition& definition) {
  if (!facility.workflows.empty() && std::find(facility.workflows.begin(), facility.workflows.end(),
                                               definition.name) == facility.workflows.end()) {
    return false;
  }
  for (const auto& role : roles_used(definition)) {
    if (!facility.bound_roles.contains(role)) return false;
  }
  return true;
}

void Scheduler::for_each_schedule(
    const std::function<void(const WorkflowDefinition&, const ScheduledFacility&)>& visit) {
  for (const auto& facility : facilities_) {
    // Each facility runs the schedules of the workflows it uses: its own,
    // else the platform's; another facility's never.
    auto versions = definitions_.list_for(facility.id);
    if (!versions.ok()) {
      spdlog::error("schedule: workflows of facility {}: {}", facility.id,
                    versions.error().message);
      continue;
    }
    std::map<std::string, int> latest;
    for (const auto& v : *versions) latest[v.name] = std::max(latest[v.name], v.version);
    for (const auto& [name, version] : latest) {
      auto definition = definitions_.get(name, version);
      if (!definition.ok()) {
        spdlog::error("schedule: workflow {} version {}: {}", name, version,
                      definition.error().message);
        continue;
      }
      if ((*definition)->trigger.kind != TriggerKind::kSchedule) continue;
      if (!uses_workflow(facility, **definition)) continue;
      visit(**definition, facility);
    }
  }
}

Result<std::vector<ScheduledRun>> Scheduler::run_due() {
  std::vector<ScheduledRun> started;
  for_each_schedule([&](const WorkflowDefinition& definition, const ScheduledFacility& facility) {
    auto runs = due_for(definition, facility);
    if (!runs.ok()) {
      spdlog::error("schedule: workflow {} for facility {}: {}", definition.name, facility.id,
                    runs.error().message);
      return;
    }
    for (auto& run : *runs) {
      spdlog::info("schedule: workflow {} for facility {}, period {}: run {}", definition.name,
                   facility.id, run.period, run.run_id);
      started.push_back(std::move(run));
    }
  });
  return started;
}

Result<std::vector<OverdueSchedule>> Scheduler::overdue(std::chrono::milliseconds grace) {
  std::vector<OverdueSchedule> out;
  std::optional<Error> failure;
  for_each_schedule([&](const WorkflowDefinition& definition, const ScheduledFacility& facility) {
    auto found = overdue_for(definition, facility, grace);
    if (!found.ok()) {
      if (!failure) failure = found.error();
      return;
    }
    if (*found) out.push_back(std::move(**found));
  });
  if (failure) return *failure;
  return out;
}

Result<std::optional<OverdueSchedule>> Scheduler::overdue_for(const WorkflowDefinition& definition,
                                                              const ScheduledFacility& facility,
                                                              std::chrono::milliseconds grace) {
  const Trigger& trigger = definition.trigger;
  const std::string zone = trigger.time_zone.empty() ? facility.time_zone : trigger.time_zone;
  WASL_ASSIGN_OR_RETURN(auto recurrence, recurrence_of(trigger));
  WASL_ASSIGN_OR_RETURN(
      auto fired, calendar::firings(recurrence, zone, std::nullopt, now_ms() - grace.count(), 1));
  if (fired.empty()) return std::optional<OverdueSchedule>();
  WASL_ASSIGN_OR_RETURN(auto period, period_of_firing(trigger, fired.back(), zone));
  OverdueSchedule o{definition.name, facility.id, period.label, fired.back(), "", ""};
  WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadOnly));
  // A period before the schedule's first firing here (the workflow deployed,
  // or the facility added, since) was never due.
  WASL_ASSIGN_OR_RETURN(
      auto first, tx->query("SELECT MIN(fired_at) FROM workflow_schedule_runs WHERE workflow = $1 "
                            "AND facility_id = $2 AND source = 'schedule'",
                            {definition.name, facility.id}));
  if (first.empty() || first.front().is_null(0)) return std::optional<OverdueSchedule>();
  WASL_ASSIGN_OR_RETURN(std::int64_t first_fired, first.front().get_int(0));
  if (first_fired > fired.back()) return std::optional<OverdueSchedule>();
  WASL_ASSIGN_OR_RETURN(
      auto rows,
      tx->query("SELECT s.run_id, r.status, r.created_at FROM workflow_schedule_runs s LEFT JOIN "
                "workflow_runs r "
                "ON r.id = s.run_id AND r.facility_id = s.facility_id WHERE s.workflow = $1 AND "
                "s.facility_id = $2 AND s.period = $3",
                {definition.name, facility.id, period.label}));
  tx->rollback();
  if (!rows.empty()) {
    if (!rows.front().is_null(0)) {
      WASL_ASSIGN_OR_RETURN(o.run_id, rows.front().get_text(0));
    }
    if (!rows.front().is_null(1)) {
      WASL_ASSIGN_OR_RETURN(o.status, rows.front().get_text(1));
    }
    // Its run succeeded, or the run was pruned since (retention keeps
    // failed runs, so a pruned one had ended well).
    if (o.status == run_status::kSucceeded || (!o.run_id.empty() && o.status.empty())) {
      return std::optional<OverdueSchedule>();
    }
    // A run still going that started within the grace (a period caught up
    // after downtime) is late, not missed.
    if (!rows.front().is_null(2) && !run_status::is_final(o.status)) {
      WASL_ASSIGN_OR_RETURN(std::int64_t created, rows.front().get_int(2));
      if (created > now_ms() - grace.count()) return std::optional<OverdueSchedule>();
    }
  }
  return std::optional<OverdueSchedule>(std::move(o));
}

Result<std::vector<ScheduledRun>> Scheduler::due_for(const WorkflowDefinition& definition,
                                                     const ScheduledFacility& facility) {
  const Trigger& trigger = definition.trigger;
  const std::string zone = trigger.time_zone.empty() ? facility.time_zone : trigger.time_zone;
  WASL_ASSIGN_OR_RETURN(auto recurrence, recurrence_of(trigger));
  std::optional<std::int64_t> last;
  {
    WASL_ASSIGN_OR_RETURN(auto tx, store_.begin(storage::TxMode::kReadOnly));
    WASL_ASSIGN_OR_RETURN(
        auto rows, tx->query("SELECT MAX(fired_at) FROM workflow_schedule_runs WHERE workflow = $1 "
                             "AND facility_id = $2 AND source = 'schedule'",
                             {definition.name, facility.id}));
    if (!rows.empty() && !rows.front().is_null(0)) {
      WASL_ASSIGN_OR_RETURN(last, rows.front().get_int(0));
    }
    tx->rollback();
  }
  WASL_ASSIGN_OR_RETURN(auto fired, calendar::firings(recurrence, zone, last, now_ms(),
                                                      last ? options_.catch_up : 1));
  std::vector<ScheduledRun> started;
  for (std::int64_t at : fired) {
    WASL_ASSIGN_OR_RETURN(auto period, period_of_firing(trigger, at, zone));
    WASL_ASSIGN_OR_RETURN(auto run,
                          claim(definition, facility, zone, at, "schedule", period.label));
    if (run.started) started.push_back(std::move(run));
  }
  return started;
}

Result<ScheduledRun> Scheduler::run_now(const std::string& workflow, const std::string& facility_id,
                                        const std::string& period_label) {
  WASL_ASSIGN_OR_RETURN(auto definition, definitions_.latest(workflow, facility_id));
  if (definition->trigger.kind != TriggerKind::kSchedule) {
    return invalid_schedule("workflow '" + workflow +
                            "' has no schedule (its trigger is not kind: schedule)");
  }
  const ScheduledFacility* f = facility(facility_id);
  if (f == nullptr || !uses_workflow(*f, *definition)) {
    return invalid_schedule(
        "facility '" + facility_id + "' does not run workflow '" + workflow +
        "' (unknown facility, not in its workflows, or a role it uses is not bound)");
  }
  const std::string zone =
      definition->trigger.time_zone.empty() ? f->time_zone : definition->trigger.time_zone;
  std::string label = period_label;
  const std::int64_t now = now_ms();
  if (label.empty()) {
    WASL_ASSIGN_OR_RETURN(auto recurrence, recurrence_of(definition->trigger));
    WASL_ASSIGN_OR_RETURN(auto fired, calendar::firings(recurrence, zone, std::nullopt, now, 1));
    WASL_ASSIGN_OR_RETURN(auto period, period_of_firing(definition->trigger,
                                                        fired.empty() ? now : fired.back(), zone));
    label = period.label;
  } else {
    auto period = calendar::period_from_label(label, zone);
    if (!period.ok() || period->kind != period_kind(definition->trigger)) {
      return invalid_schedule(
          "period '" + label + "' is not a " + definition->trigger.period +
          (definition->trigger.period == "month" ? " (YYYY-MM)" : " (YYYY-MM-DD)"));
    }
  }
  return claim(*definition, *f, zone, now, "command", label);
}

Result<ScheduledRun> Scheduler::claim(const WorkflowDefinition& definition,
                                      const ScheduledFacility& facility, const std::string& zone,
                                      std::int64_t fired_at_ms, const std::string& source,
                                      const std::string& period_label) {
  WASL_ASSIGN_OR_RETURN(auto period, calendar::period_from_label(period_label, zone));
  ScheduledRun run{definition.name, facility.id, period_label, fired_at_ms, "", false};
  WASL_ASSIGN_OR_RETURN(auto tx, store_.begin());
  WASL_ASSIGN_OR_RETURN(
      auto inserted,
      tx->exec("INSERT INTO workflow_schedule_runs (workflow, facility_id, period, source, "
               "fired_at, run_id, created_at) VALUES ($1, $2, $3, $4, $5, NULL, $6) "
               "ON CONFLICT DO NOTHING",
               {definition.name, facility.id, period_label, source, fired_at_ms, now_ms()}));
  if (inserted == 0) {
    // Another process (or an earlier pass) claimed the period: report its run.
    WASL_ASSIGN_OR_RETURN(
        auto rows, tx->query("SELECT run_id FROM workflow_schedule_runs WHERE workflow = $1 AND "
                             "facility_id = $2 AND period = $3",
                             {definition.name, facility.id, period_label}));
    if (!rows.empty() && !rows.front().is_null(0)) {
      WASL_ASSIGN_OR_RETURN(run.run_id, rows.front().get_text(0));
    }
    tx->rollback();
    return run;
  }
  StartRunRequest request;
  request.workflow = definition.name;
  request.facility_id = facility.id;
  request.trigger = json{{"period", period.label},
                         {"period_kind", std::string(calendar::to_string(period.kind))},
                         {"period_start_ms", period.start_ms},
                         {"period_end_ms", period.end_ms},
                         {"time_zone", zone},
                         {"fired_at_ms", fired_at_ms},
                         {"source", source}};
  WASL_ASSIGN_OR_RETURN(run.run_id, engine_.start_run(*tx, request));
  WASL_RETURN_IF_ERROR(tx->exec(
      "UPDATE workflow_schedule_runs SET run_id = $1 WHERE workflow = $2 AND facility_id = $3 "
      "AND period = $4",
      {run.run_id, definition.name, facility.id, period_label}));
  WASL_RETURN_IF_ERROR(tx->commit());
  engine_.work_available();
  run.started = true;
  return run;
}

}  // namespace wasl::workflow
