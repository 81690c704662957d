// Authorization: the middleware every /v1 route of the API runs behind.
//
// For a route it consults the role × route matrix (access::find_route_rule):
//   kNone   → the handler runs with an empty Principal;
//   kBearer → `Authorization: Bearer <key>` is authenticated
//             (access::Authenticator: per-address failure limit and the
//             auth.failed audit event). Missing or bad key → 401 with
//             `WWW-Authenticate: Bearer`; address blocked → 429 with
//             Retry-After; suspended facility → 403; store down → 503. Then
//             the role check: a role the matrix does not list → 403, audited
//             as access.denied (outcome "denied") in its own transaction.
// Without an Authorization header, the wasl_session cookie (when
// ApiContext::sessions is set) is the credential instead: an unknown, ended,
// idle or expired session → 401 (kSessionInvalid); on POST, PUT, PATCH and
// DELETE a missing or wrong X-CSRF-Token, or an Origin other than the hub's
// own → 403 of type csrf, nothing done; the session's facility suspended →
// 403 and its API key revoked → 401, both ending the session (key_revoked).
// The Principal then names the session (session_ref) and its person or key.
// The handler receives the Principal; it passes principal.facility_id to
// every store call, so another facility's ids answer 404 like missing ones.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "hub/access/principal.hpp"
#include "hub/api/api_context.hpp"
#include "hub/http/router.hpp"

namespace wasl::api {

using AuthorizedHandler =
    std::function<http::Response(http::Request& request, const access::Principal& principal)>;

// Wraps `handler` for (method, path_template). Throws std::invalid_argument
// when the matrix has no rule for the route, or names signature
// authentication (webhook routes authenticate themselves): both are wiring
// errors found at start-up.
http::Handler authorize(ApiContext& context, std::string method, std::string path_template,
                        AuthorizedHandler handler);

// router.add(method, path_template, authorize(…), options).
void add_authorized_route(http::Router& router, ApiContext& context, std::string method,
                          std::string path_template, AuthorizedHandler handler,
                          http::RouteOptions options = {});

// RouteOptions with a summary and the accepted body media types.
http::RouteOptions route_options(std::string summary, std::vector<std::string> consumes = {});

// The value of cookie `name` in the request's Cookie header, if sent.
std::optional<std::string> request_cookie(const http::Request& request, std::string_view name);

// The host part of "ip:port" / "[v6]:port" (the address the failure limiter
// and the audit trail count by); other forms unchanged.
std::string client_host(std::string_view remote_address);

// For routes outside api that authenticate through a callback (the
// webhooks' repair routes): when `request` has no Authorization header but
// the console's session cookie, the session's principal (CSRF token and
// Origin checked on an unsafe method, exactly as authorize() does) or the
// problem to answer; nullopt when there is no cookie to go by.
std::optional<std::variant<access::Principal, http::Response>> cookie_principal(
    ApiContext& context, const http::Request& request);

// The webhooks' repair routes' authenticate callback (WebhookContext): the
// console session's principal by cookie_principal() when it applies (an
// ended session → kUnauthenticated; a missing or wrong CSRF token or
// Origin, or a suspended facility → kPermissionDenied; the store down →
// kUnavailable), else the Bearer key through context.authenticator.
sdk::Result<access::Principal> bearer_or_session_principal(ApiContext& context,
                                                           const http::Request& request);

}  // namespace wasl::api
