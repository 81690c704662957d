-- Wasl schema, version 14: the hot paths' indexes leave the planner one good
-- choice, whatever its statistics say.
--
-- Right after a burst (a fresh deployment, thousands of runs started in a
-- minute) PostgreSQL plans with no or stale statistics, and a cached generic
-- plan keeps that choice. It then answered the dispatch path through the
-- wrong index: an update of one run by id and facility walked every waiting
-- run of the facility through (facility_id, status), the event matcher did
-- the same, the inbox fetch sorted the whole backlog through
-- (state, received_at), and the job claim read every workflow job. Measured
-- on 20,000 waiting runs: 1.1-1.3 ms a statement instead of 0.05 ms.
--
--   * workflow_runs (facility_id, status) gains id, so a lookup by id through
--     it is a point lookup too; the wait index becomes partial on 'waiting'
--     and carries the facility, the matcher's exact key.
--   * inbox: one index (state, received_at, id) answers the dispatcher's
--     fetch in order and the listings by state; the partial inbox_due goes.
--   * jobs: the claim's order (run_at) over workflow jobs, partial on their
--     kind, as the claim asks.
DROP INDEX workflow_runs_facility_status;
CREATE INDEX workflow_runs_facility_status ON workflow_runs (facility_id, status, id);
DROP INDEX workflow_runs_wait;
CREATE INDEX workflow_runs_waiting ON workflow_runs (wait_event, wait_correlation, facility_id)
  WHERE status = 'waiting';
DROP INDEX inbox_due;
DROP INDEX inbox_state_received;
CREATE INDEX inbox_state_received ON inbox (state, received_at, id);
CREATE INDEX jobs_workflow_due ON jobs (run_at) WHERE kind LIKE 'workflow.%';
