-- Wasl schema, version 36 (PostgreSQL): what of a consultation's clinical record
-- was written to the EHR (hub/clinical/). Every row carries its facility and
-- every statement filters on it. No PHI: ids, versions and the EHR's
-- resource ids only.
--
-- clinical_ehr_writes: one row per item version written (or being written).
-- item_kind: note, prescription, observation; item_id and item_version: the
-- note version, prescription or observation; idempotency_key: the key the
-- EHR write carries (derived from the item and version), claimed before the
-- call; ehr_instance: the plugin instance written to; state: claimed (the
-- call may have happened), written (resource_type and resource_id known),
-- cancelled (a written prescription marked cancelled in the EHR).
CREATE TABLE clinical_ehr_writes (
  facility_id      TEXT NOT NULL REFERENCES facilities(id),
  consultation_id  TEXT NOT NULL,
  item_kind        TEXT NOT NULL,
  item_id          TEXT NOT NULL,
  item_version     BIGINT NOT NULL,
  idempotency_key  TEXT NOT NULL,
  ehr_instance     TEXT NOT NULL,
  state            TEXT NOT NULL,
  resource_type    TEXT,
  resource_id      TEXT,
  claimed_at       BIGINT NOT NULL,
  written_at       BIGINT,
  PRIMARY KEY (facility_id, item_kind, item_id, item_version)
);
CREATE INDEX clinical_ehr_writes_consultation ON clinical_ehr_writes (facility_id, consultation_id);
