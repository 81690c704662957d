#include "hub/notifications/outbox_store.hpp"

#include <nlohmann/json.hpp>

#include "hub/crypto/blind_index.hpp"
#include "hub/notifications/message_kind.hpp"
#include "hub/records/row_fields.hpp"

namespace wasl::notifications {
namespace {

using records::row_fields::optional_int;
using records::row_fields::optional_text;
using sdk::Result;
using sdk::Status;

constexpr std::string_view kTable = "notification_outbox";
constexpr std::string_view kRecipientColumn = "recipient_enc";
constexpr std::string_view kMessageColumn = "message_enc";

constexpr const char* kColumns =
    "SELECT id, facility_id, consultation_id, kind, channel, occurrence, state, reason, due_at, "
    "instance, language, CASE WHEN message_enc IS NULL THEN 0 ELSE 1 END AS prepared, attempts, "
    "last_error, lease_owner, lease_expires_at, provider_id, created_at, updated_at, sent_at, "
    "settled_at FROM notification_outbox ";

Result<OutboxRow> from_row(const storage::Row& row) {
  OutboxRow r;
  WASL_ASSIGN_OR_RETURN(r.id, row.get_text("id"));
  WASL_ASSIGN_OR_RETURN(r.facility_id, row.get_text("facility_id"));
  WASL_ASSIGN_OR_RETURN(r.consultation_id, row.get_text("consultation_id"));
  WASL_ASSIGN_OR_RETURN(r.kind, row.get_text("kind"));
  WASL_ASSIGN_OR_RETURN(r.channel, row.get_text("channel"));
  WASL_ASSIGN_OR_RETURN(r.occurrence, row.get_text("occurrence"));
  WASL_ASSIGN_OR_RETURN(r.state, row.get_text("state"));
  WASL_ASSIGN_OR_RETURN(r.reason, optional_text(row, "reason"));
  WASL_ASSIGN_OR_RETURN(r.due_at, row.get_int("due_at"));
  WASL_ASSIGN_OR_RETURN(r.instance, optional_text(row, "instance"));
  WASL_ASSIGN_OR_RETURN(r.language, optional_text(row, "language"));
  WASL_ASSIGN_OR_RETURN(std::int64_t prepared, row.get_int("prepared"));
  r.prepared = prepared != 0;
  WASL_ASSIGN_OR_RETURN(r.attempts, row.get_int("attempts"));
  WASL_ASSIGN_OR_RETURN(r.last_error, optional_text(row, "last_error"));
  WASL_ASSIGN_OR_RETURN(r.lease_owner, optional_text(row, "lease_owner"));
  WASL_ASSIGN_OR_RETURN(r.lease_expires_at, optional_int(row, "lease_expires_at"));
  WASL_ASSIGN_OR_RETURN(r.provider_id, optional_text(row, "provider_id"));
  WASL_ASSIGN_OR_RETURN(r.created_at, row.get_int("created_at"));
  WASL_ASSIGN_OR_RETURN(r.updated_at, row.get_int("updated_at"));
  WASL_ASSIGN_OR_RETURN(r.sent_at, optional_int(row, "sent_at"));
  WASL_ASSIGN_OR_RETURN(r.settled_at, optional_int(row, "settled_at"));
  return r;
}

Result<std::vector<OutboxRow>> rows_of(const storage::Rows& rows) {
  std::vector<OutboxRow> out;
  out.reserve(rows.size());
  for (const auto& row : rows) {
    WASL_ASSIGN_OR_RETURN(OutboxRow r, from_row(row));
    out.push_back(std::move(r));
  }
  return out;
}

std::string str(std::string_view s) { return std::string(s); }

}  // namespace

Result<bool> OutboxStore::queue(storage::Transaction& tx, const QueuedMessage& m) {
  WASL_ASSIGN_OR_RETURN(
      std::int64_t inserted,
      tx.exec("INSERT INTO notification_outbox (id, facility_id, consultation_id, kind, channel, "
              "occurrence, state, due_at, attempts, created_at, updated_at) "
              "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $9) "
              "ON CONFLICT (facility_id, consultation_id, kind, channel, occurrence) DO NOTHING",
              {m.id, m.facility_id, m.consultation_id, m.kind, m.channel, m.occurrence,
               str(kScheduled), m.due_at, m.now_ms}));
  return inserted > 0;
}

Result<std::vector<OutboxRow>> OutboxStore::of_consultation(storage::Transaction& tx,
                                                            std::string_view facility_id,
                                                            std::string_view consultation_id) {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query(std::string(kColumns) + "WHERE facility_id = $1 AND consultation_id = $2 "
                                       "ORDER BY created_at, due_at, kind, channel, occurrence",
               {str(facility_id), str(consultation_id)}));
  return rows_of(rows);
}

Result<std::optional<OutboxRow>> OutboxStore::get(storage::Transaction& tx,
                                                  std::string_view facility_id,
                                                  std::string_view id) {
  WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                        tx.query(std::string(kColumns) + "WHERE facility_id = $1 AND id = $2",
                                 {str(facility_id), str(id)}));
  if (rows.empty()) return std::optional<OutboxRow>();
  WASL_ASSIGN_OR_RETURN(OutboxRow r, from_row(rows.front()));
  return std::optional<OutboxRow>(std::move(r));
}

Result<std::vector<DueRow>> OutboxStore::due(storage::Transaction& tx, std::int64_t now_ms,
                                             int limit) {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query("SELECT id, facility_id FROM notification_outbox "
               "WHERE (state = $1 AND due_at <= $3) OR (state = $2 AND lease_expires_at <= $3) "
               "ORDER BY due_at, id LIMIT $4",
               {str(kScheduled), str(kSending), now_ms, static_cast<std::int64_t>(limit)}));
  std::vector<DueRow> out;
  for (const auto& row : rows) {
    DueRow d;
    WASL_ASSIGN_OR_RETURN(d.id, row.get_text("id"));
    WASL_ASSIGN_OR_RETURN(d.facility_id, row.get_text("facility_id"));
    out.push_back(std::move(d));
  }
  return out;
}

Result<bool> OutboxStore::claim(storage::Transaction& tx, const DueRow& row,
                                const std::string& holder, std::int64_t now_ms,
                                std::int64_t until_ms) {
  WASL_ASSIGN_OR_RETURN(
      std::int64_t changed,
      tx.exec("UPDATE notification_outbox SET lease_owner = $1, lease_expires_at = $2, "
              "updated_at = $3 WHERE id = $4 AND facility_id = $5 AND "
              "((state = $6 AND due_at <= $3) OR (state = $7 AND lease_expires_at <= $3))",
              {holder, until_ms, now_ms, row.id, row.facility_id, str(kScheduled), str(kSending)}));
  return changed > 0;
}

Status OutboxStore::prepare(storage::Transaction& tx, const DueRow& row,
                            const PreparedMessage& message, std::int64_t now_ms) const {
  WASL_ASSIGN_OR_RETURN(std::string recipient_enc,
                        cipher_.encrypt(kTable, kRecipientColumn, row.id, message.recipient));
  const nlohmann::json text = {{"subject", message.text.subject}, {"body", message.text.body}};
  WASL_ASSIGN_OR_RETURN(std::string message_enc,
                        cipher_.encrypt(kTable, kMessageColumn, row.id, text.dump()));
  storage::Value index = storage::null_value();
  const auto kind =
      message.channel == kSms ? crypto::IdentifierKind::kPhone : crypto::IdentifierKind::kEmail;
  if (auto computed = cipher_.blind_index(kind, message.recipient); computed.ok()) {
    index = std::move(computed).value();
  }
  WASL_RETURN_IF_ERROR(tx.exec(
      "UPDATE notification_outbox SET instance = $1, language = $2, recipient_enc = $3, "
      "recipient_index = $4, message_enc = $5, updated_at = $6 "
      "WHERE id = $7 AND facility_id = $8",
      {message.instance, message.language, storage::Blob{std::move(recipient_enc)},
       std::move(index), storage::Blob{std::move(message_enc)}, now_ms, row.id, row.facility_id}));
  return {};
}

Result<PreparedMessage> OutboxStore::prepared(storage::Transaction& tx, const DueRow& row) const {
  WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                        tx.query("SELECT channel, instance, language, recipient_enc, message_enc "
                                 "FROM notification_outbox "
                                 "WHERE id = $1 AND facility_id = $2",
                                 {row.id, row.facility_id}));
  if (rows.empty() || rows.front().is_null("message_enc") ||
      rows.front().is_null("recipient_enc")) {
    return sdk::Error(sdk::ErrorCode::kFailedPrecondition,
                      "notification " + row.id + " has no prepared message", false);
  }
  const storage::Row& r = rows.front();
  PreparedMessage out;
  WASL_ASSIGN_OR_RETURN(out.channel, r.get_text("channel"));
  WASL_ASSIGN_OR_RETURN(out.instance, r.get_text("instance"));
  WASL_ASSIGN_OR_RETURN(out.language, r.get_text("language"));
  WASL_ASSIGN_OR_RETURN(std::string recipient_enc, r.get_blob("recipient_enc"));
  WASL_ASSIGN_OR_RETURN(out.recipient,
                        cipher_.decrypt(kTable, kRecipientColumn, row.id, recipient_enc));
  WASL_ASSIGN_OR_RETURN(std::string message_enc, r.get_blob("message_enc"));
  WASL_ASSIGN_OR_RETURN(std::string message,
                        cipher_.decrypt(kTable, kMessageColumn, row.id, message_enc));
  auto text = nlohmann::json::parse(message, nullptr, false);
  if (!text.is_object()) {
    return sdk::Error(sdk::ErrorCode::kInternal,
                      "notification " + row.id + " holds an unreadable message", false);
  }
  out.text.subject = text.value("subject", std::string());
  out.text.body = text.value("body", std::string());
  return out;
}

Status OutboxStore::mark_sending(storage::Transaction& tx, const DueRow& row, std::int64_t now_ms) {
  WASL_RETURN_IF_ERROR(
      tx.exec("UPDATE notification_outbox SET state = $1, attempts = attempts + 1, updated_at = $2 "
              "WHERE id = $3 AND facility_id = $4",
              {str(kSending), now_ms, row.id, row.facility_id}));
  return {};
}

Status OutboxStore::defer(storage::Transaction& tx, const DueRow& row, std::int64_t due_at,
                          std::int64_t now_ms) {
  WASL_RETURN_IF_ERROR(
      tx.exec("UPDATE notification_outbox SET state = $1, due_at = $2, lease_owner = NULL, "
              "lease_expires_at = NULL, updated_at = $3 WHERE id = $4 AND facility_id = $5",
              {str(kScheduled), due_at, now_ms, row.id, row.facility_id}));
  return {};
}

Status OutboxStore::settle(storage::Transaction& tx, const DueRow& row, std::string_view state,
                           std::string_view reason, std::int64_t now_ms) {
  WASL_RETURN_IF_ERROR(
      tx.exec("UPDATE notification_outbox SET state = $1, reason = $2, lease_owner = NULL, "
              "lease_expires_at = NULL, settled_at = $3, updated_at = $3 WHERE id = $4 AND "
              "facility_id = $5",
              {str(state), str(reason), now_ms, row.id, row.facility_id}));
  return {};
}

Result<bool> OutboxStore::record_sent(storage::Transaction& tx, const DueRow& row,
                                      const std::string& holder, const std::string& provider_id,
                                      bool delivered, std::int64_t now_ms) {
  WASL_ASSIGN_OR_RETURN(
      std::int64_t changed,
      tx.exec("UPDATE notification_outbox SET state = $1, provider_id = $2, sent_at = $3, "
              "settled_at = $4, last_error = NULL, lease_owner = NULL, lease_expires_at = NULL, "
              "updated_at = $3 WHERE id = $5 AND facility_id = $6 AND state = $7 AND "
              "lease_owner = $8",
              {str(delivered ? kDelivered : kSent), provider_id, now_ms,
               delivered ? storage::Value(now_ms) : storage::null_value(), row.id, row.facility_id,
               str(kSending), holder}));
  return changed > 0;
}

Result<bool> OutboxStore::record_retry(storage::Transaction& tx, const DueRow& row,
                                       const std::string& holder, std::string_view error_code,
                                       std::int64_t due_at, std::int64_t now_ms) {
  WASL_ASSIGN_OR_RETURN(
      std::int64_t changed,
      tx.exec("UPDATE notification_outbox SET state = $1, due_at = $2, last_error = $3, "
              "lease_owner = NULL, lease_expires_at = NULL, updated_at = $4 "
              "WHERE id = $5 AND facility_id = $6 AND state = $7 AND lease_owner = $8",
              {str(kScheduled), due_at, str(error_code), now_ms, row.id, row.facility_id,
               str(kSending), holder}));
  return changed > 0;
}

Result<bool> OutboxStore::record_failure(storage::Transaction& tx, const DueRow& row,
                                         const std::string& holder, std::string_view error_code,
                                         std::int64_t now_ms) {
  WASL_ASSIGN_OR_RETURN(
      std::int64_t changed,
      tx.exec("UPDATE notification_outbox SET state = $1, reason = $2, last_error = $3, "
              "lease_owner = NULL, lease_expires_at = NULL, settled_at = $4, updated_at = $4 "
              "WHERE id = $5 AND facility_id = $6 AND state = $7 AND lease_owner = $8",
              {str(kFailed), str(kSendFailed), str(error_code), now_ms, row.id, row.facility_id,
               str(kSending), holder}));
  return changed > 0;
}

Result<std::optional<OutboxRow>> OutboxStore::by_provider_id(storage::Transaction& tx,
                                                             std::string_view facility_id,
                                                             std::string_view instance,
                                                             std::string_view provider_id) {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query(std::string(kColumns) + "WHERE instance = $1 AND provider_id = $2 AND "
                                       "facility_id = $3",
               {str(instance), str(provider_id), str(facility_id)}));
  if (rows.empty()) return std::optional<OutboxRow>();
  WASL_ASSIGN_OR_RETURN(OutboxRow r, from_row(rows.front()));
  return std::optional<OutboxRow>(std::move(r));
}

Result<bool> OutboxStore::any_sending(storage::Transaction& tx, std::string_view facility_id,
                                      std::string_view instance) {
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query("SELECT id FROM notification_outbox WHERE facility_id = $2 AND "
               "instance = $3 AND (state = $1 OR (state = $4 AND attempts > 0)) "
               "LIMIT 1",
               {str(kSending), str(facility_id), str(instance), str(kScheduled)}));
  return !rows.empty();
}

Result<bool> OutboxStore::record_receipt(storage::Transaction& tx, std::string_view facility_id,
                                         std::string_view id, std::string_view state,
                                         std::optional<std::string_view> reason,
                                         std::int64_t now_ms) {
  WASL_ASSIGN_OR_RETURN(
      std::int64_t changed,
      tx.exec("UPDATE notification_outbox SET state = $1, reason = $2, settled_at = $3, "
              "updated_at = $3 WHERE id = $4 AND facility_id = $5 AND state = $6",
              {str(state), reason ? storage::Value(str(*reason)) : storage::null_value(), now_ms,
               str(id), str(facility_id), str(kSent)}));
  return changed > 0;
}

Result<std::int64_t> OutboxStore::move_scheduled(storage::Transaction& tx,
                                                 std::string_view facility_id,
                                                 std::string_view consultation_id,
                                                 std::string_view kind, std::int64_t due_at,
                                                 std::int64_t now_ms) {
  return tx.exec(
      "UPDATE notification_outbox SET due_at = $1, updated_at = $2 WHERE facility_id = $3 AND "
      "consultation_id = $4 AND kind = $5 AND state = $6",
      {due_at, now_ms, str(facility_id), str(consultation_id), str(kind), str(kScheduled)});
}

Result<std::int64_t> OutboxStore::cancel_scheduled(storage::Transaction& tx,
                                                   std::string_view facility_id,
                                                   std::string_view consultation_id,
                                                   const KindFilter& filter,
                                                   std::string_view reason, std::int64_t now_ms) {
  std::string sql =
      "UPDATE notification_outbox SET state = $1, reason = $2, settled_at = $3, updated_at = $3 "
      "WHERE facility_id = $4 AND consultation_id = $5 AND state = $6";
  storage::Params params{str(kCancelled),  str(reason),          now_ms,
                         str(facility_id), str(consultation_id), str(kScheduled)};
  if (filter.only) {
    params.push_back(str(*filter.only));
    sql += " AND kind = $" + std::to_string(params.size());
  }
  if (filter.except) {
    params.push_back(str(*filter.except));
    sql += " AND kind <> $" + std::to_string(params.size());
  }
  return tx.exec(sql, params);
}

Result<bool> OutboxStore::patient_told(storage::Transaction& tx, std::string_view facility_id,
                                       std::string_view consultation_id) {
  WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                        tx.query("SELECT id FROM notification_outbox WHERE facility_id = $1 AND "
                                 "consultation_id = $2 AND state IN ($3, $4, $5) LIMIT 1",
                                 {str(facility_id), str(consultation_id), str(kSending), str(kSent),
                                  str(kDelivered)}));
  return !rows.empty();
}

}  // namespace wasl::notifications
