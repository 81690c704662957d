-- Wasl schema, version 17 (SQLite): the practitioner a clinician's key and a
-- clinician participant belong to, as the facility's EHR names them
-- ("Practitioner/3"; a staff reference, not PHI).
--   * api_keys.practitioner_ref: set when a clinician key is made
--     (`wasl apikeys create --role clinician --practitioner ...`); a clinician
--     key made before this version has none and is never admitted at once;
--   * participants.practitioner_ref: the practitioner of the clinician key
--     that added itself, so the waiting room knows a clinician already
--     admitted to the consultation (hub/consultations/admission.hpp).
ALTER TABLE api_keys ADD COLUMN practitioner_ref TEXT;
ALTER TABLE participants ADD COLUMN practitioner_ref TEXT;
