-- Wasl schema, version 42 (SQLite): the hub's alerts (hub/alerts), shared by
-- every hub on the database, so two hubs behind one load balancer show the
-- same alerts and raise one per change however many of them see it.
--
-- alerts: newest last (id ascending). instance: the plugin instance the
-- alert is about, or "hub" for the hub's own (its TLS listener); facility_id:
-- the facility it is about, NULL when it is about the instance for every
-- facility that binds it. message: the hub's own words, never a provider's
-- text. dedup_key: set when the alert is raised once per key (a certificate
-- crossing one threshold, a workflow step's alert under one idempotency
-- key), so a second raise, by this hub or another, adds nothing.
CREATE TABLE alerts (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  instance     TEXT NOT NULL,
  facility_id  TEXT,
  kind         TEXT NOT NULL,
  at_ms        INTEGER NOT NULL,
  message      TEXT NOT NULL,
  dedup_key    TEXT UNIQUE
);
CREATE INDEX alerts_at ON alerts (at_ms);

-- alert_states: each plugin instance's state as the hubs saw it last
-- ("healthy" | "failing") and since when (epoch ms). A hub writes an alert
-- only when it changes this row, so a transition is one alert.
CREATE TABLE alert_states (
  instance     TEXT PRIMARY KEY,
  state        TEXT NOT NULL,
  since_ms     INTEGER NOT NULL
);
