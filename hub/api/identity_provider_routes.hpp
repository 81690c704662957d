// The identity provider's side of the console's sign-in, outside /v1 and
// without a bearer key (each a kNone row of the route matrix), beside the
// API-key sign-in and the logout of signin_routes.hpp:
//   GET  /signin/providers                      the providers and their labels ([] when none)
//   GET  /signin/{provider}/start?return_to=    302 to the IdP; the attempt's nonce in a
//                                               cookie scoped to the callback
//   GET  /signin/{provider}/callback            302 to return_to with the session cookie,
//                                               or the 403 refusal page
//   POST /signin/{provider}/backchannel-logout  the IdP ends its sessions (logout_token)
// The flow itself is signin::SigninFlow (ApiContext::signin_flow). An
// unknown provider answers 404, a refused logout token 400 (problem+json);
// the pages a browser lands on (the callback's refusals, a start whose IdP
// cannot be reached) are HTML (signin/refusal_page.hpp).
#pragma once

#include <string>
#include <string_view>

#include "hub/api/api_context.hpp"
#include "hub/http/router.hpp"

namespace wasl::api {

// Registers the routes above. Without ApiContext::signin_flow and
// signin_providers, /signin/providers answers [] and every provider 404.
void add_identity_provider_routes(http::Router& router, ApiContext& context);

// The Set-Cookie value that keeps an attempt's nonce in the browser
// between start and callback: HttpOnly, SameSite=Lax (the IdP sends the
// browser back by a top-level GET from its own site, which a Strict cookie
// would not accompany), Path=/signin/<provider>/callback, Max-Age the
// attempt's lifetime, Secure as the session cookie is. An empty value
// clears it.
std::string binding_cookie(const config::Config& config, std::string_view provider,
                           std::string_view value);

}  // namespace wasl::api
