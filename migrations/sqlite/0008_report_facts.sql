-- Wasl schema, version 8: what the ministry reports count a consultation by,
-- kept on the consultation (no PHI: codes, a specialty name and times).
--   * cancel_reason: why it was cancelled, a code (patient_request,
--     clinician_request, facility_request, no_show, session_not_completed,
--     technical_failure, …) set with the status cancelled; NULL otherwise.
--   * specialty, service_type: the practitioner's specialty and the
--     appointment's service type as the EHR names them (hub.describe_consultation).
--   * session_started_at, session_ended_at: when the video session began
--     and ended (epoch ms), for the session-duration figures.
--   * reports gains the period it covers and the workflow run that built it.
ALTER TABLE consultations ADD COLUMN cancel_reason TEXT;
ALTER TABLE consultations ADD COLUMN specialty TEXT;
ALTER TABLE consultations ADD COLUMN service_type TEXT;
ALTER TABLE consultations ADD COLUMN session_started_at INTEGER;
ALTER TABLE consultations ADD COLUMN session_ended_at INTEGER;
CREATE INDEX consultations_facility_scheduled ON consultations (facility_id, scheduled_at);

ALTER TABLE reports ADD COLUMN period_start INTEGER;
ALTER TABLE reports ADD COLUMN period_end INTEGER;
ALTER TABLE reports ADD COLUMN run_id TEXT;
