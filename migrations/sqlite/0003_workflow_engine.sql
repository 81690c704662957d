-- Workflow engine, version 3 (SQLite). Same shape as migrations/postgres/0003.
--   * workflow_runs gains the wait it is in (event type, correlation) so ingress
--     can match an event to it, and the engine's view of the run's progress;
--   * workflow_events keeps every event delivered by ingress, matched or not,
--     deduplicated by dedupe_key; an event that arrives before a run waits for
--     it stays unmatched (run_id NULL) until a wait claims it;
--   * workflow_notes holds hub.record_event entries of a run's timeline.

ALTER TABLE workflow_runs ADD COLUMN wait_event TEXT;
ALTER TABLE workflow_runs ADD COLUMN wait_correlation TEXT;
ALTER TABLE workflow_runs ADD COLUMN failed_step TEXT;
CREATE INDEX workflow_runs_wait ON workflow_runs (wait_event, wait_correlation);

CREATE TABLE workflow_events (
  id           TEXT PRIMARY KEY,
  facility_id  TEXT NOT NULL,
  type         TEXT NOT NULL,
  correlation  TEXT NOT NULL,
  dedupe_key   TEXT NOT NULL UNIQUE,
  payload_enc  BLOB,
  received_at  INTEGER NOT NULL,
  run_id       TEXT REFERENCES workflow_runs(id),
  step_id      TEXT,
  matched_at   INTEGER
);
CREATE INDEX workflow_events_unmatched ON workflow_events (facility_id, type, correlation, run_id);
CREATE INDEX workflow_events_run ON workflow_events (run_id, step_id);

CREATE TABLE workflow_notes (
  id           TEXT PRIMARY KEY,
  run_id       TEXT NOT NULL REFERENCES workflow_runs(id),
  facility_id  TEXT NOT NULL,
  step_id      TEXT NOT NULL,
  type         TEXT NOT NULL,
  detail       TEXT,
  created_at   INTEGER NOT NULL,
  UNIQUE (run_id, step_id)
);

CREATE INDEX workflow_steps_run ON workflow_steps (run_id, step_id, attempt);
-- At most one workflow job per run: the run's next piece of work.
CREATE UNIQUE INDEX jobs_one_per_run ON jobs (run_id) WHERE kind LIKE 'workflow.%';
CREATE INDEX jobs_due ON jobs (kind, run_at);
