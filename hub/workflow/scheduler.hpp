// Scheduler: starts the runs of workflows whose trigger is kind: schedule
// (definition.hpp), one per (workflow, facility, period).
//
// A firing of the schedule (calendar/recurrence.hpp, in the trigger's
// time_zone or else the facility's reporting time zone) covers the period
// before the one it falls in: "every: 1d at 02:00" with period: day fires at
// 02:00 for yesterday; with period: month, for last month. That period's
// label ("2025-03-01", "2025-03") is the run's key: the scheduler inserts
// workflow_schedule_runs (workflow, facility, period) and starts the run in
// ONE transaction, and the primary key lets only one of several hub
// processes on one database do so (the others find the row and start
// nothing). A run is started for the facilities that run the workflow
// (facilities.<id>.workflows; empty = all) and bind every role it uses.
//
// Missed firings: run_due() looks for firings after the latest one claimed
// for the (workflow, facility) and claims each, oldest first, at most
// SchedulerOptions::catch_up of the latest; with none claimed yet, only the
// latest firing. So a hub started after downtime runs each missed period
// once, and never one it ran already.
//
// The run's ${trigger}: {period, period_kind, period_start_ms, period_end_ms,
// time_zone, fired_at_ms, source: "schedule" | "command"}.
//
// Thread-safe; the Store, DefinitionStore and Engine must outlive it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "hub/storage/store.hpp"
#include "hub/workflow/definition_store.hpp"
#include "hub/workflow/engine.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::workflow {

// A facility as the scheduler sees it (from the config).
struct ScheduledFacility {
  std::string id;
  std::string time_zone = "Asia/Riyadh";  // its reporting time zone
  std::vector<std::string> workflows;     // empty = every workflow
  std::set<std::string> bound_roles;      // roles its bindings name
};

struct SchedulerOptions {
  std::size_t catch_up = 31;  // missed firings run after downtime, at most (the latest)
  // Wall clock; unset = system clock.
  std::function<std::chrono::system_clock::time_point()> clock;
};

struct ScheduledRun {
  std::string workflow;
  std::string facility_id;
  std::string period;  // the run's key
  std::int64_t fired_at_ms = 0;
  std::string run_id;    // the run of the period (an earlier one when !started)
  bool started = false;  // false: the period had its run already
};

// A schedule's latest period due `grace` ago whose run has not succeeded.
struct OverdueSchedule {
  std::string workflow;
  std::string facility_id;
  std::string period;
  std::int64_t fired_at_ms = 0;
  std::string run_id;  // empty: no run was started for the period
  std::string status;  // the run's status (failed, cancelled, running, waiting, …)
};

// Whether `facility` runs `definition`: named in its workflows (or that list
// empty) and every role the workflow uses bound.
bool uses_workflow(const ScheduledFacility& facility, const WorkflowDefinition& definition);

class Scheduler {
 public:
  Scheduler(storage::Store& store, DefinitionStore& definitions, Engine& engine,
            std::vector<ScheduledFacility> facilities, SchedulerOptions options = {});

  // One pass over every deployed schedule workflow (its latest version) and
  // every facility that runs it: claims the due firings (see above) and
  // starts their runs. Returns the runs this pass started. An error of one
  // (workflow, facility) is logged and the pass goes on; the pass's error is
  // only a failure to read the deployed workflows.
  sdk::Result<std::vector<ScheduledRun>> run_due();

  // For every deployed schedule workflow and facility that runs it: its
  // latest firing at or before now - `grace`, when the period that firing
  // covers has no run or one that has not succeeded (failed, cancelled, or
  // still going and started more than `grace` ago): a scheduled report
  // missed. A firing before the schedule's
  // first one on this database (the workflow deployed, or the facility
  // added, since) is not asked about. The first storage error is the
  // result.
  sdk::Result<std::vector<OverdueSchedule>> overdue(std::chrono::milliseconds grace);

  // `wasl workflow run-now`: the run of `period_label` ("YYYY-MM-DD" for a
  // daily period, "YYYY-MM" for a monthly one; empty = the period the latest
  // firing covers) for one facility, started now unless that period has a
  // run already (then that run, started = false). kNotFound for a workflow
  // that is not deployed, kInvalidArgument for one that is not scheduled, a
  // facility that does not run it or a label of the wrong form.
  sdk::Result<ScheduledRun> run_now(const std::string& workflow, const std::string& facility_id,
                                    const std::string& period_label);

 private:
  std::int64_t now_ms() const;
  const ScheduledFacility* facility(const std::string& id) const;
  void for_each_schedule(
      const std::function<void(const WorkflowDefinition&, const ScheduledFacility&)>& visit);
  sdk::Result<std::optional<OverdueSchedule>> overdue_for(const WorkflowDefinition& definition,
                                                          const ScheduledFacility& facility,
                                                          std::chrono::milliseconds grace);
  sdk::Result<std::vector<ScheduledRun>> due_for(const WorkflowDefinition& definition,
                                                 const ScheduledFacility& facility);
  sdk::Result<ScheduledRun> claim(const WorkflowDefinition& definition,
                                  const ScheduledFacility& facility, const std::string& zone,
                                  std::int64_t fired_at_ms, const std::string& source,
                                  const std::string& period_label);

  storage::Store& store_;
  DefinitionStore& definitions_;
  Engine& engine_;
  std::vector<ScheduledFacility> facilities_;
  SchedulerOptions options_;
};

}  // namespace wasl::workflow
