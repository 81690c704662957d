// The webhook routes and the services they borrow.
//
//   POST /v1/webhooks/{instance}               signature-authenticated ingress (webhook_intake.hpp)
//   GET  /v1/webhooks/unmatched                admin/integrator: events no run took (unmatched_webhooks.hpp)
//   POST /v1/webhooks/unmatched/{id}/replay    admin/integrator: dispatch one again
//
// The composition root (hub/app) fills a WebhookContext, calls
// add_webhook_routes() once while building the router, and starts/stops the
// WebhookDispatcher (webhook_dispatcher.hpp) with the other workers.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>

#include "hub/access/auth_failure_limiter.hpp"
#include "hub/access/principal.hpp"
#include "hub/audit/audit_writer.hpp"
#include "hub/config/config.hpp"
#include "hub/http/router.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/records/inbox_store.hpp"
#include "hub/storage/store.hpp"
#include "hub/webhooks/inbox_writer.hpp"
#include "hub/webhooks/webhook_sources.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::webhooks {

class WebhookDispatcher;

// Borrowed services; every non-optional pointer must be set and outlive the
// router's use (the server's lifetime). The handlers only read the context.
struct WebhookContext {
  const config::ServerConfig* server = nullptr;  // public_url, webhook_body_limit
  const WebhookSources* sources = nullptr;
  storage::Store* store = nullptr;
  const records::InboxStore* inbox = nullptr;
  InboxWriter* writer = nullptr;
  const audit::AuditWriter* audit = nullptr;
  // Optional. Counts rejected webhooks per source address; while an address
  // is blocked its further rejections are answered without an audit write,
  // so a flood of forged requests costs no database writes. A blocked
  // address's correctly signed webhooks are still accepted.
  access::AuthFailureLimiter* rejection_limiter = nullptr;
  // Optional: woken after each accepted webhook so dispatch starts at once.
  WebhookDispatcher* dispatcher = nullptr;
  // Optional: wasl_webhooks_received_total{instance,outcome}.
  observability::Metrics* metrics = nullptr;
  // Required for the two bearer-key routes: the caller's principal from the
  // request's Authorization header (kUnauthenticated → 401,
  // kPermissionDenied → 403, kResourceExhausted → 429). The role is checked
  // here against access::route_rules().
  std::function<sdk::Result<access::Principal>(const http::Request&)> authenticate;
  // Wall clock, epoch ms; unset = the system clock.
  std::function<std::int64_t()> now_ms;
};

void add_webhook_routes(http::Router& router, WebhookContext& context);

}  // namespace wasl::webhooks
