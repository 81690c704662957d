-- Wasl schema, version 5 (PostgreSQL): a workflow run keeps the role bindings it
-- started with.
--   * workflow_runs.bindings: the facility's role -> plugin instance bindings
--     in force when the run was created, as a JSON object
--     ({"video": "video.twilio-main", "ehr": "ehr.main"}). Every plugin call
--     of the run, and every lookup of its consultation's video instance, uses
--     it, so a run outlives a binding change on the instance it started with.
--     NULL for runs created before this version: they use the facility's
--     current bindings.

ALTER TABLE workflow_runs ADD COLUMN bindings TEXT;
