-- Wasl schema, version 26 (PostgreSQL): claims sent in batches
-- (hub/claims/claim_batches.hpp). A facility that bills in batches queues
-- each built claim (state batched); the billing round puts up to 200 of one
-- payer into a batch, recording the batch's id on each (batch_id) before the
-- batch goes out.
ALTER TABLE claims ADD COLUMN batch_id TEXT;
CREATE INDEX claims_facility_batch ON claims (facility_id, batch_id);
