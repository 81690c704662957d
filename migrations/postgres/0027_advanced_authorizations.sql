-- Wasl schema, version 27 (PostgreSQL): the authorizations a payer granted a
-- facility's patient unasked (NPHIES advanced-authorization), polled from
-- the exchange with the billing messages and kept against the patient and
-- the coverage they name (hub/claims/advanced_authorization_store.hpp). The
-- patient's identifiers and the coverage's member id are PHI, stored
-- encrypted; each is found by its blind index (patient_index,
-- member_index: null when the value cannot be normalised). The payer's
-- identifier, the preAuthRef and the period (the exchange's civil dates,
-- YYYY-MM-DD) are in clear for the listing.
CREATE TABLE advanced_authorizations (
  id                  TEXT PRIMARY KEY,
  facility_id         TEXT NOT NULL,
  billing_message_id  TEXT NOT NULL,
  response_system     TEXT NOT NULL,
  response_id         TEXT NOT NULL,
  pre_auth_ref        TEXT NOT NULL,
  period_start        TEXT,
  period_end          TEXT,
  patient_enc         BYTEA NOT NULL,
  patient_index       TEXT,
  member_enc          BYTEA NOT NULL,
  member_index        TEXT,
  received_at         BIGINT NOT NULL,
  UNIQUE (facility_id, response_system, response_id)
);
CREATE INDEX advanced_authorizations_patient ON advanced_authorizations (facility_id, patient_index);
CREATE INDEX advanced_authorizations_member ON advanced_authorizations (facility_id, member_index);
