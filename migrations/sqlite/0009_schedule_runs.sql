-- Wasl schema, version 9 (SQLite): runs started by a workflow's schedule
-- (trigger kind schedule, hub/workflow/scheduler.hpp).
--   * One row per (workflow, facility, period): the primary key is what makes
--     a period run once, however many hub processes share the database. A
--     scheduler inserts the row and starts the run in one transaction; one
--     that finds the row there starts nothing.
--   * source: 'schedule' (a firing of the schedule) or 'command' (wasl
--     workflow run-now).
--   * fired_at: the firing (epoch ms) the row was claimed for, or when the
--     command was given; the latest schedule firing per workflow and facility
--     is where a restarted scheduler looks for the firings it missed.
CREATE TABLE workflow_schedule_runs (
  workflow     TEXT NOT NULL,
  facility_id  TEXT NOT NULL REFERENCES facilities(id),
  period       TEXT NOT NULL,
  source       TEXT NOT NULL CHECK (source IN ('schedule', 'command')),
  fired_at     INTEGER NOT NULL,
  run_id       TEXT,
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (workflow, facility_id, period)
);
CREATE INDEX workflow_schedule_runs_fired ON workflow_schedule_runs (workflow, facility_id, fired_at);
