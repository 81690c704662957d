-- Wasl schema, version 21 (SQLite): the lease under which one hub at a time
-- makes a facility's billing round (status-checks of claims in doubt, then
-- billing.poll; hub/claims/poll_lease.hpp), and when the facility's next
-- round is due, shared by every hub on the database. One row per facility:
-- the holder of the last round (a token unique to one hub process), until
-- when its round may run (epoch ms; at or before now: no round runs), and
-- when the next round is due (epoch ms).
CREATE TABLE billing_poll_leases (
  facility_id  TEXT PRIMARY KEY,
  holder       TEXT NOT NULL,
  expires_at   INTEGER NOT NULL,
  next_at      INTEGER NOT NULL
);
