// AuditVerification: GET /v1/audit/verification — whether the audit hash
// chain and its signed checkpoints hold up, as `wasl audit verify` would say:
//   {"status": "intact" | "broken", "scope": "platform", "events_checked": N,
//    "checkpoints_checked": M, "first_broken_seq": S | null,
//    "reason": "…" | null, "verified_at": RFC 3339}
// The chain links every facility's events, so its status is the whole
// deployment's, the same for every auditor: it holds sequence numbers and
// counts, never another facility's events. The walk is shared and repeated
// at most once per the ChainStatus's max_age (hub/app: a minute). The read is
// audited (audit.verification_read). Auditors only (route_access.cpp).
#pragma once

#include "hub/api/api_context.hpp"
#include "hub/http/router.hpp"

namespace wasl::api {

void add_audit_verification_routes(http::Router& router, ApiContext& context);

}  // namespace wasl::api
