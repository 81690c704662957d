// Consultations: POST /v1/consultations, GET /v1/consultations,
// GET /v1/consultations/{id}, GET …/{id}/timeline, POST …/{id}/cancel,
// POST …/{id}/retry.
//
// POST answers 201 Created with the consultation and Location: the
// consultation exists once it is answered; its workflow run proceeds in the
// background (follow it with …/timeline). The consultation, its first
// workflow job, the idempotency record and the consultation.create audit
// event commit in one transaction. Cancel and retry answer 202 Accepted:
// the engine carries them out asynchronously.
#pragma once

#include "hub/api/api_context.hpp"
#include "hub/http/router.hpp"

namespace wasl::api {

void add_consultation_routes(http::Router& router, ApiContext& context);

}  // namespace wasl::api
