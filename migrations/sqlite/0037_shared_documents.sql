-- Wasl schema, version 37 (SQLite): documents shared in a consultation
-- (hub/clinical/). Every row carries its facility and every statement
-- filters on it.
--
-- shared_documents: one row per uploaded document (a PDF, a JPEG or a PNG,
-- its type decided by its bytes), written once after ClamAV found it
-- clean. doc_type: pdf, jpeg or png; name_enc: the file name the uploader
-- gave, encrypted; storage_path: the object store's locator of the
-- encrypted object ("<facility>/documents/<id>.<key id>.wse", the stream
-- cipher bound to the facility and the id); size_bytes and sha256_hex: of
-- the plaintext; key_id: the key that encrypted it; scanned_by: clamd's
-- address; uploaded_by_actor and uploaded_by_practitioner: who sent it;
-- ehr_document_id: the DocumentReference the facility's EHR keeps for it,
-- once attached (task.document_attach).
CREATE TABLE shared_documents (
  id                        TEXT PRIMARY KEY,
  facility_id               TEXT NOT NULL REFERENCES facilities(id),
  consultation_id           TEXT NOT NULL,
  doc_type                  TEXT NOT NULL,
  name_enc                  BLOB NOT NULL,
  storage_path              TEXT NOT NULL,
  size_bytes                BIGINT NOT NULL,
  sha256_hex                TEXT NOT NULL,
  key_id                    TEXT NOT NULL,
  scanned_by                TEXT NOT NULL,
  uploaded_by_actor         TEXT NOT NULL,
  uploaded_by_practitioner  TEXT,
  ehr_document_id           TEXT,
  created_at                BIGINT NOT NULL
);
CREATE INDEX shared_documents_consultation ON shared_documents (facility_id, consultation_id, created_at);

-- shared_document_links: short-lived download links. token_hash: SHA-256
-- (hex) of the link's random token, which is never stored; expires_at:
-- epoch ms after which the link answers 410.
CREATE TABLE shared_document_links (
  token_hash         TEXT PRIMARY KEY,
  facility_id        TEXT NOT NULL REFERENCES facilities(id),
  document_id        TEXT NOT NULL,
  created_by_actor   TEXT NOT NULL,
  created_at         BIGINT NOT NULL,
  expires_at         BIGINT NOT NULL
);
