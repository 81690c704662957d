-- Wasl schema, version 20: audit_head is signed.
-- mac is the lowercase hex HMAC-SHA-256 of the head's seq and hash under a
-- key derived from the audit key (hub/audit/head_signature.hpp), written with
-- the head in every append, so `wasl audit verify` detects newest events
-- deleted with the head moved back to match. NULL until the hub signs the
-- head at its next start (an unsigned head of a non-empty chain fails
-- verification).

ALTER TABLE audit_head ADD COLUMN mac TEXT;
