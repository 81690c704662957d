// WebhookContext: the services the webhook handlers (webhook_intake.hpp,
// unmatched_webhooks.hpp) borrow. The composition root (hub/app) fills one,
// passes it to add_webhook_routes() (webhook_routes.hpp) and does not change
// it afterwards.
//
// Ownership: nothing here is owned. Every pointer not marked optional must
// be set, and everything pointed to must outlive the router's use of the
// context (the server's lifetime); an optional pointer left null turns off
// what it serves. Thread safety: the handlers only read the context, from
// any number of request threads at once.
#pragma once

#include <cstdint>
#include <functional>

#include "hub/access/auth_failure_limiter.hpp"
#include "hub/access/principal.hpp"
#include "hub/audit/audit_writer.hpp"
#include "hub/config/config.hpp"
#include "hub/http/exchange.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/records/inbox_store.hpp"
#include "hub/storage/store.hpp"
#include "hub/webhooks/inbox_writer.hpp"
#include "hub/webhooks/webhook_contacts.hpp"
#include "hub/webhooks/webhook_sources.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::webhooks {

class WebhookDispatcher;

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
  // Optional: told of every verified request and feed message, so a sender
  // gone silent can be told from one with nothing to say.
  WebhookContacts* contacts = nullptr;
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

}  // namespace wasl::webhooks
