#include "hub/claims/billing_message_store.hpp"

#include <nlohmann/json.hpp>
#include <utility>

#include "hub/records/row_fields.hpp"

namespace wasl::claims {

using records::row_fields::not_found;
using records::row_fields::optional_text;
using records::row_fields::text_or_null;
using sdk::Result;
using sdk::Status;

namespace {

constexpr std::string_view kBillingMessageTable = "billing_messages";
constexpr std::string_view kMessageColumn = "message_enc";
constexpr const char* kBillingMessageColumns =
    "SELECT id, facility_id, message_id, event, state, claim_id, request_message_id, problem, "
    "received_at, updated_at, replays";

Result<BillingMessage> billing_message_from_row(const storage::Row& row) {
  BillingMessage m;
  WASL_ASSIGN_OR_RETURN(m.id, row.get_text("id"));
  WASL_ASSIGN_OR_RETURN(m.facility_id, row.get_text("facility_id"));
  WASL_ASSIGN_OR_RETURN(m.message_id, row.get_text("message_id"));
  WASL_ASSIGN_OR_RETURN(m.event, row.get_text("event"));
  WASL_ASSIGN_OR_RETURN(std::string state, row.get_text("state"));
  auto parsed = billing_message_state_from(state);
  if (!parsed) {
    return sdk::Error(sdk::ErrorCode::kInternal,
                      "billing message " + m.id + " has an unknown state " + state);
  }
  m.state = *parsed;
  WASL_ASSIGN_OR_RETURN(m.claim_id, optional_text(row, "claim_id"));
  WASL_ASSIGN_OR_RETURN(m.request_message_id, optional_text(row, "request_message_id"));
  WASL_ASSIGN_OR_RETURN(m.problem, optional_text(row, "problem"));
  WASL_ASSIGN_OR_RETURN(m.received_at, row.get_int("received_at"));
  WASL_ASSIGN_OR_RETURN(m.updated_at, row.get_int("updated_at"));
  WASL_ASSIGN_OR_RETURN(m.replays, row.get_int("replays"));
  return m;
}

// The messages of `rows`, in order, without the message.
Result<std::vector<BillingMessage>> from_rows(const storage::Rows& rows) {
  std::vector<BillingMessage> out;
  out.reserve(rows.size());
  for (const auto& row : rows) {
    WASL_ASSIGN_OR_RETURN(BillingMessage m, billing_message_from_row(row));
    out.push_back(std::move(m));
  }
  return out;
}

Status audit_message(const audit::AuditWriter& writer, storage::Transaction& tx,
                     const BillingMessage& m, std::string_view action,
                     const audit::AuditActor& actor, std::int64_t at_ms) {
  audit::AuditEvent event;
  event.occurred_at = at_ms;
  event.actor = actor.actor.empty() ? "system" : actor.actor;
  event.session = actor.session;
  event.facility_id = m.facility_id;
  event.action = std::string(action);
  event.entity_type = "billing_message";
  event.entity_id = m.id;
  event.outcome = std::string(audit::kOutcomeSuccess);
  nlohmann::json detail = {{"event", m.event}, {"state", std::string(to_string(m.state))}};
  if (m.claim_id) detail["claim_id"] = *m.claim_id;
  event.detail = detail.dump();
  WASL_RETURN_IF_ERROR(writer.append(tx, event));
  return {};
}

}  // namespace

std::string_view to_string(BillingMessageState s) {
  switch (s) {
    case BillingMessageState::kRecorded: return "recorded";
    case BillingMessageState::kUnmatched: return "unmatched";
    case BillingMessageState::kUnreadable: return "unreadable";
    case BillingMessageState::kError: return "error";
  }
  return "recorded";
}

std::optional<BillingMessageState> billing_message_state_from(std::string_view text) {
  for (BillingMessageState s : {BillingMessageState::kRecorded, BillingMessageState::kUnmatched,
                                BillingMessageState::kUnreadable, BillingMessageState::kError}) {
    if (to_string(s) == text) return s;
  }
  return std::nullopt;
}

Result<bool> BillingMessageStore::insert(storage::Transaction& tx, const BillingMessage& m,
                                         const audit::AuditActor& actor) const {
  WASL_ASSIGN_OR_RETURN(storage::Rows existing,
                        tx.query("SELECT id FROM billing_messages WHERE facility_id = $1 AND "
                                 "message_id = $2",
                                 {m.facility_id, m.message_id}));
  if (!existing.empty()) return false;
  WASL_ASSIGN_OR_RETURN(std::string enc,
                        cipher_.encrypt(kBillingMessageTable, kMessageColumn, m.id, m.message));
  WASL_RETURN_IF_ERROR(
      tx.exec("INSERT INTO billing_messages (id, facility_id, message_id, event, state, claim_id, "
              "request_message_id, problem, message_enc, received_at, updated_at, replays) "
              "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, 0)",
              {m.id, m.facility_id, m.message_id, m.event, std::string(to_string(m.state)),
               text_or_null(m.claim_id), text_or_null(m.request_message_id),
               text_or_null(m.problem), storage::Blob{std::move(enc)}, m.received_at}));
  WASL_RETURN_IF_ERROR(
      audit_message(audit_, tx, m, "billing.message_received", actor, m.received_at));
  return true;
}

Result<BillingMessage> BillingMessageStore::get(storage::Transaction& tx,
                                                std::string_view facility_id, std::string_view id,
                                                bool with_message) const {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query(std::string(kBillingMessageColumns) +
                   ", message_enc FROM billing_messages WHERE facility_id = $1 AND id = $2",
               {std::string(facility_id), std::string(id)}));
  if (rows.empty()) return not_found("billing message", id);
  WASL_ASSIGN_OR_RETURN(BillingMessage m, billing_message_from_row(rows.front()));
  if (with_message) {
    WASL_ASSIGN_OR_RETURN(std::string enc, rows.front().get_blob("message_enc"));
    WASL_ASSIGN_OR_RETURN(m.message,
                          cipher_.decrypt(kBillingMessageTable, kMessageColumn, m.id, enc));
  }
  return m;
}

Result<std::vector<BillingMessage>> BillingMessageStore::list(storage::Transaction& tx,
                                                              std::string_view facility_id,
                                                              const BillingMessageQuery& q) const {
  std::string sql =
      std::string(kBillingMessageColumns) + " FROM billing_messages WHERE facility_id = $1";
  storage::Params params{std::string(facility_id)};
  if (q.state) {
    params.emplace_back(std::string(to_string(*q.state)));
    sql += " AND state = $" + std::to_string(params.size());
  }
  if (q.after) {
    params.emplace_back(q.after->first);
    const std::string at = "$" + std::to_string(params.size());
    params.emplace_back(q.after->second);
    const std::string id = "$" + std::to_string(params.size());
    sql += " AND (received_at > " + at + " OR (received_at = " + at + " AND id > " + id + "))";
  }
  params.emplace_back(static_cast<std::int64_t>(q.limit));
  sql += " ORDER BY received_at, id LIMIT $" + std::to_string(params.size());
  WASL_ASSIGN_OR_RETURN(storage::Rows rows, tx.query(sql, params));
  return from_rows(rows);
}

Result<std::vector<BillingMessage>> BillingMessageStore::failed(storage::Transaction& tx,
                                                                std::string_view facility_id,
                                                                std::int64_t since_ms,
                                                                std::size_t limit) const {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query(std::string(kBillingMessageColumns) +
                   " FROM billing_messages WHERE facility_id = $1 AND state IN ('error', "
                   "'unreadable') AND received_at >= $2 ORDER BY received_at DESC, id DESC "
                   "LIMIT $3",
               {std::string(facility_id), since_ms, static_cast<std::int64_t>(limit)}));
  return from_rows(rows);
}

Result<std::int64_t> BillingMessageStore::count_failed(storage::Transaction& tx,
                                                       std::string_view facility_id,
                                                       std::int64_t since_ms) {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query("SELECT COUNT(*) FROM billing_messages WHERE facility_id = $1 AND state IN "
               "('error', 'unreadable') AND received_at >= $2",
               {std::string(facility_id), since_ms}));
  if (rows.empty()) return std::int64_t{0};
  return rows.front().get_int(0);
}

Result<std::vector<BillingMessage>> BillingMessageStore::unmatched_answers(
    storage::Transaction& tx, std::string_view facility_id, std::size_t limit) const {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query(std::string(kBillingMessageColumns) +
                   " FROM billing_messages WHERE facility_id = $1 AND state = 'unmatched' AND "
                   "event IN ('claim-response', 'priorauth-response') AND "
                   "request_message_id IS NOT NULL ORDER BY received_at DESC, id DESC LIMIT $2",
               {std::string(facility_id), static_cast<std::int64_t>(limit)}));
  return from_rows(rows);
}

Status BillingMessageStore::settle_replay(storage::Transaction& tx, const BillingMessage& m,
                                          const audit::AuditActor& actor,
                                          std::int64_t now_ms) const {
  WASL_ASSIGN_OR_RETURN(
      std::int64_t changed,
      tx.exec("UPDATE billing_messages SET state = $1, claim_id = $2, problem = $3, "
              "updated_at = $4, replays = replays + 1 WHERE facility_id = $5 AND id = $6",
              {std::string(to_string(m.state)), text_or_null(m.claim_id), text_or_null(m.problem),
               now_ms, m.facility_id, m.id}));
  if (changed == 0) return not_found("billing message", m.id);
  return audit_message(audit_, tx, m, "billing.message_replayed", actor, now_ms);
}

}  // namespace wasl::claims
