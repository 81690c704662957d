-- Wasl schema, version 11: claims for NPHIES: the run that built the claim (POST /v1/claims/{id}/retry
-- resumes that run), the payer's adjudicated totals in clear for reporting
-- (hundredths of the currency), and an index for the revenue-cycle list
-- (GET /v1/claims?state=…&since=…). States now include cancelled.
ALTER TABLE claims ADD COLUMN run_id TEXT;
ALTER TABLE claims ADD COLUMN amount_currency TEXT;
ALTER TABLE claims ADD COLUMN eligible_minor INTEGER;
ALTER TABLE claims ADD COLUMN benefit_minor INTEGER;
ALTER TABLE claims ADD COLUMN copay_minor INTEGER;
ALTER TABLE claims ADD COLUMN patient_share_minor INTEGER;
ALTER TABLE claims ADD COLUMN tax_minor INTEGER;
CREATE INDEX claims_facility_state_created ON claims (facility_id, state, created_at, id);
