#include "hub/audit/audit_query.hpp"

#include <charconv>

#include "hub/audit/event_row.hpp"

namespace wasl::audit {

using sdk::Error;
using sdk::ErrorCode;

namespace {
constexpr std::string_view kCursorPrefix = "s";
}

std::string encode_audit_cursor(std::int64_t seq) {
  return std::string(kCursorPrefix) + std::to_string(seq);
}

sdk::Result<std::int64_t> decode_audit_cursor(std::string_view cursor) {
  const Error invalid(ErrorCode::kInvalidArgument,
                      "cursor is not one this API returned; start again without it");
  if (cursor.size() < 2 || cursor.size() > 20 || cursor.substr(0, 1) != kCursorPrefix) {
    return invalid;
  }
  std::int64_t seq = 0;
  auto digits = cursor.substr(1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
  if (ec != std::errc() || end != digits.data() + digits.size() || seq < 0) return invalid;
  return seq;
}

sdk::Result<AuditPage> query_audit_events(storage::Store& store, const AuditQuery& query) {
  if (query.facility_id.empty()) {
    return Error(ErrorCode::kInvalidArgument, "an audit query needs a facility");
  }
  if (query.limit < 1 || query.limit > kMaxAuditPageSize) {
    return Error(ErrorCode::kInvalidArgument, "limit must be between 1 and 1000");
  }
  if (query.from_ms && query.to_ms && *query.from_ms >= *query.to_ms) {
    return Error(ErrorCode::kInvalidArgument, "from must be earlier than to");
  }

  // Only the filters present become conditions, so every parameter has a
  // type PostgreSQL can infer from its column.
  storage::Params params;
  std::string sql = "SELECT ";
  sql += kEventColumns;
  sql += " FROM audit_events WHERE facility_id = $1";
  params.emplace_back(query.facility_id);
  auto add = [&](std::string_view column, std::string_view op, storage::Value value) {
    params.push_back(std::move(value));
    sql += " AND ";
    sql += column;
    sql += op;
    sql += "$" + std::to_string(params.size());
  };
  if (query.entity_type) add("entity_type", " = ", *query.entity_type);
  if (query.entity_id) add("entity_id", " = ", *query.entity_id);
  if (query.actor) add("actor", " = ", *query.actor);
  if (query.session) add("session_ref", " = ", *query.session);
  if (query.action) add("action", " = ", *query.action);
  if (query.from_ms) add("occurred_at", " >= ", *query.from_ms);
  if (query.to_ms) add("occurred_at", " < ", *query.to_ms);
  if (query.cursor) {
    WASL_ASSIGN_OR_RETURN(std::int64_t after, decode_audit_cursor(*query.cursor));
    add("seq", " > ", after);
  }
  params.emplace_back(static_cast<std::int64_t>(query.limit) + 1);
  sql += " ORDER BY seq LIMIT $" + std::to_string(params.size());

  WASL_ASSIGN_OR_RETURN(auto tx, store.begin(storage::TxMode::kReadOnly));
  WASL_ASSIGN_OR_RETURN(storage::Rows rows, tx->query(sql, params));
  tx->rollback();

  AuditPage page;
  const bool more = rows.size() > static_cast<std::size_t>(query.limit);
  if (more) rows.pop_back();
  page.events.reserve(rows.size());
  for (const auto& row : rows) {
    WASL_ASSIGN_OR_RETURN(StoredAuditEvent e, read_event_row(row));
    page.events.push_back(std::move(e));
  }
  if (more && !page.events.empty()) page.next_cursor = encode_audit_cursor(page.events.back().seq);
  return page;
}

}  // namespace wasl::audit
