// Runs: GET /v1/runs — the facility's workflow runs across consultations,
// newest first (created_at, then id), filtered by status, workflow, version
// and creation time (from inclusive, to exclusive, RFC 3339), paged by limit
// (1-200, default 50) and the cursor of the previous page. Run metadata only
// (ids, steps, status, the redacted error text): no PHI, so not audited.
// Admins and integrators (route_access.cpp).
//
// run_counts() is what GET /v1/workflows adds to each version: how many of
// the facility's runs are on it, by status.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "hub/api/api_context.hpp"
#include "hub/http/router.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::api {

void add_run_routes(http::Router& router, ApiContext& context);

// (workflow name, version) -> status -> number of the facility's runs.
using RunCounts = std::map<std::pair<std::string, int>, std::map<std::string, std::int64_t>>;
sdk::Result<RunCounts> run_counts(storage::Transaction& tx, const std::string& facility_id);

}  // namespace wasl::api
