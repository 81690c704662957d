#include "hub/api/signin_routes.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "hub/api/api_problem.hpp"
#include "hub/api/authorization.hpp"
#include "hub/api/field_validator.hpp"
#include "hub/api/json_body.hpp"
#include "hub/api/json_response.hpp"

namespace wasl::api {
namespace {

using http::Request;
using http::Response;

bool loopback_host(std::string_view host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

// The host of an http(s) URL's authority.
std::string url_host(std::string_view url) {
  const auto start = url.find("://");
  if (start == std::string_view::npos) return {};
  std::string_view authority = url.substr(start + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (!authority.empty() && authority.front() == '[') {
    return std::string(authority.substr(0, authority.find(']') + 1));
  }
  return std::string(authority.substr(0, authority.find(':')));
}

std::string source_of(const Request& request) {
  return request.client_address.empty() ? client_host(request.remote_address)
                                        : request.client_address;
}

bool foreign_origin(const ApiContext& context, const Request& request) {
  auto origin = request.header("Origin");
  if (!origin) return false;
  auto same = [&](const std::string& url) {
    const auto scheme = url.find("://");
    if (scheme == std::string::npos) return false;
    const auto end = url.find_first_of("/?#", scheme + 3);
    return *origin == url.substr(0, end);
  };
  if (context.config->signin && same(context.config->signin->public_url)) return false;
  if (same(context.config->server.public_url)) return false;
  if (auto host = request.header("Host")) {
    if (*origin == "http://" + *host || *origin == "https://" + *host) return false;
  }
  return true;
}

Response api_key_sign_in(ApiContext& context, Request& request) {
  if (context.sessions == nullptr) {
    return error_response(request, sdk::Error(sdk::ErrorCode::kUnavailable,
                                              "console sessions are not set up", false));
  }
  if (foreign_origin(context, request)) {
    return problem_response_of_type(request, 403, "https://wasl.dev/problems/csrf",
                                    MessageId::kCsrfRejected);
  }
  nlohmann::json body;
  if (auto bad = read_json_object(request, body)) return *bad;
  FieldValidator v;
  for (const auto& [name, value] : body.items()) {
    if (name != "key") v.add(name.substr(0, 64), "unknown_field", "is not a field of this body");
  }
  const auto key = body.find("key");
  if (key == body.end() || !key->is_string() || key->get<std::string>().empty()) {
    v.add("key", "required", "must be the API key, a string");
  }
  if (!v.ok()) return validation_problem(request, 422, v.take());

  const std::string authorization = "Bearer " + key->get<std::string>();
  auto principal = context.authenticator->authenticate({.authorization = authorization,
                                                        .source_address = source_of(request),
                                                        .request_id = request.request_id});
  if (!principal.ok()) {
    const sdk::Error& e = principal.error();
    switch (e.code) {
      case sdk::ErrorCode::kResourceExhausted: {
        const auto wait = e.retry_after.value_or(std::chrono::milliseconds(1000));
        const std::string seconds =
            std::to_string(std::max<std::int64_t>(1, (wait.count() + 999) / 1000));
        Response r = problem_response(request, 429, MessageId::kAuthBlocked, {seconds});
        r.set_header("Retry-After", seconds);
        return r;
      }
      case sdk::ErrorCode::kUnauthenticated:
        return problem_response(request, 401, MessageId::kAuthInvalid);
      case sdk::ErrorCode::kPermissionDenied:
        return problem_response(request, 403, MessageId::kFacilitySuspended);
      default: return error_response(request, e);
    }
  }
  const auto facility = context.config->facilities.find(principal->facility_id);
  if (facility == context.config->facilities.end() || !facility->second.console.api_key_sign_in) {
    return problem_response(request, 403, MessageId::kApiKeySignInDisabled);
  }
  signin::SessionGrant grant;
  grant.facility_id = principal->facility_id;
  grant.role = principal->role;
  grant.practitioner = principal->practitioner;
  grant.key_id = principal->key_id;
  auto tx = context.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  auto made = context.sessions->create(**tx, grant, context.now_ms(),
                                       {request.request_id, source_of(request)});
  if (!made.ok()) return error_response(request, made.error());
  auto committed = (*tx)->commit();
  if (!committed.ok()) return error_response(request, committed.error());
  Response r = json_response(200, {{"ok", true}});
  r.set_header("Set-Cookie", session_cookie(*context.config, made->cookie_value));
  r.set_header("Cache-Control", "no-store");
  return r;
}

Response logout(ApiContext& context, Request& request, const access::Principal& principal) {
  nlohmann::json logout_url = nullptr;
  if (principal.session_ref.empty() || context.sessions == nullptr) {
    return json_response(200, {{"logout_url", logout_url}});
  }
  const std::string cookie = request_cookie(request, signin::kSessionCookie).value_or("");
  auto tx = context.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  const std::int64_t now = context.now_ms();
  auto checked = context.sessions->authenticate(**tx, cookie, now);
  if (!checked.ok()) return error_response(request, checked.error());
  std::optional<signin::Session> ended;
  std::string id_token;
  if (checked->session) {
    auto token = context.sessions->id_token(**tx, *checked->session);
    if (!token.ok()) return error_response(request, token.error());
    id_token = std::move(*token);
    auto done = context.sessions->end(**tx, *checked->session, signin::EndReason::kLogout, now,
                                      {request.request_id, source_of(request)});
    if (!done.ok()) return error_response(request, done.error());
    ended = *checked->session;
  }
  auto committed = (*tx)->commit();
  if (!committed.ok()) return error_response(request, committed.error());
  if (ended && !ended->person_id.empty() && context.idp_logout_url) {
    auto url = context.idp_logout_url(*ended, id_token);
    // The session is ended here whatever the identity provider says; the
    // browser then goes to the console's sign-in page instead.
    if (url.ok() && *url) logout_url = **url;
  }
  Response r = json_response(200, {{"logout_url", logout_url}});
  r.set_header("Set-Cookie", session_cookie(*context.config, ""));
  r.set_header("Cache-Control", "no-store");
  return r;
}

}  // namespace

std::string session_cookie(const config::Config& config, std::string_view value) {
  const bool plain_loopback =
      !config.server.tls && loopback_host(config.server.host) &&
      (!config.signin || config.signin->public_url.rfind("http://", 0) == 0) &&
      (!config.signin || loopback_host(url_host(config.signin->public_url)));
  std::string cookie = std::string(signin::kSessionCookie) + "=" + std::string(value) +
                       "; HttpOnly; SameSite=Strict; Path=/";
  if (!plain_loopback) cookie += "; Secure";
  if (value.empty()) cookie += "; Max-Age=0";
  return cookie;
}

void add_signin_routes(http::Router& router, ApiContext& context) {
  if (context.sessions != nullptr && (context.people == nullptr || context.api_keys == nullptr)) {
    throw std::invalid_argument("ApiContext::sessions needs people and api_keys");
  }
  add_authorized_route(
      router, context, "POST", "/signin/api-key",
      [&context](Request& r, const access::Principal&) { return api_key_sign_in(context, r); },
      route_options("Exchange an API key for a console session cookie.", {"application/json"}));
  add_authorized_route(
      router, context, "POST", "/signin/logout",
      [&context](Request& r, const access::Principal& p) { return logout(context, r, p); },
      route_options("End the console session; answers the identity provider's logout URL."));
}

}  // namespace wasl::api
