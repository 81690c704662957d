#include "hub/api/session.hpp"

#include <nlohmann/json.hpp>
#include <string>

#include "hub/api/api_problem.hpp"
#include "hub/api/authorization.hpp"
#include "hub/api/field_validator.hpp"
#include "hub/api/json_response.hpp"
#include "hub/domain/timestamp.hpp"

namespace wasl::api {
namespace {

using http::Request;
using http::Response;

std::int64_t idle_timeout_s(const ApiContext& context) {
  if (context.sessions != nullptr) {
    return context.sessions->options().idle_timeout.count() / 1000;
  }
  const config::SigninConfig defaults;
  return defaults.session.idle_timeout.count() / 1000;
}

Response session(ApiContext& context, Request& request, const access::Principal& principal) {
  FieldValidator v;
  for (const auto& [name, value] : request.query) {
    v.add(name.substr(0, 64), "unknown_field", "is not a parameter of this resource");
  }
  if (!v.ok()) return validation_problem(request, 400, v.take());
  nlohmann::json body = {{"facility_id", principal.facility_id},
                         {"role", std::string(access::to_string(principal.role))},
                         {"person", nullptr},
                         {"key_id", nullptr},
                         {"session_ref", nullptr},
                         {"csrf_token", nullptr},
                         {"idle_timeout_s", idle_timeout_s(context)},
                         {"expires_at", nullptr}};
  if (principal.person) {
    body["person"] = {{"id", principal.person->person_id},
                      {"name", principal.person->display_name}};
  } else {
    body["key_id"] = principal.key_id;
  }
  if (!principal.session_ref.empty() && context.sessions != nullptr) {
    const std::string cookie = request_cookie(request, signin::kSessionCookie).value_or("");
    auto tx = context.store->begin(storage::TxMode::kReadWrite);
    if (!tx.ok()) return error_response(request, tx.error());
    auto checked = context.sessions->authenticate(**tx, cookie, context.now_ms());
    if (!checked.ok()) return error_response(request, checked.error());
    auto committed = (*tx)->commit();
    if (!committed.ok()) return error_response(request, committed.error());
    if (!checked->session) return problem_response(request, 401, MessageId::kSessionInvalid);
    body["session_ref"] = principal.session_ref;
    body["csrf_token"] = signin::SessionStore::csrf_token_of(cookie);
    body["expires_at"] = domain::format_timestamp(checked->session->expires_at);
  }
  Response r = json_response(200, body);
  r.set_header("Cache-Control", "no-store");
  return r;
}

}  // namespace

void add_session_routes(http::Router& router, ApiContext& context) {
  add_authorized_route(
      router, context, "GET", "/v1/session",
      [&context](Request& r, const access::Principal& p) { return session(context, r, p); },
      route_options("The caller's console session (or API key): facility, role, person, the "
                    "session's CSRF token and lifetimes."));
}

}  // namespace wasl::api
