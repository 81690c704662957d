#include "hub/api/authorization.hpp"

#include <stdexcept>
#include <utility>

#include <nlohmann/json.hpp>

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

}  // namespace

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
