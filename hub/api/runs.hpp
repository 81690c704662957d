// Runs: GET /v1/runs — the facility's workflow runs across consultations,
// newest first (created_at, then id), filtered by status, workflow, version
// and creation time (from inclusive, to exclusive, RFC 3339), paged by limit
// (1-200, default 50) and the cursor of the previous page. Run metadata only
// (ids, steps, status, the redacted error text): no PHI, so not audited.
// Admins and integrators (route_access.cpp).
#pragma once

#include "hub/api/api_context.hpp"
#include "hub/http/router.hpp"

namespace wasl::api {

void add_run_routes(http::Router& router, ApiContext& context);

}  // namespace wasl::api
