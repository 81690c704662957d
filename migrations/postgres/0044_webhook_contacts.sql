-- Wasl schema, version 44 (PostgreSQL): when the hub last heard from each
-- instance that sends to it (hub/webhooks/webhook_contacts.hpp), so an EHR
-- whose notifications have gone silent past its heartbeat raises an alert
-- (hub/alerts/alert_rules.hpp) whichever hub its requests reached.
--
-- last_at: epoch ms of the latest verified request (a webhook, heartbeats
-- and handshakes included, or an MLLP message), written at most every few
-- seconds per hub.
CREATE TABLE webhook_contacts (
  instance  TEXT PRIMARY KEY,
  last_at   BIGINT NOT NULL
);

-- alert_states.instance now names any shared state: an instance's, or an
-- alert rule's condition ("rule:<rule>:<facility>").
