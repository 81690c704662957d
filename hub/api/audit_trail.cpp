#include "hub/api/audit_trail.hpp"

#include <cstdlib>

#include <Poco/URI.h>
#include <nlohmann/json.hpp>

#include "hub/api/api_problem.hpp"
#include "hub/api/authorization.hpp"
#include "hub/api/field_validator.hpp"
#include "hub/api/json_response.hpp"
#include "hub/api/request_audit.hpp"
#include "hub/audit/audit_json.hpp"
#include "hub/audit/audit_query.hpp"
#include "hub/domain/timestamp.hpp"

namespace wasl::api {
namespace {

using http::Request;
using http::Response;

// Every byte but RFC 3986's unreserved characters as %XX (uppercase hex).
std::string percent_encode(std::string_view s) {
  std::string out;
  Poco::URI::encode(std::string(s), "!#$&'()*+,/:;=?@[]", out);
  return out;
}

bool wants_fhir(const Request& request) {
  auto accept = request.header("Accept");
  return accept && accept->find("application/fhir+json") != std::string::npos;
}

Response query(ApiContext& ctx, Request& request, const access::Principal& principal) {
  FieldValidator v;
  audit::AuditQuery q;
  q.facility_id = principal.facility_id;
  for (const auto& [name, value] : request.query) {
    if (value.size() > 256) {
      v.add(name.substr(0, 64), "too_long", "must be at most 256 characters");
    } else if (name == "entity_type") {
      q.entity_type = value;
    } else if (name == "entity_id") {
      q.entity_id = value;
    } else if (name == "actor") {
      q.actor = value;
    } else if (name == "session") {
      q.session = value;
    } else if (name == "action") {
      q.action = value;
    } else if (name == "from" || name == "to") {
      auto t = domain::parse_timestamp(value);
      if (!t) {
        v.add(name, "invalid_format", "must be an RFC 3339 date-time");
      } else {
        (name == "from" ? q.from_ms : q.to_ms) = *t;
      }
    } else if (name == "limit") {
      char* end = nullptr;
      long n = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || n < 1 || n > audit::kMaxAuditPageSize) {
        v.add("limit", "out_of_range",
              "must be a whole number from 1 to " + std::to_string(audit::kMaxAuditPageSize));
      } else {
        q.limit = static_cast<int>(n);
      }
    } else if (name == "cursor") {
      if (!audit::decode_audit_cursor(value).ok()) {
        v.add("cursor", "invalid_format", "is not a cursor this server issued");
      } else {
        q.cursor = value;
      }
    } else {
      v.add(name.substr(0, 64), "unknown_field", "is not a parameter of this resource");
    }
  }
  if (q.from_ms && q.to_ms && *q.from_ms >= *q.to_ms) {
    v.add("from", "out_of_range", "must be before 'to'");
  }
  if (!v.ok()) return validation_problem(request, 400, v.take());

  auto page = audit::query_audit_events(*ctx.store, q);
  if (!page.ok()) return error_response(request, page.error());

  audit::AuditEvent event = request_event(request, principal, "audit.read", "", "");
  event.detail = nlohmann::json{{"count", page->events.size()}}.dump();
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  // Names are read when the page is served, never kept in the trail.
  audit::PersonNames names;
  if (ctx.person_names) {
    if (auto ids = audit::person_ids(*page); !ids.empty()) {
      auto resolved = ctx.person_names(**tx, ids);
      if (!resolved.ok()) return error_response(request, resolved.error());
      names = std::move(resolved).value();
    }
  }
  if (auto appended = ctx.audit->append(**tx, event); !appended.ok()) {
    return error_response(request, appended.error());
  }
  if (auto committed = (*tx)->commit(); !committed.ok()) {
    return error_response(request, committed.error());
  }

  if (wants_fhir(request)) {
    std::string next;
    if (page->next_cursor) {
      next = "/v1/audit?";
      for (const auto& [name, value] : request.query) {
        if (name == "cursor") continue;
        next += percent_encode(name) + "=" + percent_encode(value) + "&";
      }
      next += "cursor=" + percent_encode(*page->next_cursor);
    }
    return json_response(200, audit::to_fhir_bundle(*page, ctx.options.audit_observer, next, names),
                         "application/fhir+json");
  }
  return json_response(200, audit::to_json(*page, names));
}

}  // namespace

void add_audit_trail_routes(http::Router& router, ApiContext& context) {
  add_authorized_route(
      router, context, "GET", "/v1/audit",
      [&context](Request& r, const access::Principal& p) { return query(context, r, p); },
      route_options("Query the facility's audit trail (JSON or FHIR R4 AuditEvent)."));
}

}  // namespace wasl::api
