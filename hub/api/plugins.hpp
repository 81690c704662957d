// Plugins: GET /v1/plugins — the loaded plugins and their instances with
// health (PluginHost::list()), limited to the instances the caller's
// facility binds (bound_instances.hpp) and the plugins providing them;
// "problems" lists those instances' problems only. 503 when no plugin host
// runs.
#pragma once

#include "hub/api/api_context.hpp"
#include "hub/http/router.hpp"

namespace wasl::api {

void add_plugin_routes(http::Router& router, ApiContext& context);

}  // namespace wasl::api
