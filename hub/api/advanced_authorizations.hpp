// Advanced authorizations: what the payer authorized a facility's patient
// unasked (NPHIES advanced-authorization, claims::AdvancedAuthorizationStore),
// found by the patient and the coverage they name (roles admin and
// integrator, as the billing messages).
//
//   GET /v1/advanced-authorizations?patient=<identifier>&coverage=<member id>
//       &limit=1..200 (default 50): newest first, {"items": [...]} of
//     {"id", "pre_auth_ref", "response_system", "response_id",
//      "period_start", "period_end" (YYYY-MM-DD or null),
//      "patient_identifiers": [{"system", "value"}], "member_id",
//      "billing_message_id", "received_at"}; patient and coverage are each
//     optional, 1..64 characters. A value no identifier normalises to finds
//     nothing. Another facility's authorizations are never listed.
//   GET /v1/advanced-authorizations/{id}: one; another facility's, or a
//     missing one, 404.
// Both answer PHI: each read is audited (advanced_authorization.list with
// the count, advanced_authorization.read) in its transaction.
#pragma once

#include "hub/api/api_context.hpp"
#include "hub/http/router.hpp"

namespace wasl::api {

void add_advanced_authorization_routes(http::Router& router, ApiContext& context);

}  // namespace wasl::api
