-- Wasl schema, version 39 (PostgreSQL): the patient's feedback on a consultation
-- (hub/feedback/) and the one-use links that ask for it
-- (hub/notifications/). Every row carries its facility and every statement
-- filters on it.
--
-- notification_feedback_links: the codes of the feedback links sent to
-- patients after their consultation, as SHA-256 hex (the code itself is only
-- in the encrypted message), with the time the link stops working and the
-- time it was used (a link answers once).
CREATE TABLE notification_feedback_links (
  code_hash         TEXT PRIMARY KEY,
  facility_id       TEXT NOT NULL,
  consultation_id   TEXT NOT NULL,
  notification_id   TEXT NOT NULL,
  expires_at        BIGINT NOT NULL,
  used_at           BIGINT,
  created_at        BIGINT NOT NULL
);
CREATE INDEX notification_feedback_links_consultation
  ON notification_feedback_links (facility_id, consultation_id);

-- feedback_responses: one answer per consultation to the feedback
-- questionnaire (a FHIR QuestionnaireResponse), written once and never
-- changed but for its ehr_ columns. practitioner_ref: the consultation's
-- practitioner when answered ("Practitioner/3", a staff reference), by
-- which ratings are summed;
-- clinician_rating and connection_rating: 1 to 5; has_comment: whether the
-- patient wrote free text; response_enc: the QuestionnaireResponse as
-- stored (with the free text), encrypted; answered_at: when it was answered;
-- ehr_state: its write to the facility's EHR (pending, written,
-- not_supported, not_configured, failed), ehr_document_id: the EHR's
-- DocumentReference that carries it, ehr_error: the error code of a failed
-- write (a code only).
CREATE TABLE feedback_responses (
  id                  TEXT PRIMARY KEY,
  facility_id         TEXT NOT NULL REFERENCES facilities(id),
  consultation_id     TEXT NOT NULL,
  practitioner_ref    TEXT,
  clinician_rating    INTEGER NOT NULL CHECK (clinician_rating BETWEEN 1 AND 5),
  connection_rating   INTEGER NOT NULL CHECK (connection_rating BETWEEN 1 AND 5),
  has_comment         INTEGER NOT NULL DEFAULT 0,
  response_enc        BYTEA NOT NULL,
  answered_at         BIGINT NOT NULL,
  ehr_state           TEXT NOT NULL DEFAULT 'pending',
  ehr_document_id     TEXT,
  ehr_error           TEXT,
  UNIQUE (facility_id, consultation_id)
);
CREATE INDEX feedback_responses_answered ON feedback_responses (facility_id, answered_at);
