#include "hub/webhooks/unmatched_webhooks.hpp"

#include <charconv>

#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "hub/access/route_access.hpp"
#include "hub/audit/audit_event.hpp"
#include "hub/domain/timestamp.hpp"
#include "hub/http/problem_json.hpp"
#include "hub/webhooks/webhook_dispatcher.hpp"

namespace wasl::webhooks {

using records::InboxState;
using sdk::ErrorCode;

namespace {

constexpr int kDefaultLimit = 50;
constexpr int kMaxLimit = 200;

// The principal allowed on this route, or the problem to answer with.
std::variant<access::Principal, http::Response> authorize(const WebhookContext& context,
                                                          const http::Request& request) {
  if (!context.authenticate) {
    return http::service_unavailable("Authentication is not configured for this route.")
        .to_response(request.request_id);
  }
  auto principal = context.authenticate(request);
  if (!principal.ok()) {
    const sdk::Error& e = principal.error();
    if (e.code == ErrorCode::kUnauthenticated) {
      return http::unauthorized("A valid API key is required: Authorization: Bearer <key>.")
          .to_response(request.request_id);
    }
    if (e.code == ErrorCode::kPermissionDenied) {
      return http::forbidden(e.message).to_response(request.request_id);
    }
    if (e.code == ErrorCode::kResourceExhausted) {
      auto r = http::too_many_requests("Too many failed authentications from this address.")
                   .to_response(request.request_id);
      if (e.retry_after) {
        r.set_header(
            "Retry-After",
            std::to_string(std::max<std::int64_t>(
                1, std::chrono::duration_cast<std::chrono::seconds>(*e.retry_after).count())));
      }
      return r;
    }
    return http::service_unavailable("The request could not be authenticated now.")
        .to_response(request.request_id);
  }
  if (!access::allowed(principal->role, request.method, request.route)) {
    return http::forbidden("This API key's role may not use this route.")
        .to_response(request.request_id);
  }
  return std::move(principal).value();
}

http::Response storage_problem(const http::Request& request, const sdk::Error& error) {
  spdlog::error("webhook inbox query failed: {}", error.message);
  return http::service_unavailable("The inbox could not be read now; try again.")
      .to_response(request.request_id);
}

nlohmann::json describe(const records::InboxEntry& e) {
  nlohmann::json item{{"id", e.id},
                      {"instance", e.instance},
                      {"dedupe_key", e.dedupe_key},
                      {"state", std::string(records::to_string(e.state))},
                      {"received_at", domain::format_timestamp(e.received_at)},
                      {"event_type", e.event_type ? nlohmann::json(*e.event_type) : nullptr},
                      {"correlation", e.correlation ? nlohmann::json(*e.correlation) : nullptr},
                      {"attempts", e.attempts},
                      {"last_error", e.last_error ? nlohmann::json(*e.last_error) : nullptr}};
  return item;
}

// The caller's facility, and the instances serving it. An event stored
// without a facility comes from an instance several facilities share: it is
// the caller's once attributable to it (its correlation names a provider
// resource the facility owns at that instance), and no facility's before.
// An instance serving the caller alone is the caller's whole.
records::InboxScope scope_of(const WebhookContext& context, const access::Principal& principal) {
  records::InboxScope scope{principal.facility_id, {}, records::SharedRows::kAttributed, {}};
  if (context.sources == nullptr) return scope;
  for (std::string& instance : context.sources->instances_serving(principal.facility_id)) {
    auto source = context.sources->find(instance);
    bool alone = source.ok() && source->facilities.size() == 1;
    (alone ? scope.sole_instances : scope.instances).push_back(std::move(instance));
  }
  return scope;
}

}  // namespace

http::Response handle_list_unmatched(const WebhookContext& context, http::Request& request) {
  auto who = authorize(context, request);
  if (auto* denied = std::get_if<http::Response>(&who)) return std::move(*denied);
  const auto& principal = std::get<access::Principal>(who);

  std::vector<http::FieldError> errors;
  InboxState state = InboxState::kUnmatched;
  if (auto it = request.query.find("state"); it != request.query.end()) {
    if (it->second == "unmatched") {
      state = InboxState::kUnmatched;
    } else if (it->second == "parked") {
      state = InboxState::kParked;
    } else {
      errors.push_back({"state", "invalid", "state must be \"unmatched\" or \"parked\"."});
    }
  }
  int limit = kDefaultLimit;
  if (auto it = request.query.find("limit"); it != request.query.end()) {
    const std::string& text = it->second;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
    if (ec != std::errc() || end != text.data() + text.size() || limit < 1 || limit > kMaxLimit) {
      errors.push_back({"limit", "out_of_range", "limit must be an integer from 1 to 200."});
    }
  }
  if (!errors.empty()) {
    return http::bad_request("The query parameters are not valid.", std::move(errors))
        .to_response(request.request_id);
  }

  auto tx = context.store->begin(storage::TxMode::kReadOnly);
  if (!tx.ok()) return storage_problem(request, tx.error());
  auto entries = context.inbox->list(**tx, scope_of(context, principal), state, limit,
                                     records::InboxRead::kMetadata);
  if (!entries.ok()) return storage_problem(request, entries.error());
  nlohmann::json items = nlohmann::json::array();
  for (const auto& e : *entries) items.push_back(describe(e));
  return http::Response::json(200, nlohmann::json{{"items", std::move(items)}}.dump());
}

http::Response handle_replay_unmatched(const WebhookContext& context, http::Request& request) {
  auto who = authorize(context, request);
  if (auto* denied = std::get_if<http::Response>(&who)) return std::move(*denied);
  const auto& principal = std::get<access::Principal>(who);
  const std::string& id = request.path_params["id"];

  auto tx = context.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return storage_problem(request, tx.error());
  const records::InboxScope scope = scope_of(context, principal);
  auto entry = context.inbox->get(**tx, scope, id, records::InboxRead::kMetadata);
  if (!entry.ok()) {
    if (entry.error().code == ErrorCode::kNotFound) {
      return http::not_found("No webhook event with that id.").to_response(request.request_id);
    }
    return storage_problem(request, entry.error());
  }
  if (entry->state != InboxState::kUnmatched && entry->state != InboxState::kParked) {
    return http::conflict(
               "Only an unmatched or parked webhook event can be replayed; this one is " +
               std::string(records::to_string(entry->state)) + ".")
        .to_response(request.request_id);
  }
  auto marked = context.inbox->mark(**tx, scope, id, InboxState::kReceived);
  if (!marked.ok()) return storage_problem(request, marked.error());
  if (context.audit != nullptr) {
    audit::AuditEvent event;
    event.actor = principal.actor();
    event.facility_id = principal.facility_id;
    event.session = principal.session_ref;
    event.action = "webhook.replayed";
    event.entity_type = "webhook_event";
    event.entity_id = id;
    event.outcome = std::string(audit::kOutcomeSuccess);
    event.request_id = request.request_id;
    auto appended = context.audit->append(**tx, event);
    if (!appended.ok()) return storage_problem(request, appended.error());
  }
  auto committed = (*tx)->commit();
  if (!committed.ok()) return storage_problem(request, committed.error());
  if (context.dispatcher != nullptr) context.dispatcher->wake();
  return http::Response::json(202, nlohmann::json{{"id", id}, {"state", "received"}}.dump());
}

}  // namespace wasl::webhooks
