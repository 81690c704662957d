-- Wasl schema, version 18 (PostgreSQL): the provider resources each facility owns.
-- A row says that the resource `resource_id` of `kind` at plugin instance
-- `instance` belongs to `facility_id`: a room the facility's run created, a
-- participant or a recording learned in it, an EHR resource read or booked
-- for it. A step that names a resource of another facility is refused
-- (hub/workflow/resource_guard.hpp). A resource several facilities share (a
-- patient of an EHR serving a hospital group) has one row per facility.
--   * the primary key leads with the resource id: the guard asks by
--     (resource_id, kind), the unmatched webhook list by (resource_id,
--     instance, facility_id).
-- Backfill: the rooms consultations already use and the recordings already
-- archived belong to their consultation's facility, so a run started before
-- this version still reaches its own room and media.
CREATE TABLE provider_resources (
  resource_id  TEXT NOT NULL,
  kind         TEXT NOT NULL,
  instance     TEXT NOT NULL,
  facility_id  TEXT NOT NULL REFERENCES facilities(id),
  created_at   BIGINT NOT NULL,
  PRIMARY KEY (resource_id, kind, instance, facility_id)
);
INSERT INTO provider_resources (resource_id, kind, instance, facility_id, created_at)
SELECT video_room_id, 'room', video_instance, facility_id, created_at
  FROM consultations
 WHERE video_room_id IS NOT NULL AND video_room_id <> ''
   AND video_instance IS NOT NULL AND video_instance <> ''
ON CONFLICT DO NOTHING;
INSERT INTO provider_resources (resource_id, kind, instance, facility_id, created_at)
SELECT r.provider_recording_id, 'media', c.video_instance, r.facility_id, r.created_at
  FROM recordings r JOIN consultations c ON c.id = r.consultation_id
 WHERE r.provider_recording_id IS NOT NULL AND r.provider_recording_id <> ''
   AND c.video_instance IS NOT NULL AND c.video_instance <> ''
ON CONFLICT DO NOTHING;
