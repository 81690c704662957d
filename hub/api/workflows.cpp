#include "hub/api/workflows.hpp"

#include <utf8.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "hub/api/api_problem.hpp"
#include "hub/api/authorization.hpp"
#include "hub/api/json_body.hpp"
#include "hub/api/json_response.hpp"
#include "hub/api/request_audit.hpp"
#include "hub/config/yaml_budget.hpp"
#include "hub/domain/timestamp.hpp"
#include "hub/workflow/workflow_file.hpp"

namespace wasl::api {
namespace {

using http::Request;
using http::Response;

nlohmann::json version_json(const workflow::DeployedVersion& v) {
  return {{"name", v.name},
          {"version", v.version},
          {"checksum", v.checksum},
          {"deployed_at", domain::format_timestamp(v.deployed_at_ms)},
          {"deployed_by", v.deployed_by}};
}

Response list(ApiContext& ctx, Request& request, const access::Principal&) {
  auto versions = ctx.definitions->list();
  if (!versions.ok()) return error_response(request, versions.error());
  nlohmann::json items = nlohmann::json::array();
  for (const auto& v : *versions) items.push_back(version_json(v));
  return json_response(200, nlohmann::json{{"items", std::move(items)}});
}

Response read(ApiContext& ctx, Request& request, const access::Principal&) {
  const std::string& name = request.path_params.at("name");
  auto latest = ctx.definitions->latest(name);
  if (!latest.ok()) return error_response(request, latest.error(), MessageId::kWorkflowNotFound);
  auto versions = ctx.definitions->list();
  if (!versions.ok()) return error_response(request, versions.error());
  nlohmann::json items = nlohmann::json::array();
  int latest_version = 0;
  for (const auto& v : *versions) {
    if (v.name != name) continue;
    items.push_back(version_json(v));
    latest_version = std::max(latest_version, v.version);
  }
  return json_response(200, nlohmann::json{{"name", name},
                                           {"latest_version", latest_version},
                                           {"versions", std::move(items)},
                                           {"latest", workflow::to_canonical_json(**latest)}});
}

Response deploy(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string& name = request.path_params.at("name");
  if (!charset_is_utf8(request)) {
    return problem_response(request, 415, MessageId::kCharsetUnsupported);
  }
  if (!utf8::is_valid(request.body.begin(), request.body.end()))
    return problem_response(request, 400, MessageId::kBodyNotUtf8);
  // Aliases are counted before anything walks the tree: a "billion laughs"
  // body is refused in one pass over its text.
  if (auto over = config::check_yaml_budget(request.body)) {
    return problem_response(request, 400, MessageId::kWorkflowTooLarge, {over->message});
  }
  const std::string file = name.substr(0, 64) + ".yaml";
  workflow::WorkflowParse parsed = workflow::parse_workflow(request.body, file);
  if (!parsed.ok()) {
    std::vector<http::FieldError> errors;
    for (const auto& p : parsed.problems) {
      errors.push_back({p.line > 0 ? p.file + ":" + std::to_string(p.line) : p.file,
                        "invalid_workflow", p.message});
    }
    std::string count = std::to_string(errors.size());
    return problem_response(request, 422, MessageId::kWorkflowInvalid, {count}, std::move(errors));
  }
  if (parsed.definition->name != name) {
    return validation_problem(
        request, 422, {{"name", "mismatch", "the file's name must equal the name in the path"}});
  }
  auto deployed = ctx.definitions->deploy(*parsed.definition, request.body, principal.actor());
  if (!deployed.ok()) return error_response(request, deployed.error());
  audit::AuditEvent event = request_event(request, principal, "workflow.deploy", "workflow", name);
  event.detail = nlohmann::json{{"version", deployed->version},
                                {"created", deployed->created},
                                {"checksum", deployed->checksum}}
                     .dump();
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  if (auto appended = ctx.audit->append(**tx, event); !appended.ok()) {
    return error_response(request, appended.error());
  }
  if (auto committed = (*tx)->commit(); !committed.ok()) {
    return error_response(request, committed.error());
  }
  nlohmann::json answer = version_json(*deployed);
  answer["created"] = deployed->created;
  Response response = json_response(deployed->created ? 201 : 200, answer);
  if (deployed->created) response.set_header("Location", "/v1/workflows/" + name);
  return response;
}

}  // namespace

void add_workflow_routes(http::Router& router, ApiContext& ctx) {
  add_authorized_route(
      router, ctx, "GET", "/v1/workflows",
      [&ctx](Request& r, const access::Principal& p) { return list(ctx, r, p); },
      route_options("List every deployed workflow version."));
  add_authorized_route(
      router, ctx, "GET", "/v1/workflows/{name}",
      [&ctx](Request& r, const access::Principal& p) { return read(ctx, r, p); },
      route_options("Read a workflow's versions and latest definition."));
  add_authorized_route(
      router, ctx, "PUT", "/v1/workflows/{name}",
      [&ctx](Request& r, const access::Principal& p) { return deploy(ctx, r, p); },
      route_options("Deploy a new workflow version from its YAML text.", {"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml",
                    "text/plain"}));
}

}  // namespace wasl::api
