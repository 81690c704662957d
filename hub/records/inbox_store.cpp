#include "hub/records/inbox_store.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "hub/records/row_fields.hpp"
#include "hub/records/stored_text.hpp"
#include "hub/storage/bind.hpp"
#include "hub/storage/plan_methods.hpp"

namespace wasl::records {

using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::Status;
using namespace row_fields;

namespace {

constexpr std::string_view kInboxTable = "inbox";
constexpr std::string_view kBodyColumn = "body_enc";
constexpr std::string_view kHeadersColumn = "headers_enc";

constexpr std::string_view kInboxSelect =
    "SELECT id, instance, dedupe_key, facility_id, received_at, body_enc, headers_enc, "
    "event_type, correlation, state, attempts, last_error, next_attempt_at FROM inbox ";

std::optional<InboxState> parse_state(std::string_view s) {
  for (auto st : {InboxState::kReceived, InboxState::kDispatched, InboxState::kUnmatched,
                  InboxState::kParked}) {
    if (to_string(st) == s) return st;
  }
  return std::nullopt;
}

Error not_found_entry(std::string_view id) { return not_found("inbox entry", id); }

}  // namespace

std::string_view to_string(InboxState s) {
  switch (s) {
    case InboxState::kReceived: return "received";
    case InboxState::kDispatched: return "dispatched";
    case InboxState::kUnmatched: return "unmatched";
    case InboxState::kParked: return "parked";
  }
  return "received";
}

Result<InboxInsertOutcome> InboxStore::insert(storage::Transaction& tx, const InboxEntry& e) const {
  if (e.id.empty() || e.instance.empty() || e.dedupe_key.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "an inbox entry needs an id, an instance and a dedupe key");
  }
  WASL_ASSIGN_OR_RETURN(std::string body_enc,
                        cipher_.encrypt(kInboxTable, kBodyColumn, e.id, e.body));
  nlohmann::json headers(e.headers);
  WASL_ASSIGN_OR_RETURN(std::string headers_enc,
                        cipher_.encrypt(kInboxTable, kHeadersColumn, e.id, headers.dump()));
  WASL_ASSIGN_OR_RETURN(
      std::int64_t inserted,
      tx.exec(
          "INSERT INTO inbox (id, instance, dedupe_key, facility_id, received_at, body_enc, "
          "headers_enc, event_type, correlation, state, attempts, last_error) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
          "ON CONFLICT (instance, dedupe_key) DO NOTHING",
          {e.id, e.instance, e.dedupe_key, text_or_null(e.facility_id), e.received_at,
           storage::Blob{std::move(body_enc)}, storage::Blob{std::move(headers_enc)},
           text_or_null(e.event_type), text_or_null(e.correlation), std::string(to_string(e.state)),
           e.attempts, text_or_null(redact_stored_text_if_any(e.last_error))}));
  return inserted > 0 ? InboxInsertOutcome::kInserted : InboxInsertOutcome::kDuplicate;
}

Result<EncryptedInboxEntry> InboxStore::encrypt(const InboxEntry& e) const {
  if (e.id.empty() || e.instance.empty() || e.dedupe_key.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "an inbox entry needs an id, an instance and a dedupe key", false);
  }
  EncryptedInboxEntry out;
  WASL_ASSIGN_OR_RETURN(out.body_enc, cipher_.encrypt(kInboxTable, kBodyColumn, e.id, e.body));
  WASL_ASSIGN_OR_RETURN(out.headers_enc, cipher_.encrypt(kInboxTable, kHeadersColumn, e.id,
                                                         nlohmann::json(e.headers).dump()));
  out.id = e.id;
  out.instance = e.instance;
  out.dedupe_key = e.dedupe_key;
  out.facility_id = e.facility_id;
  out.received_at = e.received_at;
  out.event_type = e.event_type;
  out.correlation = e.correlation;
  out.state = e.state;
  out.attempts = e.attempts;
  out.last_error = e.last_error;
  return out;
}

Result<std::vector<std::string>> InboxStore::insert_encrypted(
    storage::Transaction& tx, const std::vector<const EncryptedInboxEntry*>& rows) const {
  storage::Params params;
  std::string sql =
      "INSERT INTO inbox (id, instance, dedupe_key, facility_id, received_at, body_enc, "
      "headers_enc, event_type, correlation, state, attempts, last_error) ";
  sql += storage::rows_of(params, tx.dialect(),
                          {{"id", "TEXT"},
                           {"instance", "TEXT"},
                           {"dedupe_key", "TEXT"},
                           {"facility_id", "TEXT"},
                           {"received_at", "BIGINT"},
                           {"body_enc", "BYTEA"},
                           {"headers_enc", "BYTEA"},
                           {"event_type", "TEXT"},
                           {"correlation", "TEXT"},
                           {"state", "TEXT"},
                           {"attempts", "INTEGER"},
                           {"last_error", "TEXT"}},
                          rows, [](const EncryptedInboxEntry* e) {
                            return storage::Params{e->id,
                                                   e->instance,
                                                   e->dedupe_key,
                                                   text_or_null(e->facility_id),
                                                   e->received_at,
                                                   storage::Blob{e->body_enc},
                                                   storage::Blob{e->headers_enc},
                                                   text_or_null(e->event_type),
                                                   text_or_null(e->correlation),
                                                   std::string(to_string(e->state)),
                                                   e->attempts,
                                                   text_or_null(e->last_error)};
                          });
  sql += " ON CONFLICT (instance, dedupe_key) DO NOTHING RETURNING id";
  WASL_ASSIGN_OR_RETURN(storage::Rows returned, tx.query(sql, params));
  std::vector<std::string> inserted;
  inserted.reserve(returned.size());
  for (const storage::Row& row : returned) {
    WASL_ASSIGN_OR_RETURN(std::string id, row.get_text(0));
    inserted.push_back(std::move(id));
  }
  return inserted;
}

Status InboxStore::clear_columns(const storage::Row& row, InboxEntry& e) const {
  WASL_ASSIGN_OR_RETURN(e.id, row.get_text("id"));
  WASL_ASSIGN_OR_RETURN(e.instance, row.get_text("instance"));
  WASL_ASSIGN_OR_RETURN(e.dedupe_key, row.get_text("dedupe_key"));
  WASL_ASSIGN_OR_RETURN(e.facility_id, optional_text(row, "facility_id"));
  WASL_ASSIGN_OR_RETURN(e.received_at, row.get_int("received_at"));
  WASL_ASSIGN_OR_RETURN(e.event_type, optional_text(row, "event_type"));
  WASL_ASSIGN_OR_RETURN(e.correlation, optional_text(row, "correlation"));
  WASL_ASSIGN_OR_RETURN(std::string state, row.get_text("state"));
  auto parsed = parse_state(state);
  if (!parsed) return Error(ErrorCode::kInternal, "inbox entry " + e.id + " has an unknown state");
  e.state = *parsed;
  WASL_ASSIGN_OR_RETURN(e.attempts, row.get_int("attempts"));
  WASL_ASSIGN_OR_RETURN(e.last_error, optional_text(row, "last_error"));
  WASL_ASSIGN_OR_RETURN(e.next_attempt_at, row.get_int("next_attempt_at"));
  return {};
}

Status InboxStore::encrypted_columns(const storage::Row& row, InboxEntry& e) const {
  WASL_ASSIGN_OR_RETURN(auto body_enc, optional_blob(row, kBodyColumn));
  if (body_enc) {
    WASL_ASSIGN_OR_RETURN(e.body, cipher_.decrypt(kInboxTable, kBodyColumn, e.id, *body_enc));
  }
  WASL_ASSIGN_OR_RETURN(auto headers_enc, optional_blob(row, kHeadersColumn));
  if (headers_enc) {
    WASL_ASSIGN_OR_RETURN(std::string text,
                          cipher_.decrypt(kInboxTable, kHeadersColumn, e.id, *headers_enc));
    try {
      e.headers = nlohmann::json::parse(text).get<std::map<std::string, std::string>>();
    } catch (const std::exception&) {
      return Error(ErrorCode::kInternal,
                   "inbox.headers_enc of row " + e.id + " decrypted to a malformed document");
    }
  }
  return {};
}

Result<InboxEntry> InboxStore::from_row(const storage::Row& row, InboxRead read) const {
  InboxEntry e;
  WASL_RETURN_IF_ERROR(clear_columns(row, e));
  if (read == InboxRead::kWithContent) WASL_RETURN_IF_ERROR(encrypted_columns(row, e));
  return e;
}

namespace {

// "(facility_id = $f OR (facility_id IS NULL AND instance IN (…) [AND the
// correlation names a resource of $f at that instance]) OR (facility_id IS
// NULL AND instance IN (sole …)))", its parameters appended to `params`.
std::string scope_condition(const InboxScope& scope, storage::Params& params) {
  params.push_back(scope.facility_id);
  const std::string facility = "$" + std::to_string(params.size());
  std::string sql = "(facility_id = " + facility;
  if (!scope.instances.empty()) {
    sql += " OR (facility_id IS NULL AND instance IN (";
    for (std::size_t i = 0; i < scope.instances.size(); ++i) {
      params.push_back(scope.instances[i]);
      sql += (i ? ", $" : "$") + std::to_string(params.size());
    }
    sql += ")";
    if (scope.shared == SharedRows::kAttributed) {
      sql +=
          " AND correlation IS NOT NULL AND EXISTS (SELECT 1 FROM provider_resources r "
          "WHERE r.instance = inbox.instance AND r.facility_id = " +
          facility +
          " AND (r.resource_id = inbox.correlation OR (r.kind = 'appointment' AND "
          "'Appointment/' || r.resource_id = inbox.correlation)))";
    }
    sql += ")";
  }
  if (!scope.sole_instances.empty()) {
    sql += " OR (facility_id IS NULL AND instance IN (";
    for (std::size_t i = 0; i < scope.sole_instances.size(); ++i) {
      params.push_back(scope.sole_instances[i]);
      sql += (i ? ", $" : "$") + std::to_string(params.size());
    }
    sql += "))";
  }
  return sql + ")";
}

}  // namespace

Result<InboxEntry> InboxStore::get(storage::Transaction& tx, const InboxScope& scope,
                                   std::string_view id, InboxRead read) const {
  storage::Params params{std::string(id)};
  std::string where = "WHERE id = $1 AND " + scope_condition(scope, params);
  WASL_ASSIGN_OR_RETURN(storage::Rows rows, tx.query(std::string(kInboxSelect) + where, params));
  if (rows.empty()) return not_found_entry(id);
  return from_row(rows.front(), read);
}

Result<std::vector<InboxEntry>> InboxStore::list(storage::Transaction& tx, const InboxScope& scope,
                                                 InboxState state, int limit,
                                                 InboxRead read) const {
  limit = std::clamp(limit, 1, 1000);
  storage::Params params{std::string(to_string(state))};
  std::string where = "WHERE state = $1 AND " + scope_condition(scope, params);
  WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                        tx.query(std::string(kInboxSelect) + where +
                                     " ORDER BY received_at, id LIMIT " + std::to_string(limit),
                                 params));
  std::vector<InboxEntry> out;
  for (const storage::Row& row : rows) {
    WASL_ASSIGN_OR_RETURN(InboxEntry e, from_row(row, read));
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::int64_t> InboxStore::count_stuck(storage::Transaction& tx, std::string_view facility_id,
                                             std::int64_t since_ms) {
  storage::Params params{since_ms};
  const std::string where =
      " WHERE state IN ('unmatched', 'parked') AND received_at >= $1 AND " +
      scope_condition(InboxScope{std::string(facility_id), {}, SharedRows::kAttributed, {}},
                      params);
  WASL_ASSIGN_OR_RETURN(storage::Rows rows, tx.query("SELECT COUNT(*) FROM inbox" + where, params));
  if (rows.empty()) return std::int64_t{0};
  return rows.front().get_int(0);
}

Status InboxStore::mark(storage::Transaction& tx, const InboxScope& scope, std::string_view id,
                        InboxState state, const std::optional<std::string>& last_error) const {
  storage::Params params{std::string(to_string(state)),
                         text_or_null(redact_stored_text_if_any(last_error)), std::string(id)};
  std::string where = " WHERE id = $3 AND " + scope_condition(scope, params);
  WASL_ASSIGN_OR_RETURN(
      std::int64_t changed,
      tx.exec((state == InboxState::kReceived
                   ? std::string("UPDATE inbox SET state = $1, last_error = $2, attempts = 0, "
                                 "next_attempt_at = 0")
                   : std::string("UPDATE inbox SET state = $1, last_error = $2")) +
                  where,
              params));
  if (changed == 0) return not_found_entry(id);
  return {};
}

audit::AuditEvent parked_event(std::string_view id, std::string_view facility_id,
                               std::string_view instance, std::int64_t attempts) {
  audit::AuditEvent event;
  event.actor = "system";
  event.facility_id = std::string(facility_id);
  event.action = "webhook.parked";
  event.entity_type = "webhook_event";
  event.entity_id = std::string(id);
  event.outcome = std::string(audit::kOutcomeFailure);
  event.detail = nlohmann::json{{"instance", std::string(instance)}, {"attempts", attempts}}.dump();
  return event;
}

Status InboxStore::park(storage::Transaction& tx, const InboxScope& scope, std::string_view id,
                        std::string_view instance, std::int64_t attempts, std::string last_error,
                        const audit::AuditWriter* audit) const {
  WASL_RETURN_IF_ERROR(mark(tx, scope, id, InboxState::kParked, std::move(last_error)));
  if (audit == nullptr) return {};
  WASL_RETURN_IF_ERROR(audit->append(tx, parked_event(id, scope.facility_id, instance, attempts)));
  return {};
}

// The dispatcher's statements on the inbox are an ordered walk of
// inbox_state_received that stops at the batch size, and updates of rows by
// id: neither sorts nor scans the table (see storage/plan_methods.hpp; with
// 20,000 rows waiting the fetch sorted them all for each batch, 25 ms, and
// the batch state update scanned the table, 2-3 ms).
namespace {

template <typename Statement>
auto with_index_plans(storage::Transaction& tx, storage::Dialect dialect, Statement&& statement)
    -> decltype(statement()) {
  return storage::without_plan_methods(tx, dialect, {"sort", "seqscan"},
                                       std::forward<Statement>(statement));
}

}  // namespace

Result<std::vector<DispatchCandidate>> InboxStore::fetch_for_dispatch(storage::Transaction& tx,
                                                                      storage::Dialect dialect,
                                                                      int limit,
                                                                      std::int64_t now_ms) const {
  limit = std::clamp(limit, 1, 1000);
  std::string sql = std::string(kInboxSelect) +
                    "WHERE state = 'received' AND next_attempt_at <= $1 "
                    "ORDER BY received_at, id LIMIT " +
                    std::to_string(limit);
  if (dialect == storage::Dialect::kPostgres) sql += " FOR UPDATE SKIP LOCKED";
  WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                        with_index_plans(tx, dialect, [&] { return tx.query(sql, {now_ms}); }));
  std::vector<DispatchCandidate> out;
  out.reserve(rows.size());
  for (const storage::Row& row : rows) {
    DispatchCandidate c;
    WASL_RETURN_IF_ERROR(clear_columns(row, c.entry));
    if (auto readable = encrypted_columns(row, c.entry); !readable.ok()) {
      c.entry.body.clear();
      c.entry.headers.clear();
      c.unreadable = readable.error();
    }
    out.push_back(std::move(c));
  }
  return out;
}

Status InboxStore::set_dispatch_state(storage::Transaction& tx, std::string_view id,
                                      InboxState state,
                                      const std::optional<std::string>& last_error,
                                      std::int64_t next_attempt_at) const {
  WASL_ASSIGN_OR_RETURN(
      std::int64_t changed,
      tx.exec("UPDATE inbox SET state = $1, last_error = $2, attempts = attempts + 1, "
              "next_attempt_at = $3 WHERE id = $4",
              {std::string(to_string(state)), text_or_null(redact_stored_text_if_any(last_error)),
               next_attempt_at, std::string(id)}));
  if (changed == 0) return not_found_entry(id);
  return {};
}

Status InboxStore::set_dispatch_states(storage::Transaction& tx, storage::Dialect dialect,
                                       const std::vector<std::string>& ids,
                                       InboxState state) const {
  if (ids.empty()) return {};
  storage::Params params{std::string(to_string(state))};
  std::string sql =
      "UPDATE inbox SET state = $1, last_error = NULL, attempts = attempts + 1, "
      "next_attempt_at = 0 WHERE " +
      storage::in_list(params, dialect, "id", {ids.begin(), ids.end()}, "TEXT");
  WASL_ASSIGN_OR_RETURN(std::int64_t changed,
                        with_index_plans(tx, dialect, [&] { return tx.exec(sql, params); }));
  if (changed != static_cast<std::int64_t>(ids.size())) {
    return Error(ErrorCode::kNotFound,
                 std::to_string(ids.size() - static_cast<std::size_t>(changed)) + " of " +
                     std::to_string(ids.size()) + " inbox rows no longer exist",
                 false);
  }
  return {};
}

Result<bool> InboxStore::set_dispatch_state_if(storage::Transaction& tx, std::string_view id,
                                               std::int64_t expected_attempts, InboxState state,
                                               const std::optional<std::string>& last_error,
                                               std::int64_t next_attempt_at) const {
  WASL_ASSIGN_OR_RETURN(
      std::int64_t changed,
      tx.exec("UPDATE inbox SET state = $1, last_error = $2, attempts = attempts + 1, "
              "next_attempt_at = $3 WHERE id = $4 AND state = 'received' AND attempts = $5",
              {std::string(to_string(state)), text_or_null(redact_stored_text_if_any(last_error)),
               next_attempt_at, std::string(id), expected_attempts}));
  return changed > 0;
}

Result<std::int64_t> InboxStore::count_received(storage::Transaction& tx,
                                                std::string_view facility_id,
                                                std::string_view instance,
                                                std::string_view correlation) const {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query("SELECT COUNT(*) FROM inbox WHERE instance = $1 AND correlation = $2 AND "
               "state = 'received' AND (facility_id = $3 OR facility_id IS NULL)",
               {std::string(instance), std::string(correlation), std::string(facility_id)}));
  if (rows.empty()) return std::int64_t{0};
  return rows.front().get_int(0);
}

Result<std::optional<std::int64_t>> InboxStore::oldest_received(storage::Transaction& tx) const {
  WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                        tx.query("SELECT MIN(received_at) FROM inbox WHERE state = 'received'"));
  if (rows.empty() || rows.front().is_null(0)) return std::optional<std::int64_t>();
  WASL_ASSIGN_OR_RETURN(std::int64_t oldest, rows.front().get_int(0));
  return std::optional<std::int64_t>(oldest);
}

Result<std::int64_t> InboxStore::purge_dispatched(storage::Transaction& tx,
                                                  const std::optional<std::string>& facility_id,
                                                  std::int64_t cutoff_ms, int limit) {
  storage::Params params{cutoff_ms, static_cast<std::int64_t>(limit)};
  std::string owner = "facility_id IS NULL";
  if (facility_id) owner = "facility_id = " + storage::bind(params, *facility_id);
  return tx.exec(
      "DELETE FROM inbox WHERE id IN (SELECT id FROM inbox WHERE state = 'dispatched' AND "
      "received_at < $1 AND " +
          owner + " ORDER BY received_at LIMIT $2)",
      params);
}

}  // namespace wasl::records
