-- Wasl schema, version 23 (PostgreSQL): the payer's payments
-- (hub/claims/payment_store.hpp). One payments row per payment
-- reconciliation the hub recorded from the exchange's poll queue (the
-- billing message it came in), and one payment_lines row per detail of it:
-- one claim's payment, or an adjustment (negative). Amounts are in
-- hundredths of the currency (halalas for SAR), in clear: they are not PHI
-- and are read for reporting. Dates are the civil dates the payer gave
-- (YYYY-MM-DD). A reconciliation the facility already holds (the same
-- system and identifier) is never recorded twice. notice_state: whether the
-- payer was told the reconciliation was taken (a payment-notice): pending,
-- sent, refused (notice_error says why), or none (a reconciliation without
-- an identifier cannot be named).
CREATE TABLE payments (
  id                     TEXT PRIMARY KEY,
  facility_id            TEXT NOT NULL,
  billing_message_id     TEXT NOT NULL,
  reconciliation_system  TEXT NOT NULL,
  reconciliation_id      TEXT,
  payment_identifier     TEXT,
  payment_date           TEXT NOT NULL,
  amount_minor           BIGINT NOT NULL,
  currency               TEXT NOT NULL,
  period_start           TEXT,
  period_end             TEXT,
  received_at            BIGINT NOT NULL,
  notice_state           TEXT NOT NULL,
  notice_error           TEXT,
  notice_at              BIGINT,
  UNIQUE (facility_id, billing_message_id),
  UNIQUE (facility_id, reconciliation_system, reconciliation_id)
);
CREATE INDEX payments_facility_received ON payments (facility_id, received_at, id);
CREATE INDEX payments_facility_date ON payments (facility_id, payment_date);
CREATE INDEX payments_facility_notice ON payments (facility_id, notice_state, received_at);

CREATE TABLE payment_lines (
  payment_id        TEXT NOT NULL REFERENCES payments(id),
  line_no           BIGINT NOT NULL,
  facility_id       TEXT NOT NULL,
  claim_id          TEXT NOT NULL REFERENCES claims(id),
  type              TEXT NOT NULL,
  amount_minor      BIGINT NOT NULL,
  early_fee_minor   BIGINT NOT NULL,
  nphies_fee_minor  BIGINT NOT NULL,
  line_date         TEXT,
  PRIMARY KEY (payment_id, line_no)
);
CREATE INDEX payment_lines_facility_claim ON payment_lines (facility_id, claim_id);
