#include "hub/api/advanced_authorizations.hpp"

#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "hub/api/api_problem.hpp"
#include "hub/api/authorization.hpp"
#include "hub/api/field_validator.hpp"
#include "hub/api/json_response.hpp"
#include "hub/api/request_audit.hpp"
#include "hub/claims/advanced_authorization_store.hpp"
#include "hub/domain/timestamp.hpp"

namespace wasl::api {
namespace {

using http::Request;
using http::Response;
using nlohmann::json;

constexpr int kDefaultLimit = 50;
constexpr int kMaxLimit = 200;
constexpr std::size_t kMaxValueChars = 64;

json authorization_json(const claims::AdvancedAuthorizationRow& a) {
  auto date = [](const std::optional<std::string>& d) { return d ? json(*d) : json(nullptr); };
  return {{"id", a.id},
          {"pre_auth_ref", a.pre_auth_ref},
          {"response_system", a.response_system},
          {"response_id", a.response_id},
          {"period_start", date(a.period_start)},
          {"period_end", date(a.period_end)},
          {"patient_identifiers", a.patient_identifiers},
          {"member_id", a.member_id},
          {"billing_message_id", a.billing_message_id},
          {"received_at", domain::format_timestamp(a.received_at)}};
}

// GET /v1/advanced-authorizations?patient=&coverage=&limit=
Response list_authorizations(ApiContext& ctx, Request& request,
                             const access::Principal& principal) {
  FieldValidator v;
  claims::AdvancedAuthorizationQuery q;
  q.limit = kDefaultLimit;
  for (const auto& [name, value] : request.query) {
    if (name == "patient" || name == "coverage") {
      if (value.empty() || value.size() > kMaxValueChars) {
        v.add(name, "out_of_range", "must be 1 to 64 characters");
      } else {
        (name == "patient" ? q.patient : q.coverage) = value;
      }
    } else if (name == "limit") {
      int n = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || end != value.data() + value.size() || n < 1 || n > kMaxLimit) {
        v.add("limit", "out_of_range",
              "must be a whole number from 1 to " + std::to_string(kMaxLimit));
      } else {
        q.limit = static_cast<std::size_t>(n);
      }
    } else {
      v.add(name.substr(0, 64), "unknown_field", "is not a parameter of this resource");
    }
  }
  if (!v.ok()) return validation_problem(request, 400, v.take());
  claims::AdvancedAuthorizationStore authorizations(*ctx.cipher, *ctx.audit);
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  auto found = authorizations.list(**tx, principal.facility_id, q);
  if (!found.ok()) return error_response(request, found.error());
  audit::AuditEvent event = request_event(request, principal, "advanced_authorization.list",
                                          "advanced_authorization", "");
  event.detail = json{{"count", found->size()}}.dump();
  if (auto failed = commit_audited(*ctx.audit, request, **tx, event)) return *failed;
  json items = json::array();
  for (const auto& a : *found) items.push_back(authorization_json(a));
  return json_response(200, json{{"items", std::move(items)}});
}

// GET /v1/advanced-authorizations/{id}
Response read(ApiContext& ctx, Request& request, const access::Principal& principal) {
  const std::string& id = request.path_params.at("id");
  claims::AdvancedAuthorizationStore authorizations(*ctx.cipher, *ctx.audit);
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  auto found = authorizations.get(**tx, principal.facility_id, id);
  if (!found.ok()) {
    return error_response(request, found.error(), MessageId::kAdvancedAuthorizationNotFound);
  }
  if (auto failed = commit_audited(*ctx.audit, request, **tx,
                                   request_event(request, principal, "advanced_authorization.read",
                                                 "advanced_authorization", id))) {
    return *failed;
  }
  return json_response(200, authorization_json(*found));
}

}  // namespace

void add_advanced_authorization_routes(http::Router& router, ApiContext& context) {
  add_authorized_route(
      router, context, "GET", "/v1/advanced-authorizations",
      [&context](Request& r, const access::Principal& p) {
        return list_authorizations(context, r, p);
      },
      route_options("List the payer's advanced authorizations by patient and coverage."));
  add_authorized_route(
      router, context, "GET", "/v1/advanced-authorizations/{id}",
      [&context](Request& r, const access::Principal& p) { return read(context, r, p); },
      route_options("Read an advanced authorization."));
}

}  // namespace wasl::api
