// CapabilityInvoker: how the engine reaches a plugin. A step names a
// capability by role ("video.create_room"); the invoker resolves the role to
// a plugin instance and calls it.
//
// Which instance: a run keeps the role bindings in force when it was created
// (its snapshot, workflow_runs.bindings), so a facility switched to another
// provider mid-run finishes its running runs on the instances they started
// with (run_bindings.hpp). The engine takes the snapshot with bindings() when
// it creates a run and passes it back with every call (invoke_bound).
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "hub/plugin_host/call_gate.hpp"
#include "hub/workflow/run_bindings.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::workflow {

class CapabilityInvoker {
 public:
  virtual ~CapabilityInvoker() = default;

  // The facility's role bindings in force now; empty for an unknown facility.
  // The default answers none (an invoker that does not resolve roles through
  // bindings): runs then keep an empty snapshot.
  virtual RoleBindings bindings(const std::string& /*facility_id*/) const { return {}; }

  // Calls `method` ("role.method", the SDK wire name) for `facility_id` with
  // `input` (the JSON form of the SDK request), the role resolved through the
  // facility's current bindings. `idempotency_key` is the step's key, the
  // one the plugin sees: the engine has already put it in
  // `input.idempotency_key`, and an input that carries another or none has
  // it set there before the call.
  // Returns the plugin's JSON result or its Error unchanged (retryable and
  // retry_after included). Must be thread-safe: every worker calls it, and a
  // call the engine gave up on (timeout) may still be running.
  virtual sdk::Result<nlohmann::json> invoke(const std::string& facility_id,
                                             const std::string& method, const nlohmann::json& input,
                                             const std::string& idempotency_key) = 0;

  // As invoke, but the role resolves through `pinned` (the run's snapshot)
  // when it binds the role, else through the facility's current bindings.
  // The engine calls this one. The default ignores `pinned` and calls invoke.
  virtual sdk::Result<nlohmann::json> invoke_bound(const RoleBindings& pinned,
                                                   const std::string& facility_id,
                                                   const std::string& method,
                                                   const nlohmann::json& input,
                                                   const std::string& idempotency_key) {
    (void)pinned;
    return invoke(facility_id, method, input, idempotency_key);
  }

  // What runs in plugin instance `instance` now (its bulkhead); nullopt when
  // the invoker does not know, and the engine then calls as it comes.
  virtual std::optional<plugin_host::CallLoad> load(const std::string& instance) const {
    (void)instance;
    return std::nullopt;
  }
};

}  // namespace wasl::workflow
