#include "hub/api/request_audit.hpp"

#include <utility>

#include "hub/api/api_problem.hpp"
#include "hub/api/authorization.hpp"

namespace wasl::api {

audit::AuditEvent request_event(const http::Request& request, const access::Principal& principal,
                                std::string action, std::string entity_type,
                                std::string entity_id) {
  audit::AuditEvent event;
  event.actor = principal.authenticated() ? principal.actor() : "anonymous";
  event.facility_id = principal.facility_id;
  event.session = principal.session_ref;
  event.action = std::move(action);
  event.entity_type = std::move(entity_type);
  event.entity_id = std::move(entity_id);
  event.outcome = std::string(audit::kOutcomeSuccess);
  event.request_id = request.request_id;
  event.source_address =
      request.client_address.empty() ? client_host(request.remote_address) : request.client_address;
  return event;
}

audit::AuditActor request_actor(const access::Principal& principal) {
  return {principal.authenticated() ? principal.actor() : "anonymous", principal.session_ref};
}

std::optional<http::Response> commit_audited(const audit::AuditWriter& audit,
                                             const http::Request& request, storage::Transaction& tx,
                                             const audit::AuditEvent& event) {
  if (auto appended = audit.append(tx, event); !appended.ok()) {
    return error_response(request, appended.error());
  }
  if (auto committed = tx.commit(); !committed.ok()) {
    return error_response(request, committed.error());
  }
  return std::nullopt;
}

}  // namespace wasl::api
