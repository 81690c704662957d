#include "hub/api/runs.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>

#include "hub/api/api_problem.hpp"
#include "hub/api/authorization.hpp"
#include "hub/api/field_validator.hpp"
#include "hub/api/json_response.hpp"
#include "hub/domain/timestamp.hpp"
#include "hub/records/list_cursor.hpp"
#include "hub/workflow/run_listing.hpp"

namespace wasl::api {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

constexpr int kDefaultRunLimit = 50;
constexpr int kMaxRunLimit = 200;
constexpr std::size_t kMaxNameChars = 64;
constexpr std::array<std::string_view, 7> kStatuses = {
    "running", "waiting", "compensating", "cancelling", "succeeded", "failed", "cancelled"};

struct RunFilter {
  std::optional<std::string> status;
  std::optional<std::string> workflow;
  std::optional<std::int64_t> version;
  std::optional<std::int64_t> from_ms;
  std::optional<std::int64_t> to_ms;
  std::optional<records::ListCursor> after;
  int limit = kDefaultRunLimit;
};

std::optional<std::int64_t> parse_int(const std::string& text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

bool is_run_workflow_name(const std::string& s) {
  if (s.empty() || s.size() > kMaxNameChars) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  }
  return true;
}

std::string status_list() {
  std::string out;
  for (auto s : kStatuses) out += (out.empty() ? "" : ", ") + std::string(s);
  return out;
}

RunFilter parse(const Request& request, FieldValidator& v) {
  RunFilter f;
  for (const auto& [name, value] : request.query) {
    if (name == "status") {
      if (std::find(kStatuses.begin(), kStatuses.end(), value) == kStatuses.end()) {
        v.add("status", "unknown_value", "must be one of: " + status_list());
      } else {
        f.status = value;
      }
    } else if (name == "workflow") {
      if (!is_run_workflow_name(value)) {
        v.add("workflow", "invalid_format",
              "must be a workflow name: 1 to 64 of a-z, 0-9, '_' or '-'");
      } else {
        f.workflow = value;
      }
    } else if (name == "version") {
      auto n = parse_int(value);
      if (!n || *n < 1 || *n > 1'000'000) {
        v.add("version", "out_of_range", "must be a whole number from 1 to 1000000");
      } else {
        f.version = *n;
      }
    } else if (name == "from" || name == "to") {
      auto t = domain::parse_timestamp(value);
      if (!t) {
        v.add(name, "invalid_format", "must be an RFC 3339 date-time");
      } else {
        (name == "from" ? f.from_ms : f.to_ms) = *t;
      }
    } else if (name == "limit") {
      auto n = parse_int(value);
      if (!n || *n < 1 || *n > kMaxRunLimit) {
        v.add("limit", "out_of_range",
              "must be a whole number from 1 to " + std::to_string(kMaxRunLimit));
      } else {
        f.limit = static_cast<int>(*n);
      }
    } else if (name == "cursor") {
      auto after = records::decode_cursor(value);
      if (!after.ok()) {
        v.add("cursor", "invalid_format", "is not a cursor this server issued");
      } else {
        f.after = std::move(after).value();
      }
    } else {
      v.add(name.substr(0, 64), "unknown_field", "is not a parameter of this resource");
    }
  }
  if (f.version && !f.workflow) {
    v.add("version", "required", "needs 'workflow': a version number belongs to one workflow");
  }
  if (f.from_ms && f.to_ms && *f.from_ms >= *f.to_ms) {
    v.add("from", "out_of_range", "must be before 'to'");
  }
  return f;
}

json text_or_null(const std::optional<std::string>& text) {
  return text ? json(*text) : json(nullptr);
}

Response list(ApiContext& ctx, Request& request, const access::Principal& principal) {
  FieldValidator v;
  RunFilter f = parse(request, v);
  if (!v.ok()) return validation_problem(request, 400, v.take());

  workflow::RunFilter filter;
  filter.status = f.status;
  filter.workflow = f.workflow;
  filter.version = f.version;
  filter.from_ms = f.from_ms;
  filter.to_ms = f.to_ms;
  if (f.after) filter.after = std::make_pair(f.after->created_at, f.after->id);

  auto tx = ctx.store->begin(storage::TxMode::kReadOnly);
  if (!tx.ok()) return error_response(request, tx.error());
  auto runs = workflow::list_runs(**tx, principal.facility_id, filter, f.limit + 1);
  if (!runs.ok()) return error_response(request, runs.error());
  (*tx)->rollback();
  const bool more = runs->size() > static_cast<std::size_t>(f.limit);
  if (more) runs->pop_back();

  json items = json::array();
  records::ListCursor last;
  for (const auto& run : *runs) {
    json finished = nullptr;
    if (run.finished_at) finished = domain::format_timestamp(*run.finished_at);
    items.push_back({{"id", run.id},
                     {"consultation_id", text_or_null(run.consultation_id)},
                     {"workflow", text_or_null(run.workflow_name)},
                     {"version", run.workflow_version},
                     {"status", text_or_null(run.status)},
                     {"current_step", text_or_null(run.current_step)},
                     {"failed_step", text_or_null(run.failed_step)},
                     {"error", text_or_null(run.error)},
                     {"created_at", domain::format_timestamp(run.created_at)},
                     {"updated_at", domain::format_timestamp(run.updated_at)},
                     {"finished_at", finished}});
    last = {run.created_at, run.id};
  }
  json answer = {{"items", std::move(items)}, {"next_cursor", nullptr}};
  if (more) answer["next_cursor"] = records::encode_cursor(last);
  return json_response(200, answer);
}

}  // namespace

void add_run_routes(http::Router& router, ApiContext& context) {
  add_authorized_route(
      router, context, "GET", "/v1/runs",
      [&context](Request& r, const access::Principal& p) { return list(context, r, p); },
      route_options("List the facility's workflow runs across consultations."));
}

}  // namespace wasl::api
