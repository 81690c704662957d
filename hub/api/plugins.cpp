#include "hub/api/plugins.hpp"

#include "hub/api/api_problem.hpp"
#include "hub/api/authorization.hpp"
#include "hub/api/bound_instances.hpp"
#include "hub/api/json_response.hpp"

namespace wasl::api {

void add_plugin_routes(http::Router& router, ApiContext& context) {
  add_authorized_route(
      router, context, "GET", "/v1/plugins",
      [&context](http::Request& request, const access::Principal& principal) {
        if (context.plugins == nullptr) {
          return problem_response(request, 503, MessageId::kPluginsUnavailable);
        }
        // Only the instances the caller's facility binds, and the plugins
        // that provide them.
        const auto bound = bound_instances(context, principal.facility_id);
        nlohmann::json listed = context.plugins->list();
        nlohmann::json plugins = nlohmann::json::array();
        for (auto& plugin : listed["plugins"]) {
          nlohmann::json instances = nlohmann::json::array();
          for (auto& instance : plugin["instances"]) {
            if (bound.contains(instance["name"].get<std::string>())) {
              instances.push_back(std::move(instance));
            }
          }
          if (instances.empty()) continue;
          plugin["instances"] = std::move(instances);
          plugins.push_back(std::move(plugin));
        }
        listed["plugins"] = std::move(plugins);
        // Problems of the facility's instances only (a library's own load
        // problem shows as its instances' problem).
        nlohmann::json problems = nlohmann::json::array();
        for (const auto& status : context.plugins->instances()) {
          if (!status.loaded && bound.contains(status.name)) problems.push_back(status.problem);
        }
        listed["problems"] = std::move(problems);
        return json_response(200, listed);
      },
      route_options("List loaded plugins and their instances."));
}

}  // namespace wasl::api
