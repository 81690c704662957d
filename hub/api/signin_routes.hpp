// The console's sign-in routes outside /v1 that need no identity provider:
//   POST /signin/api-key  {"key": "wasl_…"} → 200 {"ok": true} and the
//     wasl_session cookie, when the key is valid (the authenticator's
//     failure limit and audit apply) and its facility sets
//     console.api_key_sign_in; 403 otherwise; a foreign Origin → 403 csrf.
//   POST /signin/logout (the cookie and X-CSRF-Token, through the
//     authorization middleware) → 200 {"logout_url": …|null}: the session is
//     ended (logout) and the cookie cleared; logout_url is the identity
//     provider's (ApiContext::idp_logout_url) for a person's session, null
//     for an API key's or a Bearer caller.
// The identity provider's routes (/signin/providers, start, callback,
// back-channel logout) are added beside these.
#pragma once

#include <string>
#include <string_view>

#include "hub/api/api_context.hpp"
#include "hub/http/router.hpp"

namespace wasl::api {

// Registers the routes above. Throws std::invalid_argument when
// context.sessions is set without context.people or context.api_keys.
void add_signin_routes(http::Router& router, ApiContext& context);

// The Set-Cookie value of a session cookie: HttpOnly; SameSite=Strict;
// Path=/; Secure, unless the hub serves plain HTTP on a loopback address
// for a loopback public URL. An empty value clears the cookie (Max-Age=0).
std::string session_cookie(const config::Config& config, std::string_view value);

}  // namespace wasl::api
