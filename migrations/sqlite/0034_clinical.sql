-- Wasl schema, version 34 (SQLite): what clinicians write during and after a
-- consultation (hub/clinical/). Every row carries its facility and every
-- statement filters on it.
--
-- clinical_notes: one row per version of a note. A draft (status draft) is
-- changed by its author only; once signed (signed_at) it never changes. An
-- amendment is a new row (version + 1, amends = the signed version's id),
-- itself a draft until signed; a version is amended at most once, so the
-- versions of a note form one line. content_enc: the sections and the free
-- text (JSON), encrypted; language: ar or en, the text's language;
-- author_actor: the audit actor who wrote it (apikey:<id> or person:<id>),
-- author_practitioner: the clinician key's practitioner, when it has one.
CREATE TABLE clinical_notes (
  id                   TEXT PRIMARY KEY,
  facility_id          TEXT NOT NULL REFERENCES facilities(id),
  consultation_id      TEXT NOT NULL,
  version              BIGINT NOT NULL,
  amends               TEXT,
  status               TEXT NOT NULL,
  language             TEXT NOT NULL,
  content_enc          BLOB NOT NULL,
  author_actor         TEXT NOT NULL,
  author_practitioner  TEXT,
  created_at           BIGINT NOT NULL,
  updated_at           BIGINT NOT NULL,
  signed_at            BIGINT,
  UNIQUE (facility_id, amends)
);
CREATE INDEX clinical_notes_consultation ON clinical_notes (facility_id, consultation_id, created_at);

-- prescriptions: one row per prescription, never deleted. A draft is signed
-- by its author (signed_at); a draft or a signed one is cancelled with a
-- reason (cancelled_at, cancelled_by, cancel_reason_enc), after which it
-- never changes. details_enc: the medication (code, the facility's code
-- system, the text as given), dose, route, frequency, duration, quantity,
-- refills and the instructions (JSON), encrypted; language: the
-- instructions' language (the patient's).
CREATE TABLE prescriptions (
  id                   TEXT PRIMARY KEY,
  facility_id          TEXT NOT NULL REFERENCES facilities(id),
  consultation_id      TEXT NOT NULL,
  status               TEXT NOT NULL,
  language             TEXT NOT NULL,
  details_enc          BLOB NOT NULL,
  author_actor         TEXT NOT NULL,
  author_practitioner  TEXT,
  created_at           BIGINT NOT NULL,
  updated_at           BIGINT NOT NULL,
  signed_at            BIGINT,
  cancelled_at         BIGINT,
  cancelled_by         TEXT,
  cancel_reason_enc    BLOB
);
CREATE INDEX prescriptions_consultation ON prescriptions (facility_id, consultation_id, created_at);
