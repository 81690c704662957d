#include "hub/api/plugins.hpp"

#include "hub/api/api_problem.hpp"
#include "hub/api/authorization.hpp"
#include "hub/api/json_response.hpp"

namespace wasl::api {

void add_plugin_routes(http::Router& router, ApiContext& context) {
  add_authorized_route(
      router, context, "GET", "/v1/plugins",
      [&context](http::Request& request, const access::Principal&) {
        if (context.plugins == nullptr) {
          return problem_response(request, 503, MessageId::kPluginsUnavailable);
        }
        return json_response(200, context.plugins->list());
      },
      route_options("List loaded plugins and their instances."));
}

}  // namespace wasl::api
