-- Wasl schema, version 15: no index the hub does not read, on the tables
-- every workflow step writes.
--
-- Each step updates its run (current_step, updated_at) and its job (kind,
-- payload, run_at). An update that changes no indexed column can stay on its
-- page without touching any index (PostgreSQL's heap-only update); one that
-- does writes an entry into every index of the table.
--
--   * workflow_runs (status, updated_at): no query reads it (listings go
--     through (facility_id, status, id), waits through workflow_runs_waiting),
--     and it made every step's run update write all five indexes.
--   * jobs (run_at), (lease_expires_at) and (kind, run_at): every query on
--     jobs is by id, by run, or the claim over workflow jobs in run_at order,
--     which jobs_workflow_due answers.
--   * workflow_steps (run_id, step_id, attempt): the table's unique
--     constraint already indexes those columns, in that order.
DROP INDEX workflow_runs_status_updated;
DROP INDEX jobs_run_at;
DROP INDEX jobs_lease;
DROP INDEX jobs_due;
DROP INDEX workflow_steps_run;
