-- Wasl schema, version 10 (SQLite): the lease that lets one hub process at a
-- time re-encrypt a database under a new data key
-- (hub/key_rotation/key_rotation_job.hpp). One row, id 'rotation': the holder
-- (a token unique to one job object) and when its lease ends (epoch ms). A
-- job takes the row when it is free, its own, or lapsed, and renews it before
-- every batch; the others wait.
CREATE TABLE key_rotation_lease (
  id          TEXT PRIMARY KEY,
  holder      TEXT NOT NULL,
  expires_at  INTEGER NOT NULL
);
