-- Wasl schema, version 12: the MessageHeader id of the message that submitted
-- a claim (not PHI), so an answer fetched later by billing.poll, which names
-- it in MessageHeader.response.identifier, finds its claim.
ALTER TABLE claims ADD COLUMN request_message_id TEXT;
CREATE INDEX claims_facility_request_message ON claims (facility_id, request_message_id);
