-- Wasl schema, version 38 (SQLite): the summary a patient receives after a
-- completed consultation (hub/summaries/). Every row carries its facility
-- and every statement filters on it.
--
-- visit_summaries: one per consultation, built from the signed note
-- (note_id, the version it was built from) and the signed prescriptions.
-- html_enc and pdf_enc: the summary as HTML and as PDF, encrypted
-- (records::CellCipher, so the key rotation re-encrypts them with the
-- other columns); language: ar or en, the patient's; pdf_sha256 and
-- pdf_size: of the PDF's plain bytes, as the EHR's DocumentReference
-- carries them; link_expires_at: when the links sent to the patient stop
-- working (each message mints its own link, expiring then).
CREATE TABLE visit_summaries (
  id               TEXT PRIMARY KEY,
  facility_id      TEXT NOT NULL REFERENCES facilities(id),
  consultation_id  TEXT NOT NULL,
  note_id          TEXT NOT NULL,
  language         TEXT NOT NULL,
  html_enc         BLOB NOT NULL,
  pdf_enc          BLOB NOT NULL,
  pdf_sha256       TEXT NOT NULL,
  pdf_size         BIGINT NOT NULL,
  link_expires_at  BIGINT NOT NULL,
  created_at       BIGINT NOT NULL,
  UNIQUE (facility_id, consultation_id)
);

-- visit_summary_links: the time-limited links that give the patient their
-- summary without an API key. The code is 32 random bytes sent only in the
-- patient's encrypted message; the table keeps its SHA-256 (code_hash), so
-- it cannot be turned back into links. A link works until expires_at.
CREATE TABLE visit_summary_links (
  code_hash        TEXT PRIMARY KEY,
  facility_id      TEXT NOT NULL REFERENCES facilities(id),
  consultation_id  TEXT NOT NULL,
  summary_id       TEXT NOT NULL,
  expires_at       BIGINT NOT NULL,
  created_at       BIGINT NOT NULL
);
CREATE INDEX visit_summary_links_summary ON visit_summary_links (facility_id, summary_id);
