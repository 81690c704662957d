// Claims: GET /v1/consultations/{id}/claims (a consultation's claims, oldest
// first), GET /v1/claims/{id} and POST /v1/claims/{id}/retry. Facility-scoped
// like every route: another facility's claim or consultation answers 404.
// Reads write claim.read / claim.list audit events in their transaction;
// the claim's request and response (PHI) are never on the wire.
//
// Retry resubmits a claim whose submission failed: it is allowed when the
// claim is in state error, or still draft while the consultation's run
// failed at a billing.submit_claim step; the run must be failed at that
// step (a run that failed elsewhere is retried through
// POST /v1/consultations/{id}/retry). It resumes the run there exactly as
// that route does (Engine::retry: the submit step runs again with the same
// idempotency key, so the exchange answers a resend with its stored
// response), and answers 202 with the claim; the new result reaches the
// claim when the step settles. Any other state answers 409 problem+json
// naming the state (an approved, rejected, queued or submitted claim cannot
// be resubmitted). An optional Idempotency-Key replays the first 202.
#pragma once

#include "hub/api/api_context.hpp"
#include "hub/http/router.hpp"

namespace wasl::api {

void add_claim_routes(http::Router& router, ApiContext& context);

}  // namespace wasl::api
