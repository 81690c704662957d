-- Wasl schema, version 28 (PostgreSQL): who was in a consultation's video
-- session and when (hub/attendance/attendance_store.hpp). One row per join,
-- leave or room end a video provider reported, kept once per provider dedupe
-- key within the facility; each participant's periods are derived from the
-- rows on every read, so a late, repeated or reordered event never doubles a
-- period. participant_id is the hub participant the provider's participant
-- id named (null when none did), role its attendance role ("patient",
-- "clinician", "interpreter", "guest"; empty for a room end). No column holds
-- PHI: ids, roles and times only.
CREATE TABLE attendance_events (
  id                       TEXT PRIMARY KEY,
  facility_id              TEXT NOT NULL,
  consultation_id          TEXT NOT NULL,
  video_instance           TEXT NOT NULL,
  room_id                  TEXT NOT NULL,
  mark                     TEXT NOT NULL CHECK (mark IN ('join', 'leave', 'room_end')),
  provider_participant_id  TEXT NOT NULL,
  participant_id           TEXT,
  role                     TEXT NOT NULL,
  occurred_at              BIGINT NOT NULL,
  dedupe_key               TEXT NOT NULL,
  recorded_at              BIGINT NOT NULL,
  UNIQUE (facility_id, dedupe_key)
);
CREATE INDEX attendance_events_consultation
  ON attendance_events (facility_id, consultation_id, occurred_at);
CREATE INDEX attendance_events_marks ON attendance_events (facility_id, mark, occurred_at);
