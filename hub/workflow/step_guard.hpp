// guard_step_input: runs the step guard of a call step's method
// (HubActions::guard) before the plugin is called: in a transaction of its
// own, committed whether the guard admits the call or refuses it, so the
// access.denied event of a refusal is kept although the step fails. Answers
// the input to call the plugin with (`input` itself when the method has no
// guard), or the guard's error. A storage error opening or committing the
// transaction is returned as it is (retryable when the store says so); an
// exception from the guard becomes kInternal.
//
// Thread-safety: as HubActions (read-only) and Store.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "hub/storage/store.hpp"
#include "hub/workflow/hub_actions.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::workflow {

// `ctx` is the step's context (its tx is ignored: the guard gets its own).
sdk::Result<nlohmann::json> guard_step_input(storage::Store& store, const HubActions& actions,
                                             HubActionContext ctx, const std::string& method,
                                             const nlohmann::json& input);

}  // namespace wasl::workflow
