#include "hub/api/billing_messages.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hub/api/api_problem.hpp"
#include "hub/api/authorization.hpp"
#include "hub/api/field_validator.hpp"
#include "hub/api/json_response.hpp"
#include "hub/api/list_params.hpp"
#include "hub/api/request_audit.hpp"
#include "hub/claims/billing_message_store.hpp"
#include "hub/domain/timestamp.hpp"
#include "hub/records/list_cursor.hpp"

namespace wasl::api {

using http::Request;
using http::Response;

namespace {

Response list(ApiContext& ctx, Request& request, const access::Principal& principal) {
  FieldValidator v;
  claims::BillingMessageQuery q;
  ListParams paging;
  for (const auto& [name, value] : request.query) {
    if (name == "state") {
      q.state = claims::billing_message_state_from(value);
      if (!q.state) {
        v.add("state", "unknown_value", "must be one of: recorded, unmatched, unreadable, error");
      }
    } else if (!read_list_param(name, value, v, paging)) {
      v.add(name.substr(0, 64), "unknown_field", "is not a parameter of this resource");
    }
  }
  if (!v.ok()) return validation_problem(request, 400, v.take());
  q.limit = paging.limit + 1;  // one more tells whether a next page exists
  q.after = paging.after;
  claims::BillingMessageStore messages(*ctx.cipher, *ctx.audit);
  auto tx = ctx.store->begin(storage::TxMode::kReadOnly);
  if (!tx.ok()) return error_response(request, tx.error());
  auto found = messages.list(**tx, principal.facility_id, q);
  if (!found.ok()) return error_response(request, found.error());
  std::vector<claims::BillingMessage>& page = *found;
  const nlohmann::json next = cut_page(page, paging.limit, [](const claims::BillingMessage& last) {
    return records::ListCursor{last.received_at, last.id};
  });
  nlohmann::json items = nlohmann::json::array();
  for (const auto& m : page) items.push_back(billing_message_json(m));
  return json_response(200, nlohmann::json{{"items", std::move(items)}, {"next_cursor", next}});
}

Response replay(ApiContext& ctx, Request& request, const access::Principal& principal) {
  if (!ctx.replay_billing_message) {
    return error_response(request, sdk::Error(sdk::ErrorCode::kUnavailable,
                                              "billing message replay is not available", true));
  }
  auto replayed = ctx.replay_billing_message(principal.facility_id, request.path_params.at("id"),
                                             request_actor(principal));
  if (!replayed.ok()) {
    if (replayed.error().code == sdk::ErrorCode::kFailedPrecondition) {
      return problem_response(request, 409, MessageId::kBillingMessageRecorded);
    }
    return error_response(request, replayed.error(), MessageId::kBillingMessageNotFound);
  }
  return json_response(200, *replayed);
}

}  // namespace

nlohmann::json billing_message_json(const claims::BillingMessage& m) {
  auto optional = [](const std::optional<std::string>& v) -> nlohmann::json {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  };
  return {{"id", m.id},
          {"message_id", m.message_id},
          {"event", m.event},
          {"state", std::string(claims::to_string(m.state))},
          {"claim_id", optional(m.claim_id)},
          {"request_message_id", optional(m.request_message_id)},
          {"problem", optional(m.problem)},
          {"received_at", domain::format_timestamp(m.received_at)},
          {"updated_at", domain::format_timestamp(m.updated_at)},
          {"replays", m.replays}};
}

void add_billing_message_routes(http::Router& router, ApiContext& context) {
  add_authorized_route(
      router, context, "GET", "/v1/billing/messages",
      [&context](Request& r, const access::Principal& p) { return list(context, r, p); },
      route_options("List the messages polled from the exchange, oldest first, by state."));
  add_authorized_route(
      router, context, "POST", "/v1/billing/messages/{id}/replay",
      [&context](Request& r, const access::Principal& p) { return replay(context, r, p); },
      route_options("Route a stored unmatched, unreadable or error billing message again."));
}

}  // namespace wasl::api
