// Residency: GET /v1/residency — where the caller's facility's data is
// processed, by kind (video and its media, EHR, billing, reporting, the
// patients' notifications, the recordings' archive): the instance or store,
// its country (config/residency.hpp) and how that is known, whether it meets
// the facility's requirement, and the approved exceptions with the time the
// hub first started with each (access::ResidencyExceptionStore). Another
// facility's bindings and exceptions never appear.
#pragma once

#include "hub/api/api_context.hpp"
#include "hub/http/router.hpp"

namespace wasl::api {

void add_residency_routes(http::Router& router, ApiContext& context);

}  // namespace wasl::api
