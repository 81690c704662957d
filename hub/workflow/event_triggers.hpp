// EventTriggers: starts the runs of workflows whose trigger is kind: event
// (definition.hpp) when a feature of the hub records such an event, e.g.
// the claims folder taking the payer's information request
// (billing.information_request; the event types are in the capability
// catalogue, hub/workflow/language/capabilities.hpp).
//
// start_runs starts, inside the caller's transaction (so the runs exist
// exactly when what caused them is recorded), one run of the latest
// deployed version of each workflow the facility uses (its own version of a
// name, else the platform's) whose trigger is `event`, when the facility
// runs it (facilities.<id>.workflows; empty = all) and binds every role it
// uses, as the scheduler picks them (uses_workflow, scheduler.hpp). The
// run's ${trigger} is `trigger`. Answers the runs started (none when no
// workflow is triggered by the event). After the caller commits, call
// work_available() so the engine's workers pick them up.
//
// Thread-safe; the DefinitionStore and Engine must outlive it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/storage/store.hpp"
#include "hub/workflow/definition_store.hpp"
#include "hub/workflow/engine.hpp"
#include "hub/workflow/scheduler.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::workflow {

class EventTriggers {
 public:
  EventTriggers(DefinitionStore& definitions, Engine& engine,
                std::vector<ScheduledFacility> facilities);

  sdk::Result<std::vector<std::string>> start_runs(storage::Transaction& tx,
                                                   const std::string& facility_id,
                                                   std::string_view event,
                                                   const nlohmann::json& trigger);

  void work_available();

 private:
  DefinitionStore& definitions_;
  Engine& engine_;
  std::vector<ScheduledFacility> facilities_;
};

}  // namespace wasl::workflow
