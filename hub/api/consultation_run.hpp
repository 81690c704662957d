// ConsultationRun: the workflow run of a consultation (its most recent one),
// for the timeline, cancel and retry routes, and the role bindings it kept
// from its start for the participants routes. Facility-scoped like the record
// stores: a run of another facility's consultation is not found.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hub/storage/store.hpp"
#include "hub/workflow/run_bindings.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::api {

// The run id, or nullopt when the consultation has none. Storage errors as
// the transaction reports them.
sdk::Result<std::optional<std::string>> find_consultation_run(storage::Transaction& tx,
                                                              std::string_view facility_id,
                                                              std::string_view consultation_id);

// The deployed workflow version a run executes (workflow_runs.workflow_version).
// kNotFound when the run does not exist.
sdk::Result<std::int64_t> run_workflow_version(storage::Transaction& tx, std::string_view run_id);

// The role bindings the consultation's run kept from its start
// (workflow_runs.bindings of its most recent run); empty when it has no run
// or the run has no snapshot (created before snapshots existed).
sdk::Result<workflow::RoleBindings> consultation_run_bindings(storage::Transaction& tx,
                                                              std::string_view facility_id,
                                                              std::string_view consultation_id);

}  // namespace wasl::api
