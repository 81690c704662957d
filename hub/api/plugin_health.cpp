#include "hub/api/plugin_health.hpp"

#include <charconv>

#include "hub/api/api_problem.hpp"
#include "hub/api/authorization.hpp"
#include "hub/api/bound_instances.hpp"
#include "hub/api/field_validator.hpp"
#include "hub/api/json_response.hpp"
#include "hub/domain/timestamp.hpp"

namespace wasl::api {
namespace {

using nlohmann::json;

constexpr int kDefaultAlerts = 50;
constexpr int kMaxAlerts = 200;

json outcome_json(const std::optional<plugin_host::CallOutcome>& o) {
  if (!o) return nullptr;
  return json{
      {"method", o->method}, {"at", domain::format_timestamp(o->at_ms)}, {"outcome", o->outcome}};
}

json health_json(plugin_host::InstanceHealthView v) {
  json out{{"state", v.state},
           {"since", v.since_ms ? json(domain::format_timestamp(*v.since_ms)) : json(nullptr)},
           {"probe", outcome_json(v.last_probe)},
           {"last_error", outcome_json(v.last_error)},
           {"last_call_at",
            v.last_call ? json(domain::format_timestamp(v.last_call->at_ms)) : json(nullptr)},
           {"calls_per_minute", v.window.calls_last_minute},
           {"calls", v.window.calls},
           {"error_rate", v.window.failure_rate},
           {"p95_ms", v.window.p95_ms ? json(*v.window.p95_ms) : json(nullptr)},
           {"window_seconds", v.window_ms / 1000}};
  return out;
}

json instance_json(const plugin_host::PluginHost& plugins,
                   const plugin_host::InstanceStatus& status) {
  json out{{"name", status.name},
           {"plugin", status.plugin},
           {"version", nullptr},
           {"sdk_version", nullptr},
           {"capabilities", json::array()},
           {"optional", status.optional},
           {"loaded", status.loaded},
           {"problem", nullptr}};
  if (!status.problem.empty()) out["problem"] = status.problem;
  if (auto instance = plugins.instance(status.name); instance.ok()) {
    const auto& info = (*instance)->library().info();
    out["version"] = info.version;
    out["sdk_version"] = info.sdk_version;
    out["capabilities"] = info.capabilities;
  }
  std::string_view probe = plugin_host::PluginHost::probe_method(status.name);
  out["probe_method"] = probe.empty() ? json(nullptr) : json(std::string(probe));
  out["health"] = health_json(plugins.health().view(status.name));
  return out;
}

std::optional<int> parse_health_int(const std::string& text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

void add_plugin_health_routes(http::Router& router, ApiContext& context) {
  add_authorized_route(
      router, context, "GET", "/v1/plugins/instances",
      [&context](http::Request& request, const access::Principal& principal) {
        if (context.plugins == nullptr) {
          return problem_response(request, 503, MessageId::kPluginsUnavailable);
        }
        auto bound = bound_instances(context, principal.facility_id);
        json items = json::array();
        for (const auto& status : context.plugins->instances()) {
          if (bound.contains(status.name)) items.push_back(instance_json(*context.plugins, status));
        }
        return json_response(200, json{{"items", std::move(items)}});
      },
      route_options("The facility's plugin instances with their live health."));

  add_authorized_route(
      router, context, "GET", "/v1/plugins/instances/{name}",
      [&context](http::Request& request, const access::Principal& principal) {
        if (context.plugins == nullptr) {
          return problem_response(request, 503, MessageId::kPluginsUnavailable);
        }
        const std::string& name = request.path_params.at("name");
        if (bound_instances(context, principal.facility_id).contains(name)) {
          for (const auto& status : context.plugins->instances()) {
            if (status.name == name) {
              return json_response(200, instance_json(*context.plugins, status));
            }
          }
        }
        return problem_response(request, 404, MessageId::kPluginInstanceNotFound);
      },
      route_options("One of the facility's plugin instances with its live health."));

  add_authorized_route(
      router, context, "GET", "/v1/alerts",
      [&context](http::Request& request, const access::Principal& principal) {
        FieldValidator v;
        std::int64_t after = 0;
        int limit = kDefaultAlerts;
        for (const auto& [name, value] : request.query) {
          if (name == "after") {
            auto n = parse_health_int(value);
            if (!n || *n < 0) {
              v.add("after", "out_of_range", "must be an alert id (a whole number, 0 or more)");
            } else {
              after = *n;
            }
          } else if (name == "limit") {
            auto n = parse_health_int(value);
            if (!n || *n < 1 || *n > kMaxAlerts) {
              v.add("limit", "out_of_range",
                    "must be a whole number from 1 to " + std::to_string(kMaxAlerts));
            } else {
              limit = *n;
            }
          } else {
            v.add(name.substr(0, 64), "unknown_field", "is not a parameter of this resource");
          }
        }
        if (!v.ok()) return validation_problem(request, 400, v.take());
        auto bound = bound_instances(context, principal.facility_id);
        std::vector<plugin_host::InstanceAlert> alerts;
        if (context.alerts != nullptr) {
          // What this hub saw is written first, then every hub's is read.
          auto flushed = context.alerts->flush();
          if (!flushed.ok()) return error_response(request, flushed.error());
          auto listed = context.alerts->store().list(principal.facility_id, bound, after,
                                                     static_cast<std::size_t>(limit));
          if (!listed.ok()) return error_response(request, listed.error());
          alerts = std::move(listed).value();
        } else if (context.plugins != nullptr) {
          alerts = context.plugins->health().alerts(
              [&bound, &principal](const plugin_host::InstanceAlert& alert) {
                return alert.facility_id.empty() ? bound.contains(alert.instance)
                                                 : alert.facility_id == principal.facility_id;
              },
              after, static_cast<std::size_t>(limit));
        } else {
          return problem_response(request, 503, MessageId::kPluginsUnavailable);
        }
        json items = json::array();
        for (const auto& a : alerts) {
          items.push_back(json{{"id", a.id},
                               {"instance", a.instance},
                               {"kind", a.kind},
                               {"at", domain::format_timestamp(a.at_ms)},
                               {"message", a.message}});
        }
        return json_response(200, json{{"items", std::move(items)}});
      },
      route_options("The facility's alerts, newest first: plugin instances that started failing "
                    "or recovered, and what the hub's features raise."));
}

}  // namespace wasl::api
