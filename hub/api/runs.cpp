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

namespace wasl::api {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

constexpr int kDefaultLimit = 50;
constexpr int kMaxLimit = 200;
constexpr std::size_t kMaxNameChars = 64;
constexpr std::array<std::string_view, 7> kStatuses = {
    "running", "waiting", "compensating", "cancelling", "succeeded", "failed", "cancelled"};

struct Filter {
  std::optional<std::string> status;
  std::optional<std::string> workflow;
  std::optional<std::int64_t> version;
  std::optional<std::int64_t> from_ms;
  std::optional<std::int64_t> to_ms;
  std::optional<records::ListCursor> after;
  int limit = kDefaultLimit;
};

std::optional<std::int64_t> parse_int(const std::string& text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

bool is_workflow_name(const std::string& s) {
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

Filter parse(const Request& request, FieldValidator& v) {
  Filter f;
  for (const auto& [name, value] : request.query) {
    if (name == "status") {
      if (std::find(kStatuses.begin(), kStatuses.end(), value) == kStatuses.end()) {
        v.add("status", "unknown_value", "must be one of: " + status_list());
      } else {
        f.status = value;
      }
    } else if (name == "workflow") {
      if (!is_workflow_name(value)) {
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
      if (!n || *n < 1 || *n > kMaxLimit) {
        v.add("limit", "out_of_range",
              "must be a whole number from 1 to " + std::to_string(kMaxLimit));
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

json text_or_null(const storage::Row& row, std::string_view column) {
  if (row.is_null(column)) return nullptr;
  auto v = row.get_text(column);
  return v.ok() ? json(*v) : json(nullptr);
}

Response list(ApiContext& ctx, Request& request, const access::Principal& principal) {
  FieldValidator v;
  Filter f = parse(request, v);
  if (!v.ok()) return validation_problem(request, 400, v.take());

  std::string sql =
      "SELECT id, consultation_id, workflow_name, workflow_version, status, current_step, "
      "failed_step, error, created_at, updated_at, finished_at FROM workflow_runs "
      "WHERE facility_id = $1";
  storage::Params params{principal.facility_id};
  auto param = [&params](storage::Value value) {
    params.push_back(std::move(value));
    return "$" + std::to_string(params.size());
  };
  if (f.status) sql += " AND status = " + param(*f.status);
  if (f.workflow) sql += " AND workflow_name = " + param(*f.workflow);
  if (f.version) sql += " AND workflow_version = " + param(*f.version);
  if (f.from_ms) sql += " AND created_at >= " + param(*f.from_ms);
  if (f.to_ms) sql += " AND created_at < " + param(*f.to_ms);
  if (f.after) {
    std::string t = param(f.after->created_at);
    std::string i = param(f.after->id);
    sql += " AND (created_at < " + t + " OR (created_at = " + t + " AND id < " + i + "))";
  }
  sql += " ORDER BY created_at DESC, id DESC LIMIT " + std::to_string(f.limit + 1);

  auto tx = ctx.store->begin(storage::TxMode::kReadOnly);
  if (!tx.ok()) return error_response(request, tx.error());
  auto rows = (*tx)->query(sql, params);
  if (!rows.ok()) return error_response(request, rows.error());
  (*tx)->rollback();
  const bool more = rows->size() > static_cast<std::size_t>(f.limit);
  if (more) rows->pop_back();

  json items = json::array();
  records::ListCursor last;
  for (const auto& row : *rows) {
    auto created = row.get_int("created_at");
    auto updated = row.get_int("updated_at");
    auto version = row.get_int("workflow_version");
    auto id = row.get_text("id");
    if (!created.ok() || !updated.ok() || !version.ok() || !id.ok()) {
      return error_response(request, sdk::Error(sdk::ErrorCode::kInternal,
                                                "a workflow_runs row could not be read", false));
    }
    json finished = nullptr;
    if (!row.is_null("finished_at")) {
      auto at = row.get_int("finished_at");
      if (at.ok()) finished = domain::format_timestamp(*at);
    }
    items.push_back({{"id", *id},
                     {"consultation_id", text_or_null(row, "consultation_id")},
                     {"workflow", text_or_null(row, "workflow_name")},
                     {"version", *version},
                     {"status", text_or_null(row, "status")},
                     {"current_step", text_or_null(row, "current_step")},
                     {"failed_step", text_or_null(row, "failed_step")},
                     {"error", text_or_null(row, "error")},
                     {"created_at", domain::format_timestamp(*created)},
                     {"updated_at", domain::format_timestamp(*updated)},
                     {"finished_at", finished}});
    last = {*created, *id};
  }
  json answer = {{"items", std::move(items)}, {"next_cursor", nullptr}};
  if (more) answer["next_cursor"] = records::encode_cursor(last);
  return json_response(200, answer);
}

}  // namespace

sdk::Result<RunCounts> run_counts(storage::Transaction& tx, const std::string& facility_id) {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query("SELECT workflow_name, workflow_version, status, COUNT(*) AS n FROM workflow_runs "
               "WHERE facility_id = $1 GROUP BY workflow_name, workflow_version, status",
               storage::Params{facility_id}));
  RunCounts counts;
  for (const auto& row : rows) {
    WASL_ASSIGN_OR_RETURN(std::string name, row.get_text("workflow_name"));
    WASL_ASSIGN_OR_RETURN(std::int64_t version, row.get_int("workflow_version"));
    WASL_ASSIGN_OR_RETURN(std::string status, row.get_text("status"));
    WASL_ASSIGN_OR_RETURN(std::int64_t n, row.get_int("n"));
    counts[{name, static_cast<int>(version)}][status] = n;
  }
  return counts;
}

void add_run_routes(http::Router& router, ApiContext& ctx) {
  add_authorized_route(
      router, ctx, "GET", "/v1/runs",
      [&ctx](Request& r, const access::Principal& p) { return list(ctx, r, p); },
      route_options("List the facility's workflow runs across consultations."));
}

}  // namespace wasl::api
