#include "hub/workflow/plugin_capability_invoker.hpp"

namespace wasl::workflow {

using sdk::Error;
using sdk::ErrorCode;

PluginCapabilityInvoker::PluginCapabilityInvoker(const plugin_host::PluginHost& plugins,
                                                 Bindings bindings)
    : plugins_(plugins), bindings_(std::move(bindings)) {}

PluginCapabilityInvoker::PluginCapabilityInvoker(const plugin_host::PluginHost& plugins,
                                                 const config::Config& config)
    : plugins_(plugins) {
  for (const auto& [id, facility] : config.facilities) bindings_[id] = facility.bindings;
}

RoleBindings PluginCapabilityInvoker::bindings(const std::string& facility_id) const {
  auto facility = bindings_.find(facility_id);
  return facility == bindings_.end() ? RoleBindings{} : facility->second;
}

sdk::Result<nlohmann::json> PluginCapabilityInvoker::invoke(const std::string& facility_id,
                                                            const std::string& method,
                                                            const nlohmann::json& input,
                                                            const std::string& idempotency_key) {
  return invoke_bound({}, facility_id, method, input, idempotency_key);
}

sdk::Result<nlohmann::json> PluginCapabilityInvoker::invoke_bound(
    const RoleBindings& pinned, const std::string& facility_id, const std::string& method,
    const nlohmann::json& input, const std::string& idempotency_key) {
  auto dot = method.find('.');
  if (dot == std::string::npos || dot == 0) {
    return Error(ErrorCode::kInvalidArgument,
                 "workflow call '" + method + "' does not name a capability as role.method", false);
  }
  std::string role = method.substr(0, dot);
  std::string name;
  std::string hint;
  if (auto kept = pinned.find(role); kept != pinned.end()) {
    name = kept->second;
    hint = " (this run started with it; keep it configured until such runs end)";
  } else {
    auto facility = bindings_.find(facility_id);
    if (facility == bindings_.end()) {
      return Error(ErrorCode::kFailedPrecondition,
                   "facility '" + facility_id + "' is not configured, so role '" + role +
                       "' has no plugin instance; add it under facilities: in the config",
                   false);
    }
    auto binding = facility->second.find(role);
    if (binding == facility->second.end()) {
      return Error(ErrorCode::kFailedPrecondition,
                   "facility '" + facility_id + "' binds no plugin instance to role '" + role +
                       "'; add facilities." + facility_id + ".bindings." + role + " to the config",
                   false);
    }
    name = binding->second;
  }
  auto instance = plugins_.instance(name);
  if (!instance.ok()) {
    return Error(ErrorCode::kFailedPrecondition,
                 "plugin instance '" + name + "' bound to role '" + role + "' of facility '" +
                     facility_id + "' is not loaded: " + instance.error().message + hint,
                 false);
  }
  // The key the plugin sees is the call's: the engine has put it in the
  // input already, so the input goes as it is unless it carries another.
  if (!idempotency_key.empty() && input.is_object()) {
    auto given = input.find("idempotency_key");
    if (given == input.end() || !given->is_string() ||
        given->get_ref<const std::string&>() != idempotency_key) {
      nlohmann::json keyed = input;
      keyed["idempotency_key"] = idempotency_key;
      return (*instance)->call(method, keyed);
    }
  }
  return (*instance)->call(method, input);
}

std::optional<plugin_host::CallLoad> PluginCapabilityInvoker::load(
    const std::string& instance) const {
  auto loaded = plugins_.instance(instance);
  if (!loaded.ok()) return std::nullopt;
  return (*loaded)->load();
}

}  // namespace wasl::workflow
