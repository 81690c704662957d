// Caller: GET /v1/me — who the API key is: its facility, its role, its audit
// actor, and the routes its role may use (from the role × route matrix), so
// a client such as the console offers only what the key may do. Any role;
// reads nothing but the authenticated key, so nothing of another facility.
#pragma once

#include "hub/api/api_context.hpp"
#include "hub/http/router.hpp"

namespace wasl::api {

void add_caller_routes(http::Router& router, ApiContext& context);

}  // namespace wasl::api
