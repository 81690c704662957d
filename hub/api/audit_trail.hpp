// AuditTrail: GET /v1/audit — the principal's facility's audit events,
// oldest first, filtered by entity_type, entity_id, actor, action, from, to
// (RFC 3339) and paged by limit (1-1000, default 100) and cursor. With
// `Accept: application/fhir+json` the page is a FHIR R4 Bundle of
// AuditEvent resources whose "next" link carries the cursor. Reading the
// trail is itself audited (audit.read).
#pragma once

#include "hub/api/api_context.hpp"
#include "hub/http/router.hpp"

namespace wasl::api {

void add_audit_trail_routes(http::Router& router, ApiContext& context);

}  // namespace wasl::api
