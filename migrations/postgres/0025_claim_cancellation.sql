-- Wasl schema, version 25 (PostgreSQL): cancelling, nullifying and
-- resubmitting a claim (hub/claims/claim_cancellation.hpp,
-- claim_resubmission.hpp).
-- A cancellation or nullification is recorded on its claim before its
-- message goes out: its kind (cancel, nullify), reason (NPHIES
-- task-reason-code), the idempotency key its message carries (derived from
-- the claim, the kind and cancel_attempts, so a lost answer is sent again as
-- the same message), cancel_state (sending, taken, refused) and the
-- exchange's refusal (its codes; no PHI). A resubmission of a rejected claim
-- is a claim of its own naming the claim it replaces (replaces), which
-- points back at it (replaced_by).
ALTER TABLE claims ADD COLUMN cancel_kind TEXT;
ALTER TABLE claims ADD COLUMN cancel_reason TEXT;
ALTER TABLE claims ADD COLUMN cancel_key TEXT;
ALTER TABLE claims ADD COLUMN cancel_state TEXT;
ALTER TABLE claims ADD COLUMN cancel_error TEXT;
ALTER TABLE claims ADD COLUMN cancel_requested_at BIGINT;
ALTER TABLE claims ADD COLUMN cancel_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE claims ADD COLUMN replaces TEXT;
ALTER TABLE claims ADD COLUMN replaced_by TEXT;
CREATE INDEX claims_facility_replaces ON claims (facility_id, replaces);
