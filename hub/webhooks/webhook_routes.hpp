// The webhook routes:
//
//   POST /v1/webhooks/{instance}               signature-authenticated ingress (webhook_intake.hpp)
//   GET  /v1/webhooks/unmatched                admin/integrator: events no run took
//   (unmatched_webhooks.hpp) POST /v1/webhooks/unmatched/{id}/replay    admin/integrator: dispatch
//   one again
//
// The composition root (hub/app) fills a WebhookContext (webhook_context.hpp),
// calls add_webhook_routes() once while building the router, and starts/stops
// the WebhookDispatcher (webhook_dispatcher.hpp) with the other workers.
#pragma once

#include "hub/http/router.hpp"
#include "hub/webhooks/webhook_context.hpp"

namespace wasl::webhooks {

// Adds the three routes to `router`. The routes keep a pointer to `context`,
// so it must outlive the router's use.
void add_webhook_routes(http::Router& router, WebhookContext& context);

}  // namespace wasl::webhooks
