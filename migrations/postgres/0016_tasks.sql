-- Wasl schema, version 16 (PostgreSQL): tasks, the work the hub owes the outside
-- world once a transaction committed (hub/jobs/task_runner.hpp) — reading a
-- booked appointment from the EHR, disconnecting a removed participant
-- again. They are rows of jobs with kind 'task.<name>', no run, and the
-- task's key as id, so a task asked for twice is one row.
--   * jobs.requests counts the times a task was asked for again after its row
--     was made: a runner settles a task for the requests it saw when it
--     claimed it, and a request that came meanwhile makes it run once more;
--   * jobs_task_due: the runners' claim over due tasks, in run_at order,
--     partial on their kind as jobs_workflow_due is on the engine's.
ALTER TABLE jobs ADD COLUMN requests BIGINT NOT NULL DEFAULT 0;
CREATE INDEX jobs_task_due ON jobs (run_at) WHERE kind LIKE 'task.%';
