-- Wasl schema, version 40 (PostgreSQL): at most one live consultation per
-- EHR appointment in a facility. Two hubs settling the EHR's two
-- notifications of one Appointment, or two POST /v1/consultations naming
-- one appointment_id under two idempotency keys, could each create a
-- consultation and a run: the patient was invited twice. The unique index
-- below refuses the second; a cancelled consultation does not count, so the
-- appointment of a cancelled consultation can be booked again.
--
-- A database that already holds such duplicates is not changed: this
-- migration stops (nothing applied) and names how many there are. Find them
-- with
--   SELECT facility_id, appointment_ref, COUNT(*) FROM consultations
--   WHERE appointment_ref IS NOT NULL AND status <> 'cancelled'
--   GROUP BY facility_id, appointment_ref HAVING COUNT(*) > 1;
-- cancel all but one of each with the wasl still running (POST
-- /v1/consultations/{id}/cancel: its run's compensation, notices and audit
-- event go with it), then migrate again.
DO $$
DECLARE
  appointments BIGINT;
  extra BIGINT;
BEGIN
  SELECT COUNT(*), COALESCE(SUM(n - 1), 0) INTO appointments, extra FROM (
    SELECT COUNT(*) AS n FROM consultations
    WHERE appointment_ref IS NOT NULL AND status <> 'cancelled'
    GROUP BY facility_id, appointment_ref HAVING COUNT(*) > 1) AS duplicated;
  IF appointments > 0 THEN
    RAISE EXCEPTION '% appointment(s) have more than one live (not cancelled) consultation in their facility (% consultation(s) too many), so they cannot be made unique; list them with SELECT facility_id, appointment_ref, COUNT(*) FROM consultations WHERE appointment_ref IS NOT NULL AND status <> ''cancelled'' GROUP BY facility_id, appointment_ref HAVING COUNT(*) > 1, cancel all but one of each (POST /v1/consultations/{id}/cancel on the wasl still running), then migrate again; nothing was changed',
      appointments, extra;
  END IF;
END
$$;

-- consultations_appointment (0001) stays: it finds the cancelled ones too.
CREATE UNIQUE INDEX consultations_live_appointment
  ON consultations (facility_id, appointment_ref)
  WHERE appointment_ref IS NOT NULL AND status <> 'cancelled';
