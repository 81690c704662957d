-- Wasl schema, version 35 (PostgreSQL): vital signs reported during a consultation
-- (hub/clinical/). Every row carries its facility and every statement
-- filters on it.
--
-- vital_observations: one row per reported vital sign, written once and
-- never changed. kind: blood_pressure, heart_rate, body_temperature,
-- oxygen_saturation, respiratory_rate, body_weight, blood_glucose; code: its
-- LOINC code; reported_by: patient or clinician (whose measurement it is);
-- posted_by_actor: the audit actor who sent it (apikey:<id> or
-- person:<id>), posted_by_practitioner: the clinician key's practitioner,
-- when it has one; value_enc: the UCUM unit and the value (systolic and
-- diastolic for blood pressure) as JSON, encrypted; effective_at: when it
-- was measured.
CREATE TABLE vital_observations (
  id                      TEXT PRIMARY KEY,
  facility_id             TEXT NOT NULL REFERENCES facilities(id),
  consultation_id         TEXT NOT NULL,
  kind                    TEXT NOT NULL,
  code                    TEXT NOT NULL,
  reported_by             TEXT NOT NULL,
  posted_by_actor         TEXT NOT NULL,
  posted_by_practitioner  TEXT,
  value_enc               BYTEA NOT NULL,
  effective_at            BIGINT NOT NULL,
  created_at              BIGINT NOT NULL
);
CREATE INDEX vital_observations_consultation ON vital_observations (facility_id, consultation_id, effective_at);
