-- Wasl schema, version 2: the head of the audit hash chain.
-- audit_head holds exactly one row (id = 1): the seq and hash of the newest
-- audit event. Appenders lock it (PostgreSQL: SELECT ... FOR UPDATE, SQLite:
-- the write transaction) and update it with each event, which keeps the chain
-- one line under concurrent writers. audit verify also checks it against the
-- newest event, so deleting events after the last checkpoint is noticed.

CREATE TABLE audit_head (
  id    INTEGER PRIMARY KEY CHECK (id = 1),
  seq   BIGINT NOT NULL,
  hash  TEXT NOT NULL
);

INSERT INTO audit_head (id, seq, hash)
SELECT 1,
       COALESCE((SELECT MAX(seq) FROM audit_events), 0),
       COALESCE((SELECT hash FROM audit_events ORDER BY seq DESC LIMIT 1),
                '0000000000000000000000000000000000000000000000000000000000000000');

-- GET /v1/audit pages one facility's events in seq order.
CREATE INDEX audit_events_facility_seq ON audit_events (facility_id, seq);
