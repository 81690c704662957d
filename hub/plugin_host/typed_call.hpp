// typed_call: one call through a PluginInstance with the SDK's value types on
// both ends (types.hpp gives the wire form). A result the plugin encoded in a
// form that does not decode is kInternal naming the plugin and method.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "hub/plugin_host/plugin_instance.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::plugin_host {

template <typename Response, typename Request>
sdk::Result<Response> typed_call(PluginInstance& instance, std::string_view method,
                                 const Request& request) {
  WASL_ASSIGN_OR_RETURN(nlohmann::json out, instance.call(method, nlohmann::json(request)));
  if constexpr (std::is_void_v<Response>) {
    return sdk::Status();
  } else {
    try {
      return out.get<Response>();
    } catch (const nlohmann::json::exception& e) {
      return sdk::Error(sdk::ErrorCode::kInternal,
                        "plugin '" + instance.library().info().name + "' method '" +
                            std::string(method) +
                            "' returned a result of the wrong form: " + e.what(),
                        false);
    }
  }
}

}  // namespace wasl::plugin_host
