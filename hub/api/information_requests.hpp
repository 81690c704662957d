// Information requests: what the payer asks about the facility's claims
// (claims::InformationRequestStore) and the operators' answers, scoped to
// the caller's facility (another facility's request answers 404, exactly
// like a missing one); roles admin and integrator.
//
//   GET /v1/information-requests?state=open|sending|answered|cannot_supply
//       &limit=1..200 (default 50)&cursor=: oldest first, {"items": [{"id",
//     "claim_id", "reason", "due_at", "state", "received_at", "answered_at",
//     "last_error"}], "next_cursor"}: no PHI, not audited.
//   GET /v1/information-requests/{id}: the same with what is asked
//     ("questions", "documents": [{"content_type", "title"}]) and, once
//     answered, what was sent ("answer": {"texts", "attachments": [{
//     "content_type", "title", "size"}], "cannot_supply", "reason"}, never
//     the documents' bytes): PHI, audited information_request.read.
//   POST /v1/information-requests/{id}/answer {"texts": [...],
//     "attachments": [{"content_type": "application/pdf"|"image/jpeg",
//     "title", "data": base64}], "cannot_supply": bool, "reason"}: sends the
//     answer (claims::answer_information_request; the body up to 14 MiB,
//     the documents up to 10 MB decoded) and answers 200 with the request.
//     422 naming the field for a bad answer (nothing stored); 409 when it
//     is already answered; 502 when the exchange refused it (the detail
//     names its rule; the request is open again); 503 when the exchange did
//     not answer (the answer is kept and sent again, unchanged, by the next
//     POST).
#pragma once

#include "hub/api/api_context.hpp"
#include "hub/http/router.hpp"

namespace wasl::api {

inline constexpr std::int64_t kAnswerBodyLimit = 14 << 20;

void add_information_request_routes(http::Router& router, ApiContext& context);

}  // namespace wasl::api
