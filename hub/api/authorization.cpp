#include "hub/api/authorization.hpp"

#include <stdexcept>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>

#include "hub/access/facility_store.hpp"
#include "hub/access/route_access.hpp"
#include "hub/api/api_problem.hpp"
#include "hub/api/request_audit.hpp"

namespace wasl::api {
namespace {

std::string seconds_text(std::chrono::milliseconds ms) {
  return std::to_string(std::max<std::int64_t>(1, (ms.count() + 999) / 1000));
}

http::Response unauthorized(const http::Request& request, MessageId id) {
  http::Response r = problem_response(request, 401, id);
  r.set_header("WWW-Authenticate", "Bearer realm=\"wasl\"");
  return r;
}

// Audits a refused role in a transaction of its own; the refusal stands even
// when the audit cannot be written, but then the store error is answered.
std::optional<http::Response> audit_denied(ApiContext& context, const http::Request& request,
                                           const access::Principal& principal) {
  audit::AuditEvent event = request_event(request, principal, "access.denied", "", "");
  event.outcome = std::string(audit::kOutcomeDenied);
  event.detail = nlohmann::json{{"method", request.method}, {"route", request.route}}.dump();
  auto tx = context.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  auto appended = context.audit->append(**tx, event);
  if (!appended.ok()) return error_response(request, appended.error());
  auto committed = (*tx)->commit();
  if (!committed.ok()) return error_response(request, committed.error());
  return std::nullopt;
}

bool safe_method(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS";
}

std::string lower(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

// "scheme://authority" of an absolute URL, lower-cased; empty for anything else.
std::string origin_of(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return {};
  const auto authority_end = url.find_first_of("/?#", scheme_end + 3);
  return lower(std::string(url.substr(0, authority_end)));
}

// Whether the request's Origin, when it sends one, is the hub's own: its
// public URL (signin.public_url or server.public_url) or the Host the
// request came to.
bool same_origin(const ApiContext& context, const http::Request& request) {
  auto origin = request.header("Origin");
  if (!origin) return true;
  const std::string presented = lower(*origin);
  if (context.config != nullptr) {
    if (context.config->signin && presented == origin_of(context.config->signin->public_url)) {
      return true;
    }
    if (presented == origin_of(context.config->server.public_url)) return true;
  }
  if (auto host = request.header("Host"); host && !host->empty()) {
    const std::string h = lower(*host);
    if (presented == "http://" + h || presented == "https://" + h) return true;
  }
  return false;
}

http::Response csrf_refused(const http::Request& request) {
  return problem_response_of_type(request, 403, "https://wasl.dev/problems/csrf",
                                  MessageId::kCsrfRejected);
}

signin::AuditContext origin_of_request(const http::Request& request) {
  return {request.request_id, request.client_address.empty() ? client_host(request.remote_address)
                                                             : request.client_address};
}

// The cookie path: the session of the wasl_session cookie, its CSRF token
// and Origin on an unsafe method, and its key and facility checked again.
// Ends a session whose key was revoked or whose facility was suspended.
std::variant<access::Principal, http::Response> session_principal(ApiContext& context,
                                                                  const http::Request& request,
                                                                  const std::string& cookie) {
  auto tx = context.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  const std::int64_t now = context.now_ms();
  auto checked = context.sessions->authenticate(**tx, cookie, now);
  if (!checked.ok()) return error_response(request, checked.error());
  if (!checked->session) {
    auto committed = (*tx)->commit();  // an idle or expired session was just ended
    if (!committed.ok()) return error_response(request, committed.error());
    return problem_response(request, 401, MessageId::kSessionInvalid);
  }
  const signin::Session& session = *checked->session;
  if (!safe_method(request.method)) {
    const std::string token = request.header("X-CSRF-Token").value_or("");
    if (!same_origin(context, request) || !signin::SessionStore::csrf_matches(session, token)) {
      (*tx)->rollback();
      return csrf_refused(request);
    }
  }
  const signin::AuditContext origin = origin_of_request(request);
  auto active = access::FacilityStore::is_active(**tx, session.facility_id);
  if (!active.ok()) return error_response(request, active.error());
  bool key_revoked = false;
  if (*active && !session.key_id.empty()) {
    auto key = context.api_keys->find(**tx, session.key_id);
    if (!key.ok() && key.error().code != sdk::ErrorCode::kNotFound) {
      return error_response(request, key.error());
    }
    key_revoked =
        !key.ok() || key->revoked_at.has_value() || key->facility_id != session.facility_id;
  }
  if (!*active || key_revoked) {
    auto ended = context.sessions->end(**tx, session, signin::EndReason::kKeyRevoked, now, origin);
    if (!ended.ok()) return error_response(request, ended.error());
    auto committed = (*tx)->commit();
    if (!committed.ok()) return error_response(request, committed.error());
    if (!*active) return problem_response(request, 403, MessageId::kFacilitySuspended);
    return problem_response(request, 401, MessageId::kSessionInvalid);
  }
  access::Principal principal;
  principal.facility_id = session.facility_id;
  principal.role = session.role;
  principal.practitioner = session.practitioner;
  principal.session_ref = session.session_ref;
  if (!session.person_id.empty()) {
    auto names = context.people->display_names(**tx, {session.person_id});
    if (!names.ok()) return error_response(request, names.error());
    auto name = names->find(session.person_id);
    principal.person =
        access::Person{session.person_id, name == names->end() ? std::string() : name->second};
  } else {
    principal.key_id = session.key_id;
  }
  auto committed = (*tx)->commit();
  if (!committed.ok()) return error_response(request, committed.error());
  return principal;
}

}  // namespace

std::optional<std::string> request_cookie(const http::Request& request, std::string_view name) {
  auto header = request.header("Cookie");
  if (!header) return std::nullopt;
  std::string_view rest = *header;
  while (!rest.empty()) {
    const auto end = rest.find(';');
    std::string_view pair = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    if (pair.substr(0, eq) != name) continue;
    std::string_view value = pair.substr(eq + 1);
    while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
    return std::string(value);
  }
  return std::nullopt;
}

std::optional<std::variant<access::Principal, http::Response>> cookie_principal(
    ApiContext& context, const http::Request& request) {
  if (context.sessions == nullptr || request.header("Authorization").has_value()) {
    return std::nullopt;
  }
  auto cookie = request_cookie(request, signin::kSessionCookie);
  if (!cookie) return std::nullopt;
  return session_principal(context, request, *cookie);
}

sdk::Result<access::Principal> bearer_or_session_principal(ApiContext& context,
                                                           const http::Request& request) {
  if (auto outcome = cookie_principal(context, request)) {
    if (auto* principal = std::get_if<access::Principal>(&*outcome)) return *principal;
    const int status = std::get<http::Response>(*outcome).status;
    if (status == 401) {
      return sdk::Error(sdk::ErrorCode::kUnauthenticated, "the console session has ended");
    }
    if (status == 403) {
      return sdk::Error(sdk::ErrorCode::kPermissionDenied,
                        "The console session's CSRF token or origin is missing or wrong, or "
                        "its facility is suspended.");
    }
    return sdk::Error(sdk::ErrorCode::kUnavailable, "the console session cannot be read now",
                      /*retry=*/true);
  }
  if (context.authenticator == nullptr) {
    return sdk::Error(sdk::ErrorCode::kUnavailable, "no authenticator is configured",
                      /*retry=*/false);
  }
  return context.authenticator->authenticate(
      {request.header("Authorization").value_or(""), request.remote_address, request.request_id});
}

std::string client_host(std::string_view remote_address) {
  if (!remote_address.empty() && remote_address.front() == '[') {
    auto close = remote_address.find(']');
    if (close != std::string_view::npos) return std::string(remote_address.substr(1, close - 1));
    return std::string(remote_address);
  }
  auto colon = remote_address.find(':');
  if (colon != std::string_view::npos &&
      remote_address.find(':', colon + 1) == std::string_view::npos) {
    return std::string(remote_address.substr(0, colon));
  }
  return std::string(remote_address);
}

http::Handler authorize(ApiContext& context, std::string method, std::string path_template,
                        AuthorizedHandler handler) {
  const access::RouteRule* rule = access::find_route_rule(method, path_template);
  if (rule == nullptr) {
    throw std::invalid_argument("route " + method + " " + path_template +
                                " is not in the role x route matrix (hub/access/route_access.cpp)");
  }
  if (rule->auth == access::RouteAuth::kSignature) {
    throw std::invalid_argument("route " + method + " " + path_template +
                                " authenticates by signature; it is not an API route");
  }
  if (rule->auth == access::RouteAuth::kNone) {
    return [handler = std::move(handler), path_template](http::Request& request) {
      if (request.route.empty()) request.route = path_template;
      return handler(request, access::Principal{});
    };
  }
  return [&context, handler = std::move(handler), method = std::move(method),
          path_template = std::move(path_template)](http::Request& request) -> http::Response {
    if (request.route.empty()) request.route = path_template;
    std::string authorization = request.header("Authorization").value_or("");
    if (authorization.empty() && context.sessions != nullptr) {
      if (auto cookie = request_cookie(request, signin::kSessionCookie)) {
        auto outcome = session_principal(context, request, *cookie);
        if (auto* refused = std::get_if<http::Response>(&outcome)) return std::move(*refused);
        const auto& principal = std::get<access::Principal>(outcome);
        if (!access::allowed(principal.role, method, path_template)) {
          if (auto failed = audit_denied(context, request, principal)) return *failed;
          return problem_response(request, 403, MessageId::kRoleDenied,
                                  {std::string(access::to_string(principal.role))});
        }
        return handler(request, principal);
      }
    }
    std::string host = request.client_address.empty() ? client_host(request.remote_address)
                                                      : request.client_address;
    auto principal = context.authenticator->authenticate(
        {.authorization = authorization, .source_address = host, .request_id = request.request_id});
    if (!principal.ok()) {
      const sdk::Error& e = principal.error();
      switch (e.code) {
        case sdk::ErrorCode::kResourceExhausted: {
          auto wait = e.retry_after.value_or(std::chrono::milliseconds(1000));
          http::Response r =
              problem_response(request, 429, MessageId::kAuthBlocked, {seconds_text(wait)});
          r.set_header("Retry-After", seconds_text(wait));
          return r;
        }
        case sdk::ErrorCode::kUnauthenticated:
          return unauthorized(
              request, authorization.empty() ? MessageId::kAuthMissing : MessageId::kAuthInvalid);
        case sdk::ErrorCode::kPermissionDenied:
          return problem_response(request, 403, MessageId::kFacilitySuspended);
        default: return error_response(request, e);
      }
    }
    if (!access::allowed(principal->role, method, path_template)) {
      if (auto failed = audit_denied(context, request, *principal)) return *failed;
      return problem_response(request, 403, MessageId::kRoleDenied,
                              {std::string(access::to_string(principal->role))});
    }
    return handler(request, *principal);
  };
}

http::RouteOptions route_options(std::string summary, std::vector<std::string> consumes) {
  http::RouteOptions options;
  options.summary = std::move(summary);
  options.consumes = std::move(consumes);
  return options;
}

void add_authorized_route(http::Router& router, ApiContext& context, std::string method,
                          std::string path_template, AuthorizedHandler handler,
                          http::RouteOptions options) {
  http::Handler wrapped = authorize(context, method, path_template, std::move(handler));
  router.add(std::move(method), std::move(path_template), std::move(wrapped), std::move(options));
}

}  // namespace wasl::api
