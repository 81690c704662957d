-- Wasl schema, version 30 (SQLite): what a facility tells its patients of
-- their consultations (hub/notifications/).
--
-- notification_outbox: one row per message of a consultation, once per
-- (facility, consultation, kind, channel, occurrence) whatever hub queued it
-- and however often (occurrence: empty, or a reschedule notice's new start).
-- Its state moves scheduled -> sending -> sent -> delivered, or to failed,
-- skipped (reason), cancelled. A row is claimed for sending under a lease
-- (lease_owner, lease_expires_at): a hub killed mid-send leaves it
-- "sending", and the row is sent again with the same idempotency key once
-- the lease lapses. The recipient and the rendered message are PHI, stored
-- encrypted when the row first goes out (recipient_enc, message_enc), the
-- recipient also as a blind index; reason and last_error are codes only.
CREATE TABLE notification_outbox (
  id                TEXT PRIMARY KEY,
  facility_id       TEXT NOT NULL,
  consultation_id   TEXT NOT NULL,
  kind              TEXT NOT NULL,
  channel           TEXT NOT NULL,
  occurrence        TEXT NOT NULL DEFAULT '',
  state             TEXT NOT NULL,
  reason            TEXT,
  due_at            INTEGER NOT NULL,
  instance          TEXT,
  language          TEXT,
  recipient_enc     BLOB,
  recipient_index   TEXT,
  message_enc       BLOB,
  attempts          INTEGER NOT NULL DEFAULT 0,
  last_error        TEXT,
  lease_owner       TEXT,
  lease_expires_at  INTEGER,
  provider_id       TEXT,
  created_at        INTEGER NOT NULL,
  updated_at        INTEGER NOT NULL,
  sent_at           INTEGER,
  settled_at        INTEGER,
  UNIQUE (facility_id, consultation_id, kind, channel, occurrence)
);
CREATE INDEX notification_outbox_due ON notification_outbox (state, due_at);
CREATE INDEX notification_outbox_lease ON notification_outbox (state, lease_expires_at);
CREATE INDEX notification_outbox_provider ON notification_outbox (instance, provider_id);

-- notification_contacts: how to reach a consultation's patient, taken from
-- the run's ehr.read_patient result: the e-mail address and phone number
-- (PHI, encrypted), the language as the EHR gives it, and the blind indexes
-- of the patient's identifiers (space-separated), by which an opt-out is
-- found.
CREATE TABLE notification_contacts (
  facility_id       TEXT NOT NULL,
  consultation_id   TEXT NOT NULL,
  contact_enc       BLOB NOT NULL,
  language          TEXT NOT NULL DEFAULT '',
  patient_indexes   TEXT NOT NULL DEFAULT '',
  updated_at        INTEGER NOT NULL,
  PRIMARY KEY (facility_id, consultation_id)
);

-- notification_opt_outs: a patient of the facility who asked for no
-- messages, by the blind index of one of their identifiers (the identifier
-- itself is not kept).
CREATE TABLE notification_opt_outs (
  id                TEXT PRIMARY KEY,
  facility_id       TEXT NOT NULL,
  patient_index     TEXT NOT NULL,
  created_at        INTEGER NOT NULL,
  UNIQUE (facility_id, patient_index)
);

-- notification_join_links: the codes of the join links sent to patients,
-- as SHA-256 hex (the code itself is only in the encrypted message), with
-- the time the link stops working (the consultation's start plus a join
-- token's lifetime; moved with the start, ended by a cancellation).
CREATE TABLE notification_join_links (
  code_hash         TEXT PRIMARY KEY,
  facility_id       TEXT NOT NULL,
  consultation_id   TEXT NOT NULL,
  notification_id   TEXT NOT NULL,
  expires_at        INTEGER NOT NULL,
  created_at        INTEGER NOT NULL
);
CREATE INDEX notification_join_links_consultation
  ON notification_join_links (facility_id, consultation_id);
