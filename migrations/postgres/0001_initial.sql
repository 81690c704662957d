-- Wasl schema, version 1 (PostgreSQL).
-- Conventions shared with migrations/sqlite/0001_initial.sql:
--   * times are epoch milliseconds (UTC) in BIGINT columns named *_at / *_until;
--   * every tenant table carries facility_id;
--   * PHI lives only in *_enc columns: ciphertexts written by the encryption core;
--   * ids are text (UUIDs) unless noted; booleans are 0/1 integers.

CREATE TABLE facilities (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  status      TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  settings    TEXT,
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL
);

CREATE TABLE api_keys (
  id            TEXT PRIMARY KEY,
  facility_id   TEXT REFERENCES facilities(id),
  role          TEXT NOT NULL,
  key_hash      TEXT NOT NULL UNIQUE,
  label         TEXT,
  created_at    BIGINT NOT NULL,
  revoked_at    BIGINT,
  last_used_at  BIGINT
);
CREATE INDEX api_keys_facility ON api_keys (facility_id);

CREATE TABLE consultations (
  id                        TEXT PRIMARY KEY,
  facility_id               TEXT NOT NULL REFERENCES facilities(id),
  workflow_name             TEXT,
  workflow_version          INTEGER,
  status                    TEXT NOT NULL,
  consultation_type         TEXT NOT NULL,
  appointment_ref           TEXT,
  scheduled_at              BIGINT,
  patient_ref               TEXT,
  patient_summary_enc       BYTEA,
  patient_identifier_index  BYTEA,
  practitioner_ref          TEXT,
  practitioner_summary_enc  BYTEA,
  video_instance            TEXT,
  video_room_id             TEXT,
  request_hash              TEXT,
  created_at                BIGINT NOT NULL,
  updated_at                BIGINT NOT NULL,
  ended_at                  BIGINT
);
CREATE INDEX consultations_facility_created ON consultations (facility_id, created_at);
CREATE INDEX consultations_facility_status ON consultations (facility_id, status);
CREATE INDEX consultations_patient_index ON consultations (facility_id, patient_identifier_index);
CREATE INDEX consultations_appointment ON consultations (facility_id, appointment_ref);
CREATE INDEX consultations_video_room ON consultations (video_instance, video_room_id);

CREATE TABLE participants (
  id                       TEXT PRIMARY KEY,
  consultation_id          TEXT NOT NULL REFERENCES consultations(id),
  facility_id              TEXT NOT NULL REFERENCES facilities(id),
  role                     TEXT NOT NULL,
  display_name_enc         BYTEA,
  state                    TEXT NOT NULL DEFAULT 'waiting'
                             CHECK (state IN ('waiting', 'admitted', 'removed')),
  gender_preference        TEXT,
  consent_family           INTEGER NOT NULL DEFAULT 0 CHECK (consent_family IN (0, 1)),
  provider_participant_id  TEXT,
  token_expires_at         BIGINT,
  created_at               BIGINT NOT NULL,
  admitted_at              BIGINT,
  removed_at               BIGINT
);
CREATE INDEX participants_consultation ON participants (consultation_id);
CREATE INDEX participants_facility ON participants (facility_id);

CREATE TABLE recordings (
  id                     TEXT PRIMARY KEY,
  consultation_id        TEXT NOT NULL REFERENCES consultations(id),
  facility_id            TEXT NOT NULL REFERENCES facilities(id),
  provider_recording_id  TEXT,
  storage_path           TEXT,
  size_bytes             BIGINT,
  duration_ms            BIGINT,
  plaintext_sha256       TEXT,
  key_id                 TEXT,
  retention_until        BIGINT,
  legal_hold             INTEGER NOT NULL DEFAULT 0 CHECK (legal_hold IN (0, 1)),
  state                  TEXT NOT NULL,
  created_at             BIGINT NOT NULL,
  deleted_at             BIGINT
);
CREATE INDEX recordings_consultation ON recordings (consultation_id);
CREATE INDEX recordings_facility ON recordings (facility_id, created_at);
CREATE INDEX recordings_retention ON recordings (retention_until);
CREATE UNIQUE INDEX recordings_provider ON recordings (consultation_id, provider_recording_id);

CREATE TABLE claims (
  id                 TEXT PRIMARY KEY,
  consultation_id    TEXT NOT NULL REFERENCES consultations(id),
  facility_id        TEXT NOT NULL REFERENCES facilities(id),
  state              TEXT NOT NULL,
  provider_claim_id  TEXT,
  request_enc        BYTEA,
  response_enc       BYTEA,
  submitted_at       BIGINT,
  adjudicated_at     BIGINT,
  created_at         BIGINT NOT NULL
);
CREATE INDEX claims_consultation ON claims (consultation_id);
CREATE INDEX claims_facility_state ON claims (facility_id, state);

CREATE TABLE reports (
  id               TEXT PRIMARY KEY,
  consultation_id  TEXT REFERENCES consultations(id),
  facility_id      TEXT NOT NULL REFERENCES facilities(id),
  kind             TEXT NOT NULL,
  state            TEXT NOT NULL,
  receipt          TEXT,
  payload_enc      BYTEA,
  created_at       BIGINT NOT NULL,
  submitted_at     BIGINT
);
CREATE INDEX reports_consultation ON reports (consultation_id);
CREATE INDEX reports_facility_state ON reports (facility_id, state);

CREATE TABLE workflow_definitions (
  name         TEXT NOT NULL,
  version      INTEGER NOT NULL,
  source_text  TEXT NOT NULL,
  checksum     TEXT NOT NULL,
  deployed_at  BIGINT NOT NULL,
  deployed_by  TEXT,
  PRIMARY KEY (name, version)
);

CREATE TABLE workflow_runs (
  id                TEXT PRIMARY KEY,
  facility_id       TEXT NOT NULL REFERENCES facilities(id),
  consultation_id   TEXT REFERENCES consultations(id),
  workflow_name     TEXT NOT NULL,
  workflow_version  INTEGER NOT NULL,
  status            TEXT NOT NULL,
  trigger_enc       BYTEA,
  current_step      TEXT,
  error             TEXT,
  created_at        BIGINT NOT NULL,
  updated_at        BIGINT NOT NULL,
  finished_at       BIGINT
);
CREATE INDEX workflow_runs_consultation ON workflow_runs (consultation_id);
CREATE INDEX workflow_runs_facility_status ON workflow_runs (facility_id, status);
CREATE INDEX workflow_runs_status_updated ON workflow_runs (status, updated_at);

CREATE TABLE workflow_steps (
  id               TEXT PRIMARY KEY,
  run_id           TEXT NOT NULL REFERENCES workflow_runs(id),
  step_id          TEXT NOT NULL,
  attempt          INTEGER NOT NULL DEFAULT 1,
  status           TEXT NOT NULL,
  idempotency_key  TEXT,
  started_at       BIGINT,
  finished_at      BIGINT,
  output_enc       BYTEA,
  error_code       TEXT,
  error_message    TEXT,
  UNIQUE (run_id, step_id, attempt)
);
CREATE INDEX workflow_steps_idempotency ON workflow_steps (idempotency_key);

CREATE TABLE jobs (
  id                TEXT PRIMARY KEY,
  kind              TEXT NOT NULL,
  run_id            TEXT REFERENCES workflow_runs(id),
  payload           TEXT,
  run_at            BIGINT NOT NULL,
  lease_owner       TEXT,
  lease_expires_at  BIGINT,
  attempts          INTEGER NOT NULL DEFAULT 0,
  last_error        TEXT,
  created_at        BIGINT NOT NULL
);
CREATE INDEX jobs_run_at ON jobs (run_at);
CREATE INDEX jobs_lease ON jobs (lease_expires_at);
CREATE INDEX jobs_run ON jobs (run_id);

CREATE TABLE inbox (
  id           TEXT PRIMARY KEY,
  instance     TEXT NOT NULL,
  dedupe_key   TEXT NOT NULL,
  facility_id  TEXT REFERENCES facilities(id),
  received_at  BIGINT NOT NULL,
  body_enc     BYTEA,
  headers_enc  BYTEA,
  event_type   TEXT,
  correlation  TEXT,
  state        TEXT NOT NULL DEFAULT 'received'
                 CHECK (state IN ('received', 'dispatched', 'unmatched', 'parked')),
  attempts     INTEGER NOT NULL DEFAULT 0,
  last_error   TEXT,
  UNIQUE (instance, dedupe_key)
);
CREATE INDEX inbox_state_received ON inbox (state, received_at);
CREATE INDEX inbox_correlation ON inbox (instance, correlation);

CREATE TABLE idempotency_keys (
  facility_id      TEXT NOT NULL REFERENCES facilities(id),
  key              TEXT NOT NULL,
  request_hash     TEXT NOT NULL,
  response_status  INTEGER,
  response_body    BYTEA,
  created_at       BIGINT NOT NULL,
  PRIMARY KEY (facility_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Append-only; seq orders the hash chain.
CREATE TABLE audit_events (
  seq             BIGSERIAL PRIMARY KEY,
  occurred_at     BIGINT NOT NULL,
  actor           TEXT NOT NULL,
  facility_id     TEXT,
  action          TEXT NOT NULL,
  entity_type     TEXT,
  entity_id       TEXT,
  outcome         TEXT NOT NULL,
  request_id      TEXT,
  source_address  TEXT,
  detail          TEXT,
  prev_hash       TEXT NOT NULL,
  hash            TEXT NOT NULL
);
CREATE INDEX audit_events_facility_time ON audit_events (facility_id, occurred_at);
CREATE INDEX audit_events_entity ON audit_events (entity_type, entity_id);

CREATE TABLE audit_checkpoints (
  seq         BIGINT PRIMARY KEY,
  head_hash   TEXT NOT NULL,
  mac         TEXT NOT NULL,
  created_at  BIGINT NOT NULL
);

CREATE TABLE encryption_keys (
  key_id        TEXT PRIMARY KEY,
  purpose       TEXT NOT NULL,
  state         TEXT NOT NULL CHECK (state IN ('pending', 'active', 'retired')),
  created_at    BIGINT NOT NULL,
  activated_at  BIGINT,
  retired_at    BIGINT
);

CREATE TABLE key_rotations (
  id           TEXT PRIMARY KEY,
  from_key     TEXT NOT NULL,
  to_key       TEXT NOT NULL,
  table_name   TEXT NOT NULL,
  last_row     TEXT,
  done_rows    BIGINT NOT NULL DEFAULT 0,
  state        TEXT NOT NULL,
  started_at   BIGINT NOT NULL,
  finished_at  BIGINT
);

CREATE TABLE plugin_state (
  instance    TEXT NOT NULL,
  key         TEXT NOT NULL,
  value       BYTEA,
  updated_at  BIGINT NOT NULL,
  PRIMARY KEY (instance, key)
);
