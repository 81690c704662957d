#include "hub/api/dead_letters.hpp"

#include <algorithm>
#include <charconv>
#include <set>

#include "hub/api/api_problem.hpp"
#include "hub/api/authorization.hpp"
#include "hub/api/field_validator.hpp"
#include "hub/api/json_body.hpp"
#include "hub/api/json_response.hpp"
#include "hub/api/request_audit.hpp"
#include "hub/claims/billing_message_store.hpp"
#include "hub/domain/timestamp.hpp"
#include "hub/records/inbox_store.hpp"
#include "hub/workflow/run_listing.hpp"

namespace wasl::api {
namespace {

using nlohmann::json;
using records::InboxState;

constexpr int kDefaultDeadLetterLimit = 100;
constexpr int kMaxDeadLetterLimit = 200;
constexpr std::size_t kMaxIdChars = 64;

struct Filter {
  bool runs = true;
  bool webhooks = true;
  bool billing = true;
  std::optional<std::string> workflow;
  std::int64_t since_ms = 0;
  int limit = kDefaultDeadLetterLimit;
};

std::optional<int> parse_query_int(const std::string& text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// The facility's failed runs, newest first.
sdk::Result<std::vector<std::pair<std::int64_t, json>>> failed_runs(storage::Transaction& tx,
                                                                    const std::string& facility,
                                                                    const Filter& f) {
  WASL_ASSIGN_OR_RETURN(std::vector<workflow::FailedRun> runs,
                        workflow::list_failed_runs(tx, facility, f.since_ms, f.workflow, f.limit));
  auto text = [](const std::optional<std::string>& v) { return v ? json(*v) : json(nullptr); };
  std::vector<std::pair<std::int64_t, json>> out;
  out.reserve(runs.size());
  for (const auto& run : runs) {
    out.emplace_back(run.failed_at, json{{"kind", "run"},
                                         {"id", text(run.id)},
                                         {"consultation_id", text(run.consultation_id)},
                                         {"workflow", text(run.workflow_name)},
                                         {"workflow_version", run.workflow_version},
                                         {"failed_step", text(run.failed_step)},
                                         {"error", text(run.error)},
                                         {"at", domain::format_timestamp(run.failed_at)}});
  }
  return out;
}

// The facility's unmatched and parked webhooks.
sdk::Result<std::vector<std::pair<std::int64_t, json>>> stuck_webhooks(
    storage::Transaction& tx, const records::InboxStore& inbox, const std::string& facility,
    const Filter& f) {
  std::vector<std::pair<std::int64_t, json>> out;
  for (InboxState state : {InboxState::kUnmatched, InboxState::kParked}) {
    WASL_ASSIGN_OR_RETURN(auto entries, inbox.list(tx, facility, state, kMaxDeadLetterLimit,
                                                   records::InboxRead::kMetadata));
    for (const auto& e : entries) {
      if (e.received_at < f.since_ms) continue;
      out.emplace_back(e.received_at,
                       json{{"kind", "webhook"},
                            {"id", e.id},
                            {"instance", e.instance},
                            {"dedupe_key", e.dedupe_key},
                            {"state", std::string(records::to_string(e.state))},
                            {"event_type", e.event_type ? json(*e.event_type) : json(nullptr)},
                            {"attempts", e.attempts},
                            {"last_error", e.last_error ? json(*e.last_error) : json(nullptr)},
                            {"at", domain::format_timestamp(e.received_at)}});
    }
  }
  return out;
}

// The facility's billing messages in state error or unreadable.
sdk::Result<std::vector<std::pair<std::int64_t, json>>> failed_billing_messages(
    storage::Transaction& tx, const claims::BillingMessageStore& messages,
    const std::string& facility, const Filter& f) {
  WASL_ASSIGN_OR_RETURN(std::vector<claims::BillingMessage> failed,
                        messages.failed(tx, facility, f.since_ms, f.limit));
  std::vector<std::pair<std::int64_t, json>> out;
  out.reserve(failed.size());
  for (const auto& m : failed) {
    out.emplace_back(m.received_at,
                     json{{"kind", "billing"},
                          {"id", m.id},
                          {"message_id", m.message_id},
                          {"event", m.event},
                          {"state", std::string(claims::to_string(m.state))},
                          {"claim_id", m.claim_id ? json(*m.claim_id) : json(nullptr)},
                          {"error", m.problem ? json(*m.problem) : json(nullptr)},
                          {"replay", "/v1/billing/messages/" + m.id + "/replay"},
                          {"at", domain::format_timestamp(m.received_at)}});
  }
  return out;
}

http::Response list_dead_letters(ApiContext& ctx, http::Request& request,
                                 const access::Principal& principal) {
  FieldValidator v;
  Filter f;
  for (const auto& [name, value] : request.query) {
    if (name == "kind") {
      f.runs = value == "run";
      f.webhooks = value == "webhook";
      f.billing = value == "billing";
      if (!f.runs && !f.webhooks && !f.billing) {
        v.add("kind", "unknown_value", "must be one of: run, webhook, billing");
      }
    } else if (name == "workflow") {
      if (value.empty() || value.size() > kMaxIdChars) {
        v.add("workflow", "too_long", "must be 1 to 64 characters");
      } else {
        f.workflow = value;
      }
    } else if (name == "since") {
      auto t = domain::parse_timestamp(value);
      if (!t) {
        v.add("since", "invalid_format", "must be an RFC 3339 date-time");
      } else {
        f.since_ms = *t;
      }
    } else if (name == "limit") {
      auto n = parse_query_int(value);
      if (!n || *n < 1 || *n > kMaxDeadLetterLimit) {
        v.add("limit", "out_of_range",
              "must be a whole number from 1 to " + std::to_string(kMaxDeadLetterLimit));
      } else {
        f.limit = *n;
      }
    } else {
      v.add(name.substr(0, 64), "unknown_field", "is not a parameter of this resource");
    }
  }
  if (!v.ok()) return validation_problem(request, 400, v.take());
  // A workflow filter names runs; webhooks and billing messages belong to
  // no workflow.
  if (f.workflow) f.webhooks = f.billing = false;

  auto tx = ctx.store->begin(storage::TxMode::kReadOnly);
  if (!tx.ok()) return error_response(request, tx.error());
  std::vector<std::pair<std::int64_t, json>> found;
  if (f.runs) {
    auto runs = failed_runs(**tx, principal.facility_id, f);
    if (!runs.ok()) return error_response(request, runs.error());
    found = std::move(runs).value();
  }
  if (f.webhooks) {
    records::InboxStore inbox(*ctx.cipher);
    auto hooks = stuck_webhooks(**tx, inbox, principal.facility_id, f);
    if (!hooks.ok()) return error_response(request, hooks.error());
    for (auto& h : *hooks) found.push_back(std::move(h));
  }
  if (f.billing) {
    claims::BillingMessageStore messages(*ctx.cipher, *ctx.audit);
    auto failed = failed_billing_messages(**tx, messages, principal.facility_id, f);
    if (!failed.ok()) return error_response(request, failed.error());
    for (auto& m : *failed) found.push_back(std::move(m));
  }
  (*tx)->rollback();
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  if (found.size() > static_cast<std::size_t>(f.limit)) found.resize(f.limit);
  json items = json::array();
  for (auto& [at, item] : found) items.push_back(std::move(item));
  return json_response(200, json{{"items", std::move(items)}});
}

http::Response replay_dead_letter(ApiContext& ctx, http::Request& request,
                                  const access::Principal& principal) {
  json body;
  if (auto bad = read_json_object(request, body)) return *bad;
  std::vector<http::FieldError> errors;
  std::vector<std::string> ids;
  auto it = body.find("ids");
  if (it == body.end() || !it->is_array()) {
    errors.push_back({"ids", "required", "must be an array of webhook ids"});
  } else if (it->empty() || it->size() > static_cast<std::size_t>(kMaxBulkReplay)) {
    errors.push_back(
        {"ids", "out_of_range", "must hold 1 to " + std::to_string(kMaxBulkReplay) + " ids"});
  } else {
    std::set<std::string> seen;
    for (std::size_t i = 0; i < it->size(); ++i) {
      const json& id = (*it)[i];
      std::string field = "ids[" + std::to_string(i) + "]";
      if (!id.is_string() || id.get<std::string>().empty() ||
          id.get<std::string>().size() > kMaxIdChars) {
        errors.push_back({field, "invalid", "must be a webhook id"});
      } else if (!seen.insert(id.get<std::string>()).second) {
        errors.push_back({field, "duplicate", "names an id already listed"});
      } else {
        ids.push_back(id.get<std::string>());
      }
    }
  }
  for (const auto& [name, value] : body.items()) {
    if (name != "ids") errors.push_back({name.substr(0, 64), "unknown_field", "is not a field"});
  }
  if (!errors.empty()) return validation_problem(request, 400, std::move(errors));

  records::InboxStore inbox(*ctx.cipher);
  auto tx = ctx.store->begin(storage::TxMode::kReadWrite);
  if (!tx.ok()) return error_response(request, tx.error());
  json items = json::array();
  for (const auto& id : ids) {
    auto entry = inbox.get(**tx, principal.facility_id, id, records::InboxRead::kMetadata);
    if (!entry.ok()) {
      if (entry.error().code == sdk::ErrorCode::kNotFound) {
        return problem_response(request, 404, MessageId::kWebhookNotFound, {id});
      }
      return error_response(request, entry.error());
    }
    if (entry->state != InboxState::kUnmatched && entry->state != InboxState::kParked) {
      return problem_response(request, 409, MessageId::kWebhookNotReplayable,
                              {id, std::string(records::to_string(entry->state))});
    }
    if (auto marked = inbox.mark(**tx, principal.facility_id, id, InboxState::kReceived);
        !marked.ok()) {
      return error_response(request, marked.error());
    }
    audit::AuditEvent event =
        request_event(request, principal, "webhook.replayed", "webhook_event", id);
    event.detail = json{{"bulk", ids.size()}}.dump();
    if (auto appended = ctx.audit->append(**tx, event); !appended.ok()) {
      return error_response(request, appended.error());
    }
    items.push_back(json{{"id", id}, {"state", "received"}});
  }
  if (auto committed = (*tx)->commit(); !committed.ok()) {
    return error_response(request, committed.error());
  }
  if (ctx.webhooks_requeued) ctx.webhooks_requeued();
  return json_response(202, json{{"items", std::move(items)}});
}

}  // namespace

void add_dead_letter_routes(http::Router& router, ApiContext& context) {
  add_authorized_route(
      router, context, "GET", "/v1/dead-letters",
      [&context](http::Request& request, const access::Principal& principal) {
        return list_dead_letters(context, request, principal);
      },
      route_options("Failed runs, unmatched webhooks and billing errors of the facility, newest "
                    "first."));
  add_authorized_route(
      router, context, "POST", "/v1/dead-letters/replay",
      [&context](http::Request& request, const access::Principal& principal) {
        return replay_dead_letter(context, request, principal);
      },
      route_options("Replay up to 100 unmatched or parked webhooks at once.",
                    {"application/json"}));
}

}  // namespace wasl::api
