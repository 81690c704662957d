// Billing messages: what the hub took from the exchange's poll queue
// (claims::BillingMessageStore), for the facility's operators (roles admin
// and integrator), scoped to the caller's facility (another facility's
// message answers 404, exactly like a missing one):
//
//   GET /v1/billing/messages?state=recorded|unmatched|unreadable|error
//       &limit=1..200 (default 50)&cursor=: oldest first, {"items": [{"id",
//     "message_id" (the exchange's), "event", "state", "claim_id",
//     "request_message_id", "problem", "received_at", "updated_at",
//     "replays"}], "next_cursor"}. The messages themselves (PHI) are never
//     on the wire; what is listed is not PHI, so the read is not audited.
//   POST /v1/billing/messages/{id}/replay: routes a stored unmatched,
//     unreadable or error message again (claims::replay_billing_message,
//     e.g. once the claim it names is known) and answers 200 with its row,
//     audited billing.message_replayed in the same transaction. A recorded
//     message answers 409; nothing changes on any error.
#pragma once

#include <nlohmann/json.hpp>

#include "hub/api/api_context.hpp"
#include "hub/claims/billing_message_store.hpp"
#include "hub/http/router.hpp"

namespace wasl::api {

void add_billing_message_routes(http::Router& router, ApiContext& context);

// The listed form of a billing message (no PHI).
nlohmann::json billing_message_json(const claims::BillingMessage& m);

}  // namespace wasl::api
