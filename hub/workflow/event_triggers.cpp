#include "hub/workflow/event_triggers.hpp"

#include <algorithm>
#include <map>
#include <utility>

namespace wasl::workflow {

EventTriggers::EventTriggers(DefinitionStore& definitions, Engine& engine,
                             std::vector<ScheduledFacility> facilities)
    : definitions_(definitions), engine_(engine), facilities_(std::move(facilities)) {}

sdk::Result<std::vector<std::string>> EventTriggers::start_runs(storage::Transaction& tx,
                                                                const std::string& facility_id,
                                                                std::string_view event,
                                                                const nlohmann::json& trigger) {
  std::vector<std::string> started;
  auto facility = std::find_if(facilities_.begin(), facilities_.end(),
                               [&](const ScheduledFacility& f) { return f.id == facility_id; });
  if (facility == facilities_.end()) return started;
  WASL_ASSIGN_OR_RETURN(std::vector<DeployedVersion> versions,
                        definitions_.list_for(facility_id, &tx));
  std::map<std::string, int> latest;
  for (const DeployedVersion& v : versions) latest[v.name] = std::max(latest[v.name], v.version);
  for (const auto& [name, version] : latest) {
    WASL_ASSIGN_OR_RETURN(auto definition, definitions_.get(name, version, &tx));
    if (definition->trigger.kind != TriggerKind::kEvent || definition->trigger.event != event) {
      continue;
    }
    if (!uses_workflow(*facility, *definition)) continue;
    StartRunRequest request;
    request.workflow = name;
    request.version = version;
    request.facility_id = facility_id;
    request.trigger = trigger;
    WASL_ASSIGN_OR_RETURN(std::string run_id, engine_.start_run(tx, request));
    started.push_back(std::move(run_id));
  }
  return started;
}

void EventTriggers::work_available() { engine_.work_available(); }

}  // namespace wasl::workflow
