-- Wasl schema, version 32: the audit trail names the console session.
--   * session_ref: the public reference of the console session a request
--     came in on ("ses_<hex>"; signin_sessions.session_ref), NULL for a
--     bearer API key and for the hub's own work. It is the 11th field of
--     the event's canonical form when set (hub/audit/chain_hash.hpp), so it
--     cannot be changed without breaking the chain; events written before
--     this version have none and hash as they did.
-- The partial index serves GET /v1/audit?session=: the events of one session.
ALTER TABLE audit_events ADD COLUMN session_ref TEXT;
CREATE INDEX audit_events_session ON audit_events (session_ref, seq)
  WHERE session_ref IS NOT NULL;
