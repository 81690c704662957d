// RequestAudit: the audit event an API request writes: the principal as
// actor, facility and console session, the request id and the client's host
// address. The
// caller appends it in the transaction of the read or change it records.
#pragma once

#include <optional>
#include <string>

#include "hub/access/principal.hpp"
#include "hub/audit/audit_event.hpp"
#include "hub/audit/audit_writer.hpp"
#include "hub/http/exchange.hpp"
#include "hub/storage/store.hpp"

namespace wasl::api {

// Outcome "success"; detail empty (the caller may set a compact JSON object
// of ids and counts, never PHI).
audit::AuditEvent request_event(const http::Request& request, const access::Principal& principal,
                                std::string action, std::string entity_type, std::string entity_id);

// The principal and its console session, for the stores that audit a change
// on the request's behalf (claims' cancellations, answers, replays).
audit::AuditActor request_actor(const access::Principal& principal);

// Appends `event` through `audit` in `tx`, then commits `tx`: nullopt when
// both succeeded, else the problem answering the failure (error_response;
// nothing is committed).
std::optional<http::Response> commit_audited(const audit::AuditWriter& audit,
                                             const http::Request& request, storage::Transaction& tx,
                                             const audit::AuditEvent& event);

}  // namespace wasl::api
