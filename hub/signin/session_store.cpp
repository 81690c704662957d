#include "hub/signin/session_store.hpp"

#include <nlohmann/json.hpp>

#include "hub/crypto/digest.hpp"
#include "hub/crypto/hex.hpp"
#include "hub/crypto/hmac.hpp"
#include "hub/crypto/random.hpp"
#include "wasl/sdk/base64.hpp"

namespace wasl::signin {
namespace {

constexpr std::string_view kSessionTable = "signin_sessions";
constexpr std::string_view kColumns =
    "id_hash, session_ref, facility_id, role, person_id, key_id, practitioner, provider, "
    "idp_session_id, csrf_hash, created_at, last_seen_at, expires_at, ended_at, end_reason";

sdk::Error invalid(std::string message) {
  return sdk::Error(sdk::ErrorCode::kInvalidArgument, std::move(message), false);
}

storage::Value text_or_null(const std::string& text) {
  if (text.empty()) return storage::null_value();
  return text;
}

sdk::Result<std::string> optional_text(const storage::Row& row, std::size_t i) {
  if (row.is_null(i)) return std::string();
  return row.get_text(i);
}

sdk::Result<Session> session_of(const storage::Row& row) {
  Session s;
  WASL_ASSIGN_OR_RETURN(s.id_hash, row.get_text(0));
  WASL_ASSIGN_OR_RETURN(s.session_ref, row.get_text(1));
  WASL_ASSIGN_OR_RETURN(s.facility_id, row.get_text(2));
  WASL_ASSIGN_OR_RETURN(std::string role, row.get_text(3));
  auto parsed = access::parse_role(role);
  if (!parsed) {
    return sdk::Error(sdk::ErrorCode::kInternal,
                      "session " + s.session_ref + " holds an unknown role", false);
  }
  s.role = *parsed;
  WASL_ASSIGN_OR_RETURN(s.person_id, optional_text(row, 4));
  WASL_ASSIGN_OR_RETURN(s.key_id, optional_text(row, 5));
  WASL_ASSIGN_OR_RETURN(std::string practitioner, optional_text(row, 6));
  if (!practitioner.empty()) s.practitioner = practitioner;
  WASL_ASSIGN_OR_RETURN(s.provider, optional_text(row, 7));
  WASL_ASSIGN_OR_RETURN(s.idp_session_id, optional_text(row, 8));
  WASL_ASSIGN_OR_RETURN(s.csrf_hash, row.get_text(9));
  WASL_ASSIGN_OR_RETURN(s.created_at, row.get_int(10));
  WASL_ASSIGN_OR_RETURN(s.last_seen_at, row.get_int(11));
  WASL_ASSIGN_OR_RETURN(s.expires_at, row.get_int(12));
  if (!row.is_null(13)) {
    WASL_ASSIGN_OR_RETURN(std::int64_t ended, row.get_int(13));
    s.ended_at = ended;
  }
  WASL_ASSIGN_OR_RETURN(s.end_reason, optional_text(row, 14));
  return s;
}

std::string event_detail(const Session& session, std::string_view reason) {
  nlohmann::json detail = {{"role", std::string(access::to_string(session.role))}};
  if (!session.provider.empty()) detail["provider"] = session.provider;
  if (!reason.empty()) detail["reason"] = std::string(reason);
  return detail.dump();
}

audit::AuditEvent session_event(const Session& session, std::string action, std::int64_t now_ms,
                                const AuditContext& origin) {
  audit::AuditEvent event;
  event.occurred_at = now_ms;
  event.actor = session.actor();
  event.facility_id = session.facility_id;
  event.action = std::move(action);
  event.entity_type = "session";
  event.entity_id = session.session_ref;
  event.outcome = std::string(audit::kOutcomeSuccess);
  event.request_id = origin.request_id;
  event.source_address = origin.source_address;
  return event;
}

}  // namespace

std::string_view to_string(EndReason reason) {
  switch (reason) {
    case EndReason::kLogout: return "logout";
    case EndReason::kIdle: return "idle";
    case EndReason::kExpired: return "expired";
    case EndReason::kBackchannel: return "backchannel";
    case EndReason::kKeyRevoked: return "key_revoked";
  }
  return "logout";
}

std::string Session::actor() const {
  return person_id.empty() ? "apikey:" + key_id : "person:" + person_id;
}

std::string SessionStore::csrf_token_of(std::string_view cookie_value) {
  auto mac = crypto::hmac_sha256(cookie_value, "wasl.session.csrf.v1");
  // HMAC-SHA-256 fails only when OpenSSL cannot run at all; no token then
  // matches (csrf_matches refuses an empty one).
  if (!mac.ok()) return std::string();
  return sdk::base64url_encode(*mac);
}

bool SessionStore::csrf_matches(const Session& session, std::string_view presented) {
  if (presented.empty() || session.csrf_hash.empty()) return false;
  return crypto::constant_time_equal(crypto::sha256_hex(presented), session.csrf_hash);
}

sdk::Result<NewSession> SessionStore::create(storage::Transaction& tx, const SessionGrant& grant,
                                             std::int64_t now_ms,
                                             const AuditContext& origin) const {
  if (grant.facility_id.empty()) return invalid("a session needs a facility");
  if (grant.person_id.empty() == grant.key_id.empty()) {
    return invalid("a session belongs to a person or to an API key, not both or neither");
  }
  WASL_ASSIGN_OR_RETURN(std::string value_bytes, crypto::random_bytes(32));
  WASL_ASSIGN_OR_RETURN(std::string ref_bytes, crypto::random_bytes(12));
  NewSession made;
  made.cookie_value = sdk::base64url_encode(value_bytes);
  made.csrf_token = csrf_token_of(made.cookie_value);
  if (made.csrf_token.empty()) {
    return sdk::Error(sdk::ErrorCode::kInternal, "the session's CSRF token cannot be made", true);
  }
  made.session_ref = "ses_" + crypto::to_hex(ref_bytes);
  made.expires_at = now_ms + options_.absolute_lifetime.count();

  Session session;
  session.id_hash = crypto::sha256_hex(made.cookie_value);
  session.session_ref = made.session_ref;
  session.facility_id = grant.facility_id;
  session.role = grant.role;
  session.practitioner = grant.practitioner;
  session.person_id = grant.person_id;
  session.key_id = grant.key_id;
  session.provider = grant.provider;
  session.idp_session_id = grant.idp_session_id;
  session.csrf_hash = crypto::sha256_hex(made.csrf_token);

  storage::Value id_token = storage::null_value();
  if (!grant.id_token.empty()) {
    WASL_ASSIGN_OR_RETURN(std::string enc, cipher_.encrypt(kSessionTable, "id_token_enc",
                                                           session.id_hash, grant.id_token));
    id_token = storage::Blob{std::move(enc)};
  }
  WASL_RETURN_IF_ERROR(tx.exec(
      "INSERT INTO signin_sessions (id_hash, session_ref, facility_id, role, person_id, key_id, "
      "practitioner, provider, idp_session_id, csrf_hash, id_token_enc, created_at, "
      "last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, "
      "$13)",
      {session.id_hash, session.session_ref, session.facility_id,
       std::string(access::to_string(session.role)), text_or_null(session.person_id),
       text_or_null(session.key_id), text_or_null(session.practitioner.value_or("")),
       text_or_null(session.provider), text_or_null(session.idp_session_id), session.csrf_hash,
       id_token, now_ms, made.expires_at}));
  audit::AuditEvent event = session_event(session, "session.created", now_ms, origin);
  event.detail = event_detail(session, "");
  WASL_RETURN_IF_ERROR(audit_.append(tx, event));
  return made;
}

sdk::Result<SessionCheck> SessionStore::authenticate(storage::Transaction& tx,
                                                     std::string_view cookie_value,
                                                     std::int64_t now_ms) const {
  SessionCheck check;
  if (cookie_value.empty() || cookie_value.size() > 128) {
    check.refusal = "unknown";
    return check;
  }
  WASL_ASSIGN_OR_RETURN(storage::Rows rows, tx.query("SELECT " + std::string(kColumns) +
                                                         " FROM signin_sessions WHERE id_hash = $1",
                                                     {crypto::sha256_hex(cookie_value)}));
  if (rows.empty()) {
    check.refusal = "unknown";
    return check;
  }
  WASL_ASSIGN_OR_RETURN(Session session, session_of(rows.front()));
  if (session.ended_at) {
    check.refusal = "ended";
    return check;
  }
  std::optional<EndReason> lapsed;
  if (now_ms >= session.expires_at) {
    lapsed = EndReason::kExpired;
  } else if (now_ms - session.last_seen_at >= options_.idle_timeout.count()) {
    lapsed = EndReason::kIdle;
  }
  if (lapsed) {
    WASL_RETURN_IF_ERROR(end(tx, session, *lapsed, now_ms));
    check.refusal = std::string(to_string(*lapsed));
    return check;
  }
  if (now_ms - session.last_seen_at >= options_.touch_interval.count()) {
    WASL_RETURN_IF_ERROR(tx.exec(
        "UPDATE signin_sessions SET last_seen_at = $1 WHERE id_hash = $2 AND facility_id = $3 "
        "AND ended_at IS NULL",
        {now_ms, session.id_hash, session.facility_id}));
    session.last_seen_at = now_ms;
  }
  check.session = std::move(session);
  return check;
}

sdk::Status SessionStore::audit_end(storage::Transaction& tx, const Session& session,
                                    std::string_view reason, std::int64_t now_ms,
                                    const AuditContext& origin) const {
  audit::AuditEvent event = session_event(session, "session.ended", now_ms, origin);
  event.detail = event_detail(session, reason);
  WASL_RETURN_IF_ERROR(audit_.append(tx, event));
  return sdk::ok_status();
}

sdk::Result<bool> SessionStore::end(storage::Transaction& tx, const Session& session,
                                    EndReason reason, std::int64_t now_ms,
                                    const AuditContext& origin) const {
  WASL_ASSIGN_OR_RETURN(
      std::int64_t changed,
      tx.exec("UPDATE signin_sessions SET ended_at = $1, end_reason = $2 WHERE id_hash = $3 AND "
              "facility_id = $4 AND ended_at IS NULL",
              {now_ms, std::string(to_string(reason)), session.id_hash, session.facility_id}));
  if (changed == 0) return false;
  WASL_RETURN_IF_ERROR(audit_end(tx, session, to_string(reason), now_ms, origin));
  return true;
}

sdk::Result<int> SessionStore::end_where(storage::Transaction& tx, const std::string& where,
                                         const storage::Params& params, EndReason reason,
                                         std::int64_t now_ms, const AuditContext& origin) const {
  WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                        tx.query("SELECT " + std::string(kColumns) +
                                     " FROM signin_sessions WHERE ended_at IS NULL AND " + where,
                                 params));
  int ended = 0;
  for (const auto& row : rows) {
    WASL_ASSIGN_OR_RETURN(Session session, session_of(row));
    WASL_ASSIGN_OR_RETURN(bool done, end(tx, session, reason, now_ms, origin));
    if (done) ++ended;
  }
  return ended;
}

sdk::Result<bool> SessionStore::end_by_ref(storage::Transaction& tx, std::string_view facility_id,
                                           std::string_view session_ref, EndReason reason,
                                           std::int64_t now_ms, const AuditContext& origin) const {
  WASL_ASSIGN_OR_RETURN(int ended, end_where(tx, "facility_id = $1 AND session_ref = $2",
                                             {std::string(facility_id), std::string(session_ref)},
                                             reason, now_ms, origin));
  return ended > 0;
}

sdk::Result<int> SessionStore::end_by_idp_session(storage::Transaction& tx,
                                                  std::string_view provider,
                                                  std::string_view idp_session_id,
                                                  std::string_view person_id, std::int64_t now_ms,
                                                  const AuditContext& origin) const {
  if (provider.empty()) return invalid("the identity provider's logout names no provider");
  if (!idp_session_id.empty()) {
    return end_where(tx, "provider = $1 AND idp_session_id = $2",
                     {std::string(provider), std::string(idp_session_id)}, EndReason::kBackchannel,
                     now_ms, origin);
  }
  if (person_id.empty()) return invalid("the identity provider's logout names no session");
  return end_where(tx, "provider = $1 AND person_id = $2",
                   {std::string(provider), std::string(person_id)}, EndReason::kBackchannel, now_ms,
                   origin);
}

sdk::Result<int> SessionStore::end_for_key(storage::Transaction& tx, std::string_view facility_id,
                                           std::string_view key_id, std::int64_t now_ms,
                                           const AuditContext& origin) const {
  return end_where(tx, "facility_id = $1 AND key_id = $2",
                   {std::string(facility_id), std::string(key_id)}, EndReason::kKeyRevoked, now_ms,
                   origin);
}

sdk::Result<std::int64_t> SessionStore::purge_ended(storage::Transaction& tx, std::int64_t now_ms,
                                                    int limit) const {
  if (limit < 1) return invalid("a purge batch deletes at least one session");
  // A session's end: ended_at, or for one never seen again after it lapsed,
  // the earlier of expires_at and last_seen_at + idle_timeout.
  const std::int64_t cutoff = now_ms - options_.keep_ended.count();
  return tx.exec(
      "DELETE FROM signin_sessions WHERE id_hash IN (SELECT id_hash FROM signin_sessions WHERE "
      "(ended_at IS NOT NULL AND ended_at < $1) OR (ended_at IS NULL AND (expires_at < $1 OR "
      "last_seen_at < $2)) LIMIT " +
          std::to_string(limit) + ")",
      {cutoff, cutoff - options_.idle_timeout.count()});
}

sdk::Result<std::int64_t> SessionStore::purge_ended(storage::Store& store, std::int64_t now_ms,
                                                    int batch, int max_batches) const {
  std::int64_t purged = 0;
  for (int i = 0; i < max_batches; ++i) {
    WASL_ASSIGN_OR_RETURN(auto tx, store.begin(storage::TxMode::kReadWrite));
    WASL_ASSIGN_OR_RETURN(std::int64_t deleted, purge_ended(*tx, now_ms, batch));
    WASL_RETURN_IF_ERROR(tx->commit());
    purged += deleted;
    if (deleted < batch) break;
  }
  return purged;
}

sdk::Result<std::string> SessionStore::id_token(storage::Transaction& tx,
                                                const Session& session) const {
  WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                        tx.query("SELECT id_token_enc FROM signin_sessions WHERE id_hash = $1 AND "
                                 "facility_id = $2",
                                 {session.id_hash, session.facility_id}));
  if (rows.empty() || rows.front().is_null(0)) return std::string();
  WASL_ASSIGN_OR_RETURN(std::string enc, rows.front().get_blob(0));
  return cipher_.decrypt(kSessionTable, "id_token_enc", session.id_hash, enc);
}

}  // namespace wasl::signin
