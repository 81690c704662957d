// GET /v1/session: who the caller is for the console — facility, role, the
// signed-in person or the API key, and for a console session its reference,
// its CSRF token (told again here, never stored) and its lifetimes.
#pragma once

#include "hub/api/api_context.hpp"
#include "hub/http/router.hpp"

namespace wasl::api {

void add_session_routes(http::Router& router, ApiContext& context);

}  // namespace wasl::api
