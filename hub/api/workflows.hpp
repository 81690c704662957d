// Workflows: GET /v1/workflows (every deployed version), GET
// /v1/workflows/{name} (its versions and the latest definition in canonical
// JSON), PUT /v1/workflows/{name} (deploy: the body is the YAML text).
//
// PUT validates the file first; its problems come back as 422 errors[] with
// field "<name>.yaml:<line>", code "invalid_workflow" and the validator's
// message. The file's `name` must equal {name}. A new version answers 201,
// the same text as the latest version 200 (nothing stored). Running
// consultations keep the version they started with. Audited as
// workflow.deploy.
#pragma once

#include "hub/api/api_context.hpp"
#include "hub/http/router.hpp"

namespace wasl::api {

void add_workflow_routes(http::Router& router, ApiContext& context);

}  // namespace wasl::api
