#include "hub/api/workflow_choice.hpp"

#include <algorithm>
#include <set>

namespace wasl::api {

bool workflow_enabled_for(const config::Config* config, const std::string& facility_id,
                          const std::string& name) {
  if (config == nullptr) return true;
  auto it = config->facilities.find(facility_id);
  if (it == config->facilities.end() || it->second.workflows.empty()) return true;
  const auto& list = it->second.workflows;
  return std::find(list.begin(), list.end(), name) != list.end();
}

sdk::Result<std::shared_ptr<const workflow::WorkflowDefinition>> choose_workflow(
    workflow::DefinitionStore& definitions, const config::Config* config,
    const std::string& facility_id, const std::optional<std::string>& named,
    domain::ConsultationType type, FieldValidator& validator) {
  using Definition = std::shared_ptr<const workflow::WorkflowDefinition>;
  if (named) {
    auto latest = definitions.latest(*named, facility_id);
    if (!latest.ok()) {
      if (latest.error().code != sdk::ErrorCode::kNotFound) return std::move(latest).error();
      validator.add("workflow", "unknown_value", "no workflow of this name is deployed");
      return Definition{};
    }
    if ((*latest)->trigger.kind != workflow::TriggerKind::kApi) {
      validator.add("workflow", "not_allowed", "this workflow is started by events, not the API");
      return Definition{};
    }
    if (!workflow_enabled_for(config, facility_id, *named)) {
      validator.add("workflow", "not_allowed", "this workflow is not enabled for the facility");
      return Definition{};
    }
    return std::move(latest).value();
  }

  WASL_ASSIGN_OR_RETURN(auto versions, definitions.list_for(facility_id));
  std::set<std::string> names;
  for (const auto& v : versions) names.insert(v.name);
  const std::string type_name(domain::to_string(type));
  for (const std::string& name : names) {
    if (!workflow_enabled_for(config, facility_id, name)) continue;
    WASL_ASSIGN_OR_RETURN(Definition definition, definitions.latest(name, facility_id));
    if (definition->trigger.kind == workflow::TriggerKind::kApi &&
        definition->trigger.consultation_type == type_name) {
      return definition;
    }
  }
  const std::string fallback = "consultation";
  if (names.count(fallback) > 0 && workflow_enabled_for(config, facility_id, fallback)) {
    WASL_ASSIGN_OR_RETURN(Definition definition, definitions.latest(fallback, facility_id));
    if (definition->trigger.kind == workflow::TriggerKind::kApi) return definition;
  }
  validator.add("workflow", "required",
                "no deployed workflow handles this consultation type; name one");
  return Definition{};
}

}  // namespace wasl::api
