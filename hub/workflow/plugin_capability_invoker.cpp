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

sdk::Result<nlohmann::json> PluginCapabilityInvoker::invoke(const std::string& facility_id,
                                                            const std::string& method,
                                                            const nlohmann::json& input,
                                                            const std::string&) {
  auto dot = method.find('.');
  if (dot == std::string::npos || dot == 0) {
    return Error(ErrorCode::kInvalidArgument,
                 "workflow call '" + method + "' does not name a capability as role.method",
                 false);
  }
  std::string role = method.substr(0, dot);
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
                     "'; add facilities." + facility_id + ".bindings." + role +
                     " to the config",
                 false);
  }
  auto instance = plugins_.instance(binding->second);
  if (!instance.ok()) {
    return Error(ErrorCode::kFailedPrecondition,
                 "plugin instance '" + binding->second + "' bound to role '" + role +
                     "' of facility '" + facility_id + "' is not loaded: " +
                     instance.error().message,
                 false);
  }
  return (*instance)->call(method, input);
}

}  // namespace wasl::workflow
