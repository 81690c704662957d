-- Wasl schema, version 19: the message id of the exchange's answer recorded on
-- a claim (a polled answer's MessageHeader id), so that acknowledging an answer
-- from a workflow step can be limited to the answers of the run's facility.
ALTER TABLE claims ADD COLUMN response_message_id TEXT;
CREATE INDEX claims_facility_response_message ON claims (facility_id, response_message_id);
