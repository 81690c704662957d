#include "hub/api/audit_verification.hpp"

#include <nlohmann/json.hpp>

#include "hub/api/api_problem.hpp"
#include "hub/api/authorization.hpp"
#include "hub/api/field_validator.hpp"
#include "hub/api/json_response.hpp"
#include "hub/api/request_audit.hpp"
#include "hub/audit/audit_json.hpp"

namespace wasl::api {
namespace {

using http::Request;
using http::Response;

Response verification(ApiContext& ctx, Request& request, const access::Principal& principal) {
  FieldValidator v;
  for (const auto& [name, value] : request.query) {
    v.add(name.substr(0, 64), "unknown_field", "is not a parameter of this resource");
  }
  if (!v.ok()) return validation_problem(request, 400, v.take());
  if (ctx.audit_chain == nullptr) {
    return problem_response(request, 503, MessageId::kAuditVerificationUnavailable);
  }

  auto status = ctx.audit_chain->current();
  if (!status.ok()) return error_response(request, status.error());
  const audit::VerifyReport& report = status->report;

  audit::AuditEvent event =
      request_event(request, principal, "audit.verification_read", "audit_chain", "");
  event.detail = nlohmann::json{{"status", report.ok ? "intact" : "broken"},
                                {"events_checked", report.events_checked}}
                     .dump();
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  if (auto appended = ctx.audit->append(**tx, event); !appended.ok()) {
    return error_response(request, appended.error());
  }
  if (auto committed = (*tx)->commit(); !committed.ok()) {
    return error_response(request, committed.error());
  }

  nlohmann::json body = {
      {"status", report.ok ? "intact" : "broken"},
      {"scope", "platform"},
      {"events_checked", report.events_checked},
      {"checkpoints_checked", report.checkpoints_checked},
      {"first_broken_seq",
       report.first_bad_seq ? nlohmann::json(*report.first_bad_seq) : nlohmann::json(nullptr)},
      {"reason", report.ok ? nlohmann::json(nullptr) : nlohmann::json(report.reason)},
      {"verified_at", audit::format_rfc3339_ms(status->verified_at_ms)}};
  return json_response(200, body);
}

}  // namespace

void add_audit_verification_routes(http::Router& router, ApiContext& context) {
  add_authorized_route(
      router, context, "GET", "/v1/audit/verification",
      [&context](Request& r, const access::Principal& p) { return verification(context, r, p); },
      route_options("Whether the deployment's audit chain verifies."));
}

}  // namespace wasl::api
