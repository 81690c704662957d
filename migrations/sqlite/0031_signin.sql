-- Wasl schema, version 31 (SQLite): people signing in to the console through
-- their hospital's OpenID Connect provider, and console sessions
-- (hub/signin/).
--
-- signin_people: one row per person an identity provider vouched for, found
-- by (provider, subject_index): an HMAC of the issuer and the subject under
-- a key of the key ring (the subject itself is kept only encrypted, with the
-- name the provider gave). No facility: a person may hold roles in several,
-- and each session names one.
CREATE TABLE signin_people (
  id                TEXT PRIMARY KEY,
  provider          TEXT NOT NULL,
  subject_index     TEXT NOT NULL,
  subject_enc       BLOB NOT NULL,
  display_name_enc  BLOB NOT NULL,
  created_at        INTEGER NOT NULL,
  last_signin_at    INTEGER NOT NULL,
  UNIQUE (provider, subject_index)
);

-- signin_sessions: a console session, a person's or an API key's, by the
-- SHA-256 hex of its cookie value (the value itself is never stored) and
-- its public reference session_ref ("ses_<hex>", in the audit trail). The
-- CSRF token is kept as its SHA-256 hex; the ID token (the hint for the
-- identity provider's logout) encrypted. A session ends once (ended_at,
-- end_reason: logout, idle, expired, backchannel, key_revoked).
CREATE TABLE signin_sessions (
  id_hash           TEXT PRIMARY KEY,
  session_ref       TEXT NOT NULL UNIQUE,
  facility_id       TEXT NOT NULL,
  role              TEXT NOT NULL,
  person_id         TEXT,
  key_id            TEXT,
  practitioner      TEXT,
  provider          TEXT,
  idp_session_id    TEXT,
  csrf_hash         TEXT NOT NULL,
  id_token_enc      BLOB,
  created_at        INTEGER NOT NULL,
  last_seen_at      INTEGER NOT NULL,
  expires_at        INTEGER NOT NULL,
  ended_at          INTEGER,
  end_reason        TEXT
);
CREATE INDEX signin_sessions_idp ON signin_sessions (provider, idp_session_id);
CREATE INDEX signin_sessions_person ON signin_sessions (provider, person_id);
CREATE INDEX signin_sessions_key ON signin_sessions (facility_id, key_id);

-- signin_attempts: a sign-in begun at the identity provider, by the SHA-256
-- hex of its state; the nonce kept as its SHA-256 hex, the PKCE verifier
-- encrypted. Used once (used_at) within ten minutes.
CREATE TABLE signin_attempts (
  state_hash        TEXT PRIMARY KEY,
  provider          TEXT NOT NULL,
  nonce_hash        TEXT NOT NULL,
  code_verifier_enc BLOB NOT NULL,
  return_to         TEXT NOT NULL,
  created_at        INTEGER NOT NULL,
  used_at           INTEGER
);
CREATE INDEX signin_attempts_created ON signin_attempts (created_at);

-- signin_logout_tokens: the jti of every back-channel logout token taken,
-- so a replayed one is refused.
CREATE TABLE signin_logout_tokens (
  provider          TEXT NOT NULL,
  jti               TEXT NOT NULL,
  received_at       INTEGER NOT NULL,
  PRIMARY KEY (provider, jti)
);
