#include "hub/api/identity_provider_routes.hpp"

#include <map>
#include <string>

#include <spdlog/spdlog.h>

#include "hub/api/api_problem.hpp"
#include "hub/api/authorization.hpp"
#include "hub/api/json_response.hpp"
#include "hub/api/signin_routes.hpp"
#include "hub/http/percent_decoding.hpp"
#include "hub/signin/refusal_page.hpp"
#include "hub/signin/signin_flow.hpp"

namespace wasl::api {
namespace {

using http::Request;
using http::Response;

signin::RequestOrigin origin_of(const Request& request) {
  return signin::RequestOrigin{.request_id = request.request_id,
                               .source_address = request.client_address.empty()
                                                     ? client_host(request.remote_address)
                                                     : request.client_address};
}

Response no_store_response(Response response) {
  response.set_header("Cache-Control", "no-store");
  return response;
}

Response redirect(const std::string& location) {
  Response response = Response::empty(302);
  response.set_header("Location", location);
  // The callback's URL carries the authorization code.
  response.set_header("Referrer-Policy", "no-referrer");
  return no_store_response(std::move(response));
}

Response unknown_provider(const Request& request) {
  return problem_response(request, 404, MessageId::kSigninProviderNotFound);
}

bool idp_unreachable(const sdk::Error& error) {
  return error.code == sdk::ErrorCode::kUnavailable ||
         error.code == sdk::ErrorCode::kDeadlineExceeded ||
         error.code == sdk::ErrorCode::kFailedPrecondition;
}

Response providers(const ApiContext& context) {
  nlohmann::json list =
      context.signin_providers ? context.signin_providers->list_json() : nlohmann::json::array();
  return no_store_response(json_response(200, list));
}

Response start(ApiContext& context, Request& request) {
  if (context.signin_flow == nullptr) return unknown_provider(request);
  const std::string& provider = request.path_params.at("provider");
  auto return_to = request.query.find("return_to");
  auto started = context.signin_flow->start(
      provider, return_to == request.query.end() ? "" : return_to->second);
  if (!started.ok()) {
    const sdk::Error& error = started.error();
    if (error.code == sdk::ErrorCode::kNotFound) return unknown_provider(request);
    if (idp_unreachable(error)) {
      // The browser is here: a page it can act on, not JSON.
      spdlog::warn("sign-in through {} cannot start: {}", provider, error.message);
      Response page = signin::refusal_page(request, signin::Refusal::kIdpError);
      page.status = 503;
      page.set_header("Retry-After", "5");
      return page;
    }
    return error_response(request, error);
  }
  Response response = redirect(started->authorization_url);
  response.set_header("Set-Cookie", binding_cookie(*context.config, provider, started->nonce));
  return response;
}

Response callback(ApiContext& context, Request& request) {
  if (context.signin_flow == nullptr) return unknown_provider(request);
  const std::string& provider = request.path_params.at("provider");
  auto param = [&](const char* name) {
    auto it = request.query.find(name);
    return it == request.query.end() ? std::string() : it->second;
  };
  signin::CallbackInput input{
      .code = param("code"),
      .state = param("state"),
      .error = param("error"),
      .binding = request_cookie(request, signin::kBindingCookie).value_or("")};
  auto done = context.signin_flow->callback(provider, input, origin_of(request));
  if (!done.ok()) {
    if (done.error().code == sdk::ErrorCode::kNotFound) return unknown_provider(request);
    return error_response(request, done.error());
  }
  if (done->refusal) {
    Response page = signin::refusal_page(request, *done->refusal);
    if (done->idp_unreachable) page.status = 503;
    page.set_header("Set-Cookie", binding_cookie(*context.config, provider, ""));
    return page;
  }
  Response response = redirect(done->return_to);
  response.headers.emplace("Set-Cookie", session_cookie(*context.config, done->session_cookie));
  response.headers.emplace("Set-Cookie", binding_cookie(*context.config, provider, ""));
  return response;
}

Response backchannel_logout(ApiContext& context, Request& request) {
  if (context.signin_flow == nullptr) return unknown_provider(request);
  const std::string& provider = request.path_params.at("provider");
  std::map<std::string, std::string> form = http::parse_query(request.body);
  auto token = form.find("logout_token");
  if (token == form.end() || token->second.empty()) {
    return no_store_response(problem_response(request, 400, MessageId::kLogoutTokenRefused));
  }
  auto ended = context.signin_flow->backchannel_logout(provider, token->second, origin_of(request));
  if (!ended.ok()) {
    const sdk::Error& error = ended.error();
    if (error.code == sdk::ErrorCode::kNotFound) return unknown_provider(request);
    if (error.code == sdk::ErrorCode::kInvalidArgument) {
      spdlog::warn("back-channel logout through {} refused: {}", provider, error.message);
      return no_store_response(problem_response(request, 400, MessageId::kLogoutTokenRefused));
    }
    return no_store_response(error_response(request, error));
  }
  spdlog::info("back-channel logout through {} ended {} session(s)", provider, *ended);
  return no_store_response(Response::empty(200));
}

}  // namespace

std::string binding_cookie(const config::Config& config, std::string_view provider,
                           std::string_view value) {
  // Secure exactly when the session cookie is.
  const bool secure = session_cookie(config, "-").find("; Secure") != std::string::npos;
  std::string cookie =
      std::string(signin::kBindingCookie) + "=" + std::string(value) +
      "; HttpOnly; SameSite=Lax; Path=/signin/" + std::string(provider) +
      "/callback; Max-Age=" + (value.empty() ? "0" : std::to_string(signin::kBindingCookieSeconds));
  if (secure) cookie += "; Secure";
  return cookie;
}

void add_identity_provider_routes(http::Router& router, ApiContext& context) {
  add_authorized_route(
      router, context, "GET", "/signin/providers",
      [&context](Request&, const access::Principal&) { return providers(context); },
      route_options("The identity providers the console's sign-in offers."));
  add_authorized_route(
      router, context, "GET", "/signin/{provider}/start",
      [&context](Request& r, const access::Principal&) { return start(context, r); },
      route_options("Start signing in: a redirect to the identity provider."));
  add_authorized_route(
      router, context, "GET", "/signin/{provider}/callback",
      [&context](Request& r, const access::Principal&) { return callback(context, r); },
      route_options("The identity provider's answer: the session cookie, or why not."));
  http::RouteOptions backchannel =
      route_options("The identity provider ends a person's sessions (OIDC back-channel logout).",
                    {"application/x-www-form-urlencoded"});
  backchannel.body_limit = 64 * 1024;
  add_authorized_route(
      router, context, "POST", "/signin/{provider}/backchannel-logout",
      [&context](Request& r, const access::Principal&) { return backchannel_logout(context, r); },
      std::move(backchannel));
}

}  // namespace wasl::api
