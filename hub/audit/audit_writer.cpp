#include "hub/audit/audit_writer.hpp"

#include <chrono>

#include "hub/audit/chain_hash.hpp"
#include "hub/audit/checkpoint.hpp"
#include "hub/audit/head_signature.hpp"

namespace wasl::audit {

using sdk::Error;
using sdk::ErrorCode;

std::int64_t now_epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {

storage::Value optional_value(const std::string& s) {
  if (s.empty()) return storage::null_value();
  return s;
}

}  // namespace

namespace {

std::string derived_head_key(std::string_view audit_key) {
  auto key = head_key(audit_key);
  // HMAC-SHA-256 fails only when OpenSSL cannot allocate; no head can be
  // signed then, and verification reports every head as forged.
  return key.ok() ? std::move(key).value() : std::string();
}

std::string joined_pads(std::string_view head_key) {
  HeadPads pads = head_pads(head_key);
  return pads.inner + pads.outer;
}

}  // namespace

AuditWriter::AuditWriter(storage::Dialect dialect, std::string_view audit_key,
                         AuditWriterOptions options)
    : dialect_(dialect),
      key_(audit_key),
      head_key_(derived_head_key(audit_key)),
      head_pads_(joined_pads(head_key_.view())),
      options_(options) {}

sdk::Result<AuditWriter::Head> AuditWriter::lock_head(storage::Transaction& tx) const {
  // On PostgreSQL (READ COMMITTED) FOR UPDATE waits for a concurrent appender
  // to commit and then returns the row as that commit left it.
  const char* sql = dialect_ == storage::Dialect::kPostgres
                        ? "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE"
                        : "SELECT seq, hash FROM audit_head WHERE id = 1";
  WASL_ASSIGN_OR_RETURN(storage::Rows rows, tx.query(sql));
  if (rows.empty()) {
    return Error(ErrorCode::kFailedPrecondition,
                 "the audit_head row is missing; run `wasl migrate` (and `wasl audit verify` "
                 "if the table was altered by hand)");
  }
  Head head;
  WASL_ASSIGN_OR_RETURN(head.seq, rows[0].get_int(0));
  WASL_ASSIGN_OR_RETURN(head.hash, rows[0].get_text(1));
  return head;
}

sdk::Result<AppendedEvent> AuditWriter::append(storage::Transaction& tx,
                                               const AuditEvent& event) const {
  AuditEvent stamped = event;
  if (stamped.occurred_at == 0) stamped.occurred_at = now_epoch_ms();
  WASL_RETURN_IF_ERROR(validate(stamped));

  Head appended;
  if (dialect_ == storage::Dialect::kPostgres) {
    WASL_ASSIGN_OR_RETURN(appended, append_postgres(tx, stamped));
  } else {
    WASL_ASSIGN_OR_RETURN(appended, append_sqlite(tx, stamped));
  }
  if (options_.checkpoint_every > 0 && appended.seq % options_.checkpoint_every == 0) {
    WASL_RETURN_IF_ERROR(write_checkpoint(tx, appended));
  }
  return AppendedEvent{appended.seq, appended.hash};
}

sdk::Result<AuditWriter::Head> AuditWriter::append_sqlite(storage::Transaction& tx,
                                                          const AuditEvent& event) const {
  // BEGIN IMMEDIATE already holds the database's write lock.
  WASL_ASSIGN_OR_RETURN(Head head, lock_head(tx));
  const std::int64_t seq = head.seq + 1;
  auto hash = chain_hash(head.hash, seq, event);
  if (!hash.ok()) {
    return Error(ErrorCode::kFailedPrecondition,
                 "the audit_head row holds a malformed hash; run `wasl audit verify`");
  }
  WASL_RETURN_IF_ERROR(tx.exec(
      "INSERT INTO audit_events (seq, occurred_at, actor, facility_id, action, entity_type, "
      "entity_id, outcome, request_id, source_address, detail, prev_hash, hash, session_ref) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
      {seq, event.occurred_at, event.actor, optional_value(event.facility_id), event.action,
       optional_value(event.entity_type), optional_value(event.entity_id), event.outcome,
       optional_value(event.request_id), optional_value(event.source_address),
       optional_value(event.detail), head.hash, *hash, optional_value(event.session)}));
  WASL_ASSIGN_OR_RETURN(std::string mac, head_mac(head_key_.view(), seq, *hash));
  WASL_RETURN_IF_ERROR(tx.exec("UPDATE audit_head SET seq = $1, hash = $2, mac = $3 WHERE id = 1",
                               {seq, *hash, mac}));
  return Head{seq, *hash};
}

sdk::Result<AuditWriter::Head> AuditWriter::append_postgres(storage::Transaction& tx,
                                                            const AuditEvent& event) const {
  // One statement, one round trip: lock the head (READ COMMITTED FOR UPDATE
  // waits for a concurrent appender's commit and then sees the row it left),
  // finish the canonical form with the new seq, hash it exactly as
  // chain_hash() does, insert the event and move the head, signing it as
  // head_mac() does (HMAC from its pads: SHA-256(outer || SHA-256(inner || m))).
  static constexpr std::string_view kAppend =
      "WITH head AS ("
      "  SELECT seq + 1 AS seq, hash AS prev FROM audit_head WHERE id = 1 FOR UPDATE),"
      " chained AS ("
      "  SELECT seq, prev, encode(sha256(decode(prev, 'hex') || convert_to("
      "    'wasl.audit.v1' || chr(10) || length(seq::text) || ':' || seq::text || chr(10),"
      "    'UTF8') || $11::bytea), 'hex') AS hash FROM head),"
      " appended AS ("
      "  INSERT INTO audit_events (seq, occurred_at, actor, facility_id, action, entity_type,"
      "    entity_id, outcome, request_id, source_address, detail, prev_hash, hash, session_ref)"
      "  SELECT seq, $1::bigint, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text,"
      "    $8::text, $9::text, $10::text, prev, hash, $14::text FROM chained"
      "  RETURNING seq, hash)"
      " UPDATE audit_head SET seq = appended.seq, hash = appended.hash,"
      "  mac = encode(sha256($13::bytea || sha256($12::bytea || convert_to("
      "    'wasl.audit.head.v1' || chr(10) || appended.seq::text || chr(10) || appended.hash"
      "    || chr(10), 'UTF8'))), 'hex')"
      " FROM appended"
      " WHERE audit_head.id = 1 RETURNING audit_head.seq, audit_head.hash";
  WASL_ASSIGN_OR_RETURN(
      storage::Rows rows,
      tx.query(kAppend,
               {event.occurred_at, event.actor, optional_value(event.facility_id), event.action,
                optional_value(event.entity_type), optional_value(event.entity_id), event.outcome,
                optional_value(event.request_id), optional_value(event.source_address),
                optional_value(event.detail), storage::Blob{canonical_tail(event)},
                storage::Blob{head_pads_.substr(0, 64)}, storage::Blob{head_pads_.substr(64)},
                optional_value(event.session)}));
  if (rows.empty()) {
    return Error(ErrorCode::kFailedPrecondition,
                 "the audit_head row is missing; run `wasl migrate` (and `wasl audit verify` "
                 "if the table was altered by hand)");
  }
  Head head;
  WASL_ASSIGN_OR_RETURN(head.seq, rows[0].get_int(0));
  WASL_ASSIGN_OR_RETURN(head.hash, rows[0].get_text(1));
  return head;
}

sdk::Status AuditWriter::write_checkpoint(storage::Transaction& tx, const Head& head) const {
  const std::int64_t created_at = now_epoch_ms();
  WASL_ASSIGN_OR_RETURN(std::string mac,
                        checkpoint_mac(key_.view(), head.seq, head.hash, created_at));
  WASL_RETURN_IF_ERROR(tx.exec(
      "INSERT INTO audit_checkpoints (seq, head_hash, mac, created_at) VALUES ($1, $2, $3, $4)",
      {head.seq, head.hash, mac, created_at}));
  return sdk::ok_status();
}

sdk::Result<bool> AuditWriter::sign_unsigned_head(storage::Transaction& tx) const {
  WASL_ASSIGN_OR_RETURN(Head head, lock_head(tx));
  if (head.seq == 0) return false;
  WASL_ASSIGN_OR_RETURN(storage::Rows rows, tx.query("SELECT mac FROM audit_head WHERE id = 1"));
  if (rows.empty() || !rows[0].is_null(0)) return false;
  WASL_ASSIGN_OR_RETURN(std::string mac, head_mac(head_key_.view(), head.seq, head.hash));
  WASL_RETURN_IF_ERROR(tx.exec("UPDATE audit_head SET mac = $1 WHERE id = 1", {mac}));
  return true;
}

sdk::Result<std::optional<std::int64_t>> AuditWriter::checkpoint(storage::Transaction& tx) const {
  WASL_ASSIGN_OR_RETURN(Head head, lock_head(tx));
  if (head.seq == 0) return std::optional<std::int64_t>();
  WASL_ASSIGN_OR_RETURN(storage::Rows existing,
                        tx.query("SELECT seq FROM audit_checkpoints WHERE seq = $1", {head.seq}));
  if (existing.empty()) WASL_RETURN_IF_ERROR(write_checkpoint(tx, head));
  return std::optional<std::int64_t>(head.seq);
}

}  // namespace wasl::audit
