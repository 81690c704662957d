-- Wasl schema, version 4 (PostgreSQL): what the per-concept record stores and
-- the key rotation job need beyond version 1.
--   * consultation_identifiers: one blind index value (lowercase hex
--     HMAC-SHA-256, see hub/crypto/blind_index.hpp) per patient identifier
--     (national ID / iqama, MRN, phone) of a consultation, so a search by
--     identifier finds any of them; consultations.patient_identifier_index
--     keeps the first one.
--   * idempotency_keys.response_enc: the stored answer, encrypted (it carries
--     PHI); response_body stays unused.
--   * key_rotations.failed_rows: ciphertexts or files the job could not
--     re-encrypt (left under their old key, so the key cannot be retired).
--   * recording_file_cleanup: recording files that may be orphaned by a
--     re-encryption interrupted by a crash; removed on the next run.

CREATE TABLE consultation_identifiers (
  consultation_id  TEXT NOT NULL REFERENCES consultations(id),
  facility_id      TEXT NOT NULL REFERENCES facilities(id),
  blind_index      TEXT NOT NULL,
  PRIMARY KEY (consultation_id, blind_index)
);
CREATE INDEX consultation_identifiers_lookup ON consultation_identifiers (facility_id, blind_index);

ALTER TABLE idempotency_keys ADD COLUMN response_enc BYTEA;

ALTER TABLE key_rotations ADD COLUMN failed_rows BIGINT NOT NULL DEFAULT 0;

CREATE TABLE recording_file_cleanup (
  path          TEXT PRIMARY KEY,
  recording_id  TEXT NOT NULL,
  created_at    BIGINT NOT NULL
);
