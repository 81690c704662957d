-- The webhook dispatcher's backoff lives with the inbox row: a row that
-- failed is not tried again before next_attempt_at (epoch ms), in this
-- process or another, and a restart keeps the wait.
ALTER TABLE inbox ADD COLUMN next_attempt_at BIGINT NOT NULL DEFAULT 0;
