// SessionStore: console sessions (signin_sessions), a signed-in person's or
// an operator's who exchanged an API key for one.
//
// The cookie's value is 32 random bytes, base64url; only its SHA-256 hex is
// stored (id_hash), so a copy of the database opens no session. The CSRF
// token is derived from the cookie's value (csrf_token_of: HMAC-SHA-256 of a
// fixed label under the value), so whoever holds the cookie can be told it
// again (GET /v1/session) while only its SHA-256 hex is stored; a page of
// another origin, which cannot read the cookie, cannot know it.
//
// A session ends once, with its reason: logout, idle (no request for
// idle_timeout), expired (absolute_lifetime after it began), backchannel
// (the identity provider's logout), key_revoked (its API key was revoked or
// its facility suspended). Every session made or ended writes its audit
// event (session.created / session.ended; actor the person or key; detail:
// provider, role, reason; never a name) in the caller's transaction, which
// the caller commits, also when authenticate() refuses a session it has
// just ended. last_seen_at is written at most once per touch_interval.
//
// An ended session's row is kept keep_ended past its end, so the audit
// trail's session_ref can still be looked up for a while, and is then
// deleted by purge_ended() (the audit events keep the bare reference). A
// session nobody used again after it lapsed counts as ended when it lapsed.
//
// Every statement but the cookie's lookup (the cookie names the row), the
// identity provider's logout (which names the provider's session) and the
// purge (a sweep over every facility's ended rows, as the other sign-in
// stores' purges) carries the facility. Thread-safe: holds borrowed
// services and settings.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "hub/access/role.hpp"
#include "hub/audit/audit_writer.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::signin {

inline constexpr std::string_view kSessionCookie = "wasl_session";

enum class EndReason { kLogout, kIdle, kExpired, kBackchannel, kKeyRevoked };
// "logout", "idle", "expired", "backchannel", "key_revoked".
std::string_view to_string(EndReason reason);

// What a new session grants: a person (person_id, provider, idp_session_id,
// id_token) or an API key (key_id), in one facility with one role.
struct SessionGrant {
  std::string facility_id;
  access::Role role = access::Role::kAuditor;
  std::optional<std::string> practitioner;  // "Practitioner/3" for a clinician
  std::string person_id;                    // empty for an API key's session
  std::string key_id;                       // empty for a person's session
  std::string provider;                     // the identity provider's name, or empty
  std::string idp_session_id;               // the ID token's sid, may be empty
  std::string id_token;                     // kept encrypted: the hint for its logout
};

// A session just made: the cookie's value and the CSRF token are shown here
// once and never stored.
struct NewSession {
  std::string cookie_value;
  std::string csrf_token;
  std::string session_ref;  // "ses_" + 24 hex
  std::int64_t expires_at = 0;
};

struct Session {
  std::string id_hash;
  std::string session_ref;
  std::string facility_id;
  access::Role role = access::Role::kAuditor;
  std::optional<std::string> practitioner;
  std::string person_id;
  std::string key_id;
  std::string provider;
  std::string idp_session_id;
  std::string csrf_hash;
  std::int64_t created_at = 0;
  std::int64_t last_seen_at = 0;
  std::int64_t expires_at = 0;
  std::optional<std::int64_t> ended_at;
  std::string end_reason;

  // "person:<id>" or "apikey:<id>", as access::Principal::actor().
  std::string actor() const;
};

// authenticate()'s answer: the live session, or why there is none
// ("unknown", "ended", "idle", "expired").
struct SessionCheck {
  std::optional<Session> session;
  std::string refusal;
};

struct SessionOptions {
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(15)};
  std::chrono::milliseconds absolute_lifetime{std::chrono::hours(8)};
  // last_seen_at is written when it is at least this old.
  std::chrono::milliseconds touch_interval{std::chrono::seconds(30)};
  // An ended session's row is deleted this long after its end.
  std::chrono::milliseconds keep_ended{std::chrono::hours(7 * 24)};
};

// Where a change came from, for its audit event.
struct AuditContext {
  std::string request_id;
  std::string source_address;
};

class SessionStore {
 public:
  SessionStore(const records::CellCipher& cipher, const audit::AuditWriter& audit,
               SessionOptions options)
      : cipher_(cipher), audit_(audit), options_(options) {}

  // Makes a session and audits session.created. kInvalidArgument when the
  // grant names neither or both of a person and a key, or no facility.
  sdk::Result<NewSession> create(storage::Transaction& tx, const SessionGrant& grant,
                                 std::int64_t now_ms, const AuditContext& origin = {}) const;

  // The live session of a cookie's value. An idle or expired one is ended
  // here (audited; the caller commits) and refused.
  sdk::Result<SessionCheck> authenticate(storage::Transaction& tx, std::string_view cookie_value,
                                         std::int64_t now_ms) const;

  // Ends a live session (audited); false when it had ended already.
  sdk::Result<bool> end(storage::Transaction& tx, const Session& session, EndReason reason,
                        std::int64_t now_ms, const AuditContext& origin = {}) const;
  // Ends the facility's session `session_ref`; false when none is live.
  sdk::Result<bool> end_by_ref(storage::Transaction& tx, std::string_view facility_id,
                               std::string_view session_ref, EndReason reason, std::int64_t now_ms,
                               const AuditContext& origin = {}) const;
  // The identity provider's logout: ends every live session of `provider`
  // with that sid, or, when `idp_session_id` is empty, every one of the
  // person `person_id`. Answers how many ended (reason backchannel).
  sdk::Result<int> end_by_idp_session(storage::Transaction& tx, std::string_view provider,
                                      std::string_view idp_session_id, std::string_view person_id,
                                      std::int64_t now_ms, const AuditContext& origin = {}) const;
  // Ends every live session of the facility's key `key_id` (key_revoked).
  sdk::Result<int> end_for_key(storage::Transaction& tx, std::string_view facility_id,
                               std::string_view key_id, std::int64_t now_ms,
                               const AuditContext& origin = {}) const;

  // Deletes at most `limit` sessions that ended (or lapsed: their absolute
  // lifetime or idle timeout passed) before now_ms - keep_ended; answers
  // how many. Nothing is audited: session.ended was written when the
  // session ended (a lapsed session nobody used again has none, and gets
  // none here), and the audit events keep the bare session_ref.
  sdk::Result<std::int64_t> purge_ended(storage::Transaction& tx, std::int64_t now_ms,
                                        int limit) const;
  // purge_ended() in batches of `batch`, each its own transaction, until a
  // batch deletes fewer or `max_batches` ran (the rest waits for the next
  // run); answers how many in all.
  sdk::Result<std::int64_t> purge_ended(storage::Store& store, std::int64_t now_ms, int batch,
                                        int max_batches) const;

  // The ID token kept with the session (the identity provider's logout
  // hint); empty for an API key's session.
  sdk::Result<std::string> id_token(storage::Transaction& tx, const Session& session) const;

  const SessionOptions& options() const { return options_; }

  // The CSRF token of a cookie's value (see the header comment).
  static std::string csrf_token_of(std::string_view cookie_value);
  // Whether `presented` is the session's CSRF token (constant time).
  static bool csrf_matches(const Session& session, std::string_view presented);

 private:
  sdk::Status audit_end(storage::Transaction& tx, const Session& session, std::string_view reason,
                        std::int64_t now_ms, const AuditContext& origin) const;
  sdk::Result<int> end_where(storage::Transaction& tx, const std::string& where,
                             const storage::Params& params, EndReason reason, std::int64_t now_ms,
                             const AuditContext& origin) const;

  const records::CellCipher& cipher_;
  const audit::AuditWriter& audit_;
  SessionOptions options_;
};

}  // namespace wasl::signin
