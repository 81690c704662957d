-- Wasl schema, version 22 (PostgreSQL): every message the hub took from the
-- exchange's poll queue (hub/claims/billing_message_store.hpp), one row per
-- facility and exchange message id, kept before the message is
-- acknowledged so that nothing polled is lost: claim and prior
-- authorization answers, information requests, payment reconciliations,
-- advanced authorizations, error notices, and what matched nothing or could
-- not be read. The message as the plugin read it is PHI, stored encrypted.
-- state: recorded (routed: claim_id names the claim it moved or concerns,
-- when any), unmatched (names no claim of the facility), unreadable (the
-- plugin could not read it; problem says why), error (an error notice).
CREATE TABLE billing_messages (
  id                  TEXT PRIMARY KEY,
  facility_id         TEXT NOT NULL,
  message_id          TEXT NOT NULL,
  event               TEXT NOT NULL,
  state               TEXT NOT NULL,
  claim_id            TEXT,
  request_message_id  TEXT,
  problem             TEXT,
  message_enc         BYTEA NOT NULL,
  received_at         BIGINT NOT NULL,
  updated_at          BIGINT NOT NULL,
  replays             BIGINT NOT NULL DEFAULT 0,
  UNIQUE (facility_id, message_id)
);
CREATE INDEX billing_messages_facility_state ON billing_messages (facility_id, state, received_at);

-- The idempotency key a claim was sent with (the billing plugin's business
-- identifier of the claim): what the payer's information requests and
-- payments name the claim by.
ALTER TABLE claims ADD COLUMN request_key TEXT;
CREATE INDEX claims_facility_request_key ON claims (facility_id, request_key);
