// POST /v1/webhooks/{instance}: verify, store, acknowledge.
//
//  1. {instance} names a webhook source (WebhookSources); unknown → 404.
//     A body over server.webhook_body_limit was already refused with 413 by
//     the server while reading (RouteOptions::body_limit).
//  2. The source's verifier checks the signature over the method, the full
//     public URL (server.public_url without its trailing '/', followed by the
//     request target exactly as received, query included — what the sender
//     signed when the hub sits behind a proxy), the headers and the raw body.
//     kUnauthenticated → 401, kInvalidArgument → 400; both are audited
//     (action "webhook.rejected", actor "anonymous", outcome "denied" /
//     "failure", the source address, the reason code in detail) in a
//     transaction of their own. Any other verifier error → 503 (the sender
//     retries).
//  2a. A request carrying more than sdk::kMaxWebhookEvents events (the
//     verifier's kResourceExhausted, or more events than that returned) →
//     413, audited with reason "too_many_events"; nothing is stored.
//  3. The events become inbox rows (inbox_event.hpp; a row of a request with
//     several events stores that event's own part, not the whole body), written by the
//     InboxWriter: every row of the request durable in one commit before
//     the answer. 202 when at least one row is new, 200 when every event was
//     already stored (a duplicate: nothing else happens), 200 "no_events"
//     when the verifier found none. A storage failure → 503 with
//     Retry-After; nothing was acknowledged.
//
// Answer body: {"status": "accepted"|"duplicate"|"no_events", "stored": n,
// "duplicates": m}. No workflow work happens on the request thread.
//
// Metrics: wasl_webhooks_received_total {instance, outcome}, and
// wasl_webhook_verify_seconds {instance} (the verifier's time, every
// request of a known instance); the InboxWriter's histograms cover the
// encryption, the queue and the commit.
#pragma once

#include "hub/http/exchange.hpp"
#include "hub/webhooks/webhook_context.hpp"

namespace wasl::webhooks {

http::Response handle_webhook(const WebhookContext& context, http::Request& request);

// The URL the sender signed: public_url (trailing '/' removed) + raw_target.
std::string public_request_url(const config::ServerConfig& server, const http::Request& request);

}  // namespace wasl::webhooks
