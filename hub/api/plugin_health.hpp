// Plugin health for operators, scoped to the caller's facility (the
// instances its bindings name; another facility's instances are never
// shown, and asking for one answers 404):
//
//   GET /v1/plugins/instances: {"items": [{"name", "plugin", "version",
//     "sdk_version", "capabilities", "optional", "loaded", "problem",
//     "health": {"state" (unknown|healthy|failing), "since", "probe",
//     "last_error", "last_call_at", "calls_per_minute", "error_rate",
//     "p95_ms", "calls", "window_seconds"}}]} by name
//     (plugin_host::InstanceHealth).
//   GET /v1/plugins/instances/{name}: one of them; 404 when the facility
//     binds no such instance.
//   GET /v1/alerts?after=<id>&limit=1..200 (default 50): the instances'
//     state changes, newest first: {"items": [{"id", "instance", "kind"
//     (instance.failing|instance.recovered|claim.unanswered), "at",
//     "message"}]}; claim.unanswered names the billing instance, the claim
//     id and its state ("claim <id> in_doubt since <time>").
//
// No provider's error text is shown to anyone: an outcome names its method,
// error code and time, an alert's message is "<method>: <code>" (see
// plugin_host::InstanceHealth). No role is the deployment's administrator
// (an admin key administers its own facility), so none sees more.
//
// Health is no PHI: these reads write no audit event. 503 without a plugin
// host; 400 with errors[] for a bad query parameter.
#pragma once

#include "hub/api/api_context.hpp"
#include "hub/http/router.hpp"

namespace wasl::api {

void add_plugin_health_routes(http::Router& router, ApiContext& context);

}  // namespace wasl::api
