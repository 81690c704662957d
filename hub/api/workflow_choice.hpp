// WorkflowChoice: which deployed workflow a new consultation runs.
//
// Only the workflows the facility uses are candidates: its own, else the
// platform's (DefinitionStore::latest); another facility's never.
// Named in the body: that workflow's latest version (it must be deployed,
// started by the API, and allowed for the facility). Not named: the workflow
// whose trigger declares `consultation_type` equal to the consultation's type
// (alphabetically first when several do), else "consultation". A facility's
// `workflows` list in the config, when not empty, limits the choice.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "hub/api/field_validator.hpp"
#include "hub/config/config.hpp"
#include "hub/domain/consultation.hpp"
#include "hub/workflow/definition_store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::api {

// Whether the facility's `workflows` list in the config (when not empty)
// names `name`; true without a config.
bool workflow_enabled_for(const config::Config* config, const std::string& facility_id,
                          const std::string& name);

// The chosen definition, or nullptr after adding a field error for
// "workflow" to `validator`. Storage errors are returned as errors.
sdk::Result<std::shared_ptr<const workflow::WorkflowDefinition>> choose_workflow(
    workflow::DefinitionStore& definitions, const config::Config* config,
    const std::string& facility_id, const std::optional<std::string>& named,
    domain::ConsultationType type, FieldValidator& validator);

}  // namespace wasl::api
