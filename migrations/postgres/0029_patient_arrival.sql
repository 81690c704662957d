-- Wasl schema, version 29: when the patient of a consultation had to have
-- joined its video room (consultations::NoShowSweep).
--   * room_opened_at: when the consultation's current room was recorded
--     (epoch ms; hub.set_status with room_id). The no-show deadline counts
--     from the later of it and the scheduled start.
--   * arrival_settled_at: when the no-show check delivered the run its
--     patient.arrival verdict (absent, or a duplicate of the "joined" one
--     already stored); such a consultation is not checked again.
-- Consultations already in a room when this version is applied run a
-- workflow version that waits for no verdict: they are settled here.
ALTER TABLE consultations ADD COLUMN room_opened_at BIGINT;
ALTER TABLE consultations ADD COLUMN arrival_settled_at BIGINT;
UPDATE consultations SET room_opened_at = updated_at, arrival_settled_at = updated_at
  WHERE video_room_id IS NOT NULL;
