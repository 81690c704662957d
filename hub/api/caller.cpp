#include "hub/api/caller.hpp"

#include <nlohmann/json.hpp>
#include <string>

#include "hub/access/route_access.hpp"
#include "hub/api/api_problem.hpp"
#include "hub/api/authorization.hpp"
#include "hub/api/field_validator.hpp"
#include "hub/api/json_response.hpp"

namespace wasl::api {
namespace {

using http::Request;
using http::Response;

Response me(Request& request, const access::Principal& principal) {
  FieldValidator v;
  for (const auto& [name, value] : request.query) {
    v.add(name.substr(0, 64), "unknown_field", "is not a parameter of this resource");
  }
  if (!v.ok()) return validation_problem(request, 400, v.take());
  nlohmann::json routes = nlohmann::json::array();
  for (const access::RouteRule& rule : access::route_rules()) {
    if (rule.auth != access::RouteAuth::kBearer) continue;
    if ((rule.roles & access::role_bit(principal.role)) == 0) continue;
    routes.push_back(std::string(rule.method) + " " + std::string(rule.path_template));
  }
  return json_response(200, {{"facility_id", principal.facility_id},
                             {"role", std::string(access::to_string(principal.role))},
                             {"actor", principal.actor()},
                             {"routes", std::move(routes)}});
}

}  // namespace

void add_caller_routes(http::Router& router, ApiContext& context) {
  add_authorized_route(
      router, context, "GET", "/v1/me",
      [](Request& r, const access::Principal& p) { return me(r, p); },
      route_options("Who this API key is and which routes its role may use."));
}

}  // namespace wasl::api
