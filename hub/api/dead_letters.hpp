// Dead letters: what the hub could not finish, for an operator to repair,
// scoped to the caller's facility (roles admin and integrator).
//
//   GET /v1/dead-letters?kind=run|webhook|billing&workflow=<name>&since=<RFC 3339>
//       &limit=1..200 (default 100): newest first, {"items": [...]} of
//     {"kind": "run", "id" (run), "consultation_id", "workflow",
//      "workflow_version", "failed_step", "error", "at" (when it failed)} —
//     workflow runs in state failed — and
//     {"kind": "webhook", "id", "instance", "dedupe_key" (the sender's
//      message id), "state" (unmatched|parked),
//      "event_type", "attempts", "last_error", "at" (received)} —
//     webhooks no run took — and
//     {"kind": "billing", "id" (billing message), "message_id" (the
//      exchange's), "event", "state" (error|unreadable), "claim_id" (the
//      claim it names, or null), "error" (what failed), "replay" (its
//      replay route, POST /v1/billing/messages/{id}/replay), "at"
//      (received)} — the exchange's error notices and the messages the
//     billing plugin could not read (claims::BillingMessageStore::failed).
//     No PHI (no bodies, no patients): not audited.
//   POST /v1/dead-letters/replay {"ids": [webhook ids, 1..100]}: every one
//     back to "received" for the dispatcher in one transaction, each audited
//     "webhook.replayed" with the operator's key in that transaction; 202
//     {"items": [{"id", "state": "received"}]}. More than 100 ids, a
//     duplicate or a malformed body → 400; an id not the facility's →
//     404; one not unmatched or parked → 409; nothing changes on any error.
#pragma once

#include "hub/api/api_context.hpp"
#include "hub/http/router.hpp"

namespace wasl::api {

inline constexpr int kMaxBulkReplay = 100;

void add_dead_letter_routes(http::Router& router, ApiContext& context);

}  // namespace wasl::api
