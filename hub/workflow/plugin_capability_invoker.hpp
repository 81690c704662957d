// PluginCapabilityInvoker: CapabilityInvoker over the loaded plugins
// (plugin_host::PluginHost) and the facilities' role bindings from the config
// (facilities.<id>.bindings: role → instance name).
//
// A run's calls go to the instances of the run's snapshot (invoke_bound, the
// bindings in force when the run was created), not to the facility's current
// binding: after an operator rebinds a role (facilities.<id>.bindings.video:
// video.twilio-main → video.chime-main) and restarts or reloads the hub, the
// consultations already running finish on the instance they started with
// (its room ids mean nothing to another provider) and new runs use the new
// binding. The previous instance must therefore stay configured until those
// runs end. A role the snapshot does not bind resolves through the current
// bindings.
//
// Errors: a facility without a binding for the role → kFailedPrecondition
// (not retryable) naming the facility and the role; a bound instance that is
// not loaded → kFailedPrecondition naming it. Thread-safe: immutable after
// construction. The PluginHost must outlive this object; a call in progress
// keeps its PluginInstance (and so its library) alive by itself.
#pragma once

#include <map>
#include <string>

#include "hub/config/config.hpp"
#include "hub/plugin_host/plugin_host.hpp"
#include "hub/workflow/capability_invoker.hpp"

namespace wasl::workflow {

class PluginCapabilityInvoker final : public CapabilityInvoker {
 public:
  // facility id → (role → instance name)
  using Bindings = std::map<std::string, RoleBindings>;

  PluginCapabilityInvoker(const plugin_host::PluginHost& plugins, Bindings bindings);
  // Takes the bindings of every facility in `config`.
  PluginCapabilityInvoker(const plugin_host::PluginHost& plugins, const config::Config& config);

  RoleBindings bindings(const std::string& facility_id) const override;

  sdk::Result<nlohmann::json> invoke(const std::string& facility_id, const std::string& method,
                                     const nlohmann::json& input,
                                     const std::string& idempotency_key) override;

  sdk::Result<nlohmann::json> invoke_bound(const RoleBindings& pinned,
                                           const std::string& facility_id,
                                           const std::string& method, const nlohmann::json& input,
                                           const std::string& idempotency_key) override;

  // The instance's CallGate load; nullopt when it is not loaded.
  std::optional<plugin_host::CallLoad> load(const std::string& instance) const override;

 private:
  const plugin_host::PluginHost& plugins_;
  Bindings bindings_;
};

}  // namespace wasl::workflow
