// Reads a run's RunTimeline (run_timeline.hpp) from workflow_runs,
// workflow_steps, workflow_events and jobs, in a read-only transaction of its
// own.
#pragma once

#include <string>

#include "hub/storage/store.hpp"
#include "hub/workflow/definition_store.hpp"
#include "hub/workflow/run_repository.hpp"
#include "hub/workflow/run_timeline.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::workflow {

// Attempts come in the order they started; attempts started within the same
// millisecond (chained steps) keep the workflow's own order (steps, then
// compensations). The run's queued call, if any, is its next_attempt.
// kNotFound for an unknown run; storage errors as the store reports them. A
// definition that can no longer be read leaves every attempt's
// `compensation` false.
//
// With `payloads` (a RunRepository with the cipher the engine writes with),
// each attempt also carries its step's input and its output (PHI: the caller
// decides who sees them); kInternal when a stored payload does not decode.
sdk::Result<RunTimeline> read_run_timeline(storage::Store& store, DefinitionStore& definitions,
                                           const std::string& run_id,
                                           RunRepository* payloads = nullptr);

}  // namespace wasl::workflow
