-- Wasl schema, version 43 (PostgreSQL): the deliveries of the hub's alerts
-- (hub/alerts/alert_delivery.hpp), one row per alert and target, written in
-- the alert's own transaction, so every hub on the database sees the same
-- queue and each alert reaches each target once.
--
-- target: "webhook.<name>" (facilities.<id>.alerts.webhooks) or
-- "alertmanager". state: pending, delivered, or failed (given up after a
-- day). attempts: sends begun. next_at: when it may be sent (epoch ms; a
-- retry backs off). claimed_until: a hub sending it holds it until then.
-- last_error: the last failure in the hub's words (an HTTP status or a
-- transport error code), never the target's answer.
CREATE TABLE alert_deliveries (
  alert_id       BIGINT NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
  facility_id    TEXT NOT NULL,
  target         TEXT NOT NULL,
  state          TEXT NOT NULL,
  attempts       INTEGER NOT NULL DEFAULT 0,
  next_at        BIGINT NOT NULL,
  claimed_until  BIGINT NOT NULL DEFAULT 0,
  last_error     TEXT,
  delivered_at   BIGINT,
  PRIMARY KEY (alert_id, facility_id, target)
);
CREATE INDEX alert_deliveries_due ON alert_deliveries (state, next_at);
