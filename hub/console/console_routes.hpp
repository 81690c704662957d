// The operator console at /console/: its static files, served with a strict
// Content-Security-Policy (default-src 'self', no inline script or style).
// The files hold no data; the console reads everything through /v1 with the
// operator's API key.
#pragma once

#include "hub/http/router.hpp"

namespace wasl::console {

// Registers GET /console (redirect), /console/ (index.html) and
// /console/{file}.
void add_console_routes(http::Router& router);

}  // namespace wasl::console
