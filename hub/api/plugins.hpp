// Plugins: GET /v1/plugins — the loaded plugins and their instances with
// health (PluginHost::list()). 503 when no plugin host runs.
#pragma once

#include "hub/api/api_context.hpp"
#include "hub/http/router.hpp"

namespace wasl::api {

void add_plugin_routes(http::Router& router, ApiContext& context);

}  // namespace wasl::api
