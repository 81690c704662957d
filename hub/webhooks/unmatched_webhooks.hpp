// The two bearer-key webhook routes (roles admin and integrator, as
// access/route_access.cpp lists them), scoped to the caller's facility:
//
//   GET /v1/webhooks/unmatched?state=unmatched|parked&limit=1..200 (default
//     unmatched, 50): {"items": [{"id", "instance", "dedupe_key", "state",
//     "received_at" (RFC 3339), "event_type", "correlation", "attempts",
//     "last_error"}]}, oldest first. Bodies and headers (PHI) are never
//     listed. An event from an instance the facility shares with other
//     facilities is stored without a facility; it is listed (and may be
//     replayed) only by a facility it is attributable to: its correlation
//     names a provider resource recorded for that facility at that instance
//     (records::ProviderResourceStore: a room, recording or participant its
//     runs made, an EHR resource they read). Roles are per facility, so an
//     event attributable to none is listed to no API key.
//   POST /v1/webhooks/unmatched/{id}/replay: puts an unmatched or parked row
//     back to "received" for the dispatcher (audited "webhook.replayed" in
//     the same transaction); 202 {"id", "state": "received"}. Another
//     facility's id or an unknown one → 404; a row in another state → 409.
//
// Errors: 401/403/429 from authentication, 403 for a role the route does not
// allow, 400 with errors[] for a bad query parameter, 503 on storage errors.
#pragma once

#include "hub/http/exchange.hpp"
#include "hub/webhooks/webhook_context.hpp"

namespace wasl::webhooks {

http::Response handle_list_unmatched(const WebhookContext& context, http::Request& request);
http::Response handle_replay_unmatched(const WebhookContext& context, http::Request& request);

}  // namespace wasl::webhooks
