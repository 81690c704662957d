-- Wasl schema, version 33 (SQLite): the approved exceptions to a facility's
-- residency requirement (facilities.<id>.residency_exceptions in the
-- config) the hub has started with. One row per (facility, instance,
-- reference), written with its audit event (residency_exception.in_force)
-- in one transaction at the first start whose config holds the exception;
-- a later start finds the row and writes nothing, so each exception is
-- audited once. A new reference for the same instance (a renewed approval)
-- is a new row. approved_on: the approval's date as the config gave it
-- (YYYY-MM-DD); residency: where the instance processed data then;
-- first_started_at: when the hub first started with it (epoch ms).
CREATE TABLE residency_exceptions (
  facility_id       TEXT NOT NULL REFERENCES facilities(id),
  instance          TEXT NOT NULL,
  reference         TEXT NOT NULL,
  approved_on       TEXT NOT NULL,
  residency         TEXT NOT NULL,
  first_started_at  BIGINT NOT NULL,
  PRIMARY KEY (facility_id, instance, reference)
);
