-- Wasl schema, version 13: a deployed workflow version is owned by one
-- facility, or by the platform (facility_id '' : the files of workflows_dir,
-- deployed by no facility key). A facility runs its own versions of a name
-- when it has any, else the platform's; versions stay numbered per name, so
-- (name, version) still names the definition a run started on.
--
-- Backfill: a version deployed through the API by a facility's key
-- (deployed_by 'apikey:<id>') becomes that facility's own, so what one
-- facility deployed before this change stops reaching the others' new
-- consultations; every other version (workflows_dir, the command line, keys
-- since deleted or without a facility) stays the platform's, as all of them
-- were before. Runs already started keep their version either way.
ALTER TABLE workflow_definitions ADD COLUMN facility_id TEXT NOT NULL DEFAULT '';
UPDATE workflow_definitions
   SET facility_id = COALESCE((SELECT k.facility_id FROM api_keys k
                                WHERE 'apikey:' || k.id = workflow_definitions.deployed_by), '')
 WHERE deployed_by LIKE 'apikey:%';
CREATE INDEX workflow_definitions_owner ON workflow_definitions (name, facility_id, version);
