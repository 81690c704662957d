#include "hub/api/workflows.hpp"

#include <utf8.h>

#include <algorithm>
#include <charconv>
#include <optional>

#include <nlohmann/json.hpp>

#include "hub/api/api_problem.hpp"
#include "hub/api/authorization.hpp"
#include "hub/api/field_validator.hpp"
#include "hub/api/json_body.hpp"
#include "hub/api/json_response.hpp"
#include "hub/api/line_diff.hpp"
#include "hub/api/request_audit.hpp"
#include "hub/api/workflow_choice.hpp"
#include "hub/config/yaml_budget.hpp"
#include "hub/domain/timestamp.hpp"
#include "hub/workflow/definition_store.hpp"
#include "hub/workflow/language/workflow_file.hpp"
#include "hub/workflow/run_listing.hpp"

namespace wasl::api {
namespace {

using http::Request;
using http::Response;

nlohmann::json version_json(const workflow::DeployedVersion& v) {
  return {{"name", v.name},
          {"version", v.version},
          {"checksum", v.checksum},
          {"deployed_at", domain::format_timestamp(v.deployed_at_ms)},
          {"deployed_by", v.deployed_by},
          {"owner", v.facility_id.empty() ? "platform" : "facility"}};
}

// The versions the principal's facility uses: its own, and the platform's
// that its configuration enables. Another facility's never appear.
sdk::Result<std::vector<workflow::DeployedVersion>> visible_versions(
    ApiContext& ctx, const access::Principal& principal) {
  WASL_ASSIGN_OR_RETURN(auto versions, ctx.definitions->list_for(principal.facility_id));
  std::erase_if(versions, [&](const workflow::DeployedVersion& v) {
    return v.facility_id.empty() &&
           !workflow_enabled_for(ctx.config, principal.facility_id, v.name);
  });
  return versions;
}

// Each version with how many of the facility's runs are on it, by status.
Response list_workflows(ApiContext& ctx, Request& request, const access::Principal& principal) {
  auto versions = visible_versions(ctx, principal);
  if (!versions.ok()) return error_response(request, versions.error());
  auto tx = ctx.store->begin(storage::TxMode::kReadOnly);
  if (!tx.ok()) return error_response(request, tx.error());
  auto counts = workflow::count_runs(**tx, principal.facility_id);
  if (!counts.ok()) return error_response(request, counts.error());
  (*tx)->rollback();
  nlohmann::json items = nlohmann::json::array();
  for (const auto& v : *versions) {
    nlohmann::json item = version_json(v);
    nlohmann::json runs = {{"total", 0}, {"by_status", nlohmann::json::object()}};
    if (auto it = counts->find({v.name, v.version}); it != counts->end()) {
      std::int64_t total = 0;
      for (const auto& [status, n] : it->second) {
        runs["by_status"][status] = n;
        total += n;
      }
      runs["total"] = total;
    }
    item["runs"] = std::move(runs);
    items.push_back(std::move(item));
  }
  return json_response(200, nlohmann::json{{"items", std::move(items)}});
}

Response read_workflow(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string& name = request.path_params.at("name");
  auto versions = visible_versions(ctx, principal);
  if (!versions.ok()) return error_response(request, versions.error());
  nlohmann::json items = nlohmann::json::array();
  int latest_version = 0;
  for (const auto& v : *versions) {
    if (v.name != name) continue;
    items.push_back(version_json(v));
    latest_version = std::max(latest_version, v.version);
  }
  if (items.empty()) {
    return error_response(
        request,
        sdk::Error(sdk::ErrorCode::kNotFound, "workflow '" + name + "' is not deployed", false),
        MessageId::kWorkflowNotFound);
  }
  auto latest = ctx.definitions->latest(name, principal.facility_id);
  if (!latest.ok()) return error_response(request, latest.error(), MessageId::kWorkflowNotFound);
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
  // The version is the principal's facility's own: it changes what that
  // facility runs, never another's. It and its audit event commit together.
  auto audit_deploy = [&](storage::Transaction& tx, const workflow::DeployedVersion& v) {
    audit::AuditEvent event =
        request_event(request, principal, "workflow.deploy", "workflow", name);
    event.detail =
        nlohmann::json{{"version", v.version}, {"created", v.created}, {"checksum", v.checksum}}
            .dump();
    auto appended = ctx.audit->append(tx, event);
    return appended.ok() ? sdk::Status() : sdk::Status(std::move(appended).error());
  };
  auto deployed = ctx.definitions->deploy(*parsed.definition, request.body, principal.actor(),
                                          principal.facility_id, audit_deploy);
  if (!deployed.ok()) return error_response(request, deployed.error());
  nlohmann::json answer = version_json(*deployed);
  answer["created"] = deployed->created;
  Response response = json_response(deployed->created ? 201 : 200, answer);
  if (deployed->created) response.set_header("Location", "/v1/workflows/" + name);
  return response;
}

}  // namespace

// The largest source a diff compares, in bytes (a workflow file is a few KiB;
// the line cap, kMaxDiffLines, bounds the comparison itself).
constexpr std::size_t kMaxDiffSourceBytes = 256 * 1024;

// GET /v1/workflows/{name}/diff?from=A&to=B: the line diff of two versions'
// source texts, both among the versions the facility uses.
Response diff(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string& name = request.path_params.at("name");
  FieldValidator v;
  std::optional<int> from;
  std::optional<int> to;
  for (const auto& [param, value] : request.query) {
    if (param == "from" || param == "to") {
      int n = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || end != value.data() + value.size() || n < 1) {
        v.add(param, "out_of_range", "must be a version number: a whole number from 1");
      } else {
        (param == "from" ? from : to) = n;
      }
    } else {
      v.add(param.substr(0, 64), "unknown_field", "is not a parameter of this resource");
    }
  }
  if (request.query.find("from") == request.query.end()) {
    v.add("from", "required", "is required: the version to compare from");
  }
  if (request.query.find("to") == request.query.end()) {
    v.add("to", "required", "is required: the version to compare to");
  }
  if (!v.ok()) return validation_problem(request, 400, v.take());

  auto versions = visible_versions(ctx, principal);
  if (!versions.ok()) return error_response(request, versions.error());
  auto owner_of = [&](int version) -> std::optional<std::string> {
    for (const auto& d : *versions) {
      if (d.name == name && d.version == version) return d.facility_id;
    }
    return std::nullopt;
  };
  const bool known =
      std::any_of(versions->begin(), versions->end(),
                  [&](const workflow::DeployedVersion& d) { return d.name == name; });
  if (!known) return problem_response(request, 404, MessageId::kWorkflowNotFound);

  auto tx = ctx.store->begin(storage::TxMode::kReadOnly);
  if (!tx.ok()) return error_response(request, tx.error());
  std::string sources[2];
  std::string checksums[2];
  const int numbers[2] = {*from, *to};
  for (int k = 0; k < 2; ++k) {
    auto owner = owner_of(numbers[k]);
    if (!owner) {
      return problem_response(request, 404, MessageId::kWorkflowVersionNotFound,
                              {name, std::to_string(numbers[k])});
    }
    auto stored = workflow::DefinitionStore::source(**tx, name, numbers[k], *owner);
    if (!stored.ok()) return error_response(request, stored.error());
    if (!*stored) {
      return problem_response(request, 404, MessageId::kWorkflowVersionNotFound,
                              {name, std::to_string(numbers[k])});
    }
    workflow::StoredSource& source = **stored;
    const std::string& text = source.source_text;
    const std::size_t lines = line_count(text);
    if (text.size() > kMaxDiffSourceBytes || lines > kMaxDiffLines) {
      const char* field = k == 0 ? "from" : "to";
      return problem_response(
          request, 400, MessageId::kWorkflowDiffTooLarge,
          {std::to_string(numbers[k]),
           std::to_string(text.size()) + " bytes, " + std::to_string(lines) + " lines",
           std::to_string(kMaxDiffSourceBytes) + " bytes and " + std::to_string(kMaxDiffLines) +
               " lines"},
          {http::FieldError{field, "too_large", "names a version too large to compare"}});
    }
    sources[k] = std::move(source.source_text);
    checksums[k] = std::move(source.checksum);
  }
  (*tx)->rollback();

  nlohmann::json lines = nlohmann::json::array();
  int added = 0;
  int removed = 0;
  for (const DiffLine& line : diff_lines(sources[0], sources[1])) {
    nlohmann::json item = {{"text", line.text}};
    switch (line.op) {
      case DiffLine::Op::kKeep:
        item["op"] = " ";
        item["from_line"] = line.from_line;
        item["to_line"] = line.to_line;
        break;
      case DiffLine::Op::kRemove:
        item["op"] = "-";
        item["from_line"] = line.from_line;
        ++removed;
        break;
      case DiffLine::Op::kAdd:
        item["op"] = "+";
        item["to_line"] = line.to_line;
        ++added;
        break;
    }
    lines.push_back(std::move(item));
  }
  return json_response(200, nlohmann::json{{"name", name},
                                           {"from", *from},
                                           {"to", *to},
                                           {"from_checksum", checksums[0]},
                                           {"to_checksum", checksums[1]},
                                           {"identical", checksums[0] == checksums[1]},
                                           {"added", added},
                                           {"removed", removed},
                                           {"lines", std::move(lines)}});
}

void add_workflow_routes(http::Router& router, ApiContext& context) {
  add_authorized_route(
      router, context, "GET", "/v1/workflows",
      [&context](Request& r, const access::Principal& p) { return list_workflows(context, r, p); },
      route_options("List the workflow versions the facility runs."));
  add_authorized_route(
      router, context, "GET", "/v1/workflows/{name}",
      [&context](Request& r, const access::Principal& p) { return read_workflow(context, r, p); },
      route_options("Read a workflow's versions and latest definition."));
  add_authorized_route(
      router, context, "GET", "/v1/workflows/{name}/diff",
      [&context](Request& r, const access::Principal& p) { return diff(context, r, p); },
      route_options("Compare two deployed versions of a workflow, line by line."));
  add_authorized_route(
      router, context, "PUT", "/v1/workflows/{name}",
      [&context](Request& r, const access::Principal& p) { return deploy(context, r, p); },
      route_options(
          "Deploy a new version of the facility's workflow from its YAML text.",
          {"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain"}));
}

}  // namespace wasl::api
