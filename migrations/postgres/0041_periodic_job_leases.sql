-- Wasl schema, version 41 (PostgreSQL): the periods of the hub's periodic
-- jobs (recording retention, the session reconciler, the no-show check, …;
-- hub/jobs/period_lease.hpp), shared by every hub on the database so two
-- hubs never run one job's period twice. One row per job: the holder of its
-- last period (a token unique to one job object in one hub process), until
-- when that period may run (epoch ms; at or before now: none runs), and when
-- the next period is due (epoch ms).
CREATE TABLE periodic_job_leases (
  job          TEXT PRIMARY KEY,
  holder       TEXT NOT NULL,
  expires_at   BIGINT NOT NULL,
  next_at      BIGINT NOT NULL
);
