-- Wasl schema, version 24 (SQLite): the payer's information requests about
-- a facility's claims (NPHIES communication-request) and the provider's
-- answers (hub/claims/information_request_store.hpp). What is asked and what
-- is answered, attachments included, is PHI, stored encrypted; the rest is
-- in clear for the operators' listing. state: open (to answer), sending (an
-- answer is stored and on its way: a resend sends the same message),
-- answered, cannot_supply (answered that it cannot be supplied).
CREATE TABLE information_requests (
  id                  TEXT PRIMARY KEY,
  facility_id         TEXT NOT NULL,
  claim_id            TEXT NOT NULL,
  billing_message_id  TEXT NOT NULL,
  request_id          TEXT NOT NULL,
  request_system      TEXT,
  reason              TEXT,
  due_at              INTEGER,
  received_at         INTEGER NOT NULL,
  state               TEXT NOT NULL,
  answered_at         INTEGER,
  answered_by         TEXT,
  last_error          TEXT,
  request_enc         BLOB NOT NULL,
  answer_enc          BLOB,
  UNIQUE (facility_id, request_id)
);
CREATE INDEX information_requests_facility_state ON information_requests (facility_id, state, received_at);
