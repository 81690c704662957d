#include "hub/webhooks/webhook_intake.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "hub/audit/audit_event.hpp"
#include "hub/http/problem_json.hpp"
#include "hub/observability/stage_buckets.hpp"
#include "hub/text/json_depth.hpp"
#include "hub/webhooks/inbox_event.hpp"
#include "hub/webhooks/webhook_dispatcher.hpp"

namespace wasl::webhooks {

using sdk::ErrorCode;

namespace {

constexpr int kAuditConflictRetries = 3;

std::int64_t now_ms(const WebhookContext& context) {
  if (context.now_ms) return context.now_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void count(const WebhookContext& context, const std::string& instance, const char* outcome) {
  if (context.metrics == nullptr) return;
  context.metrics->counter_add("wasl_webhooks_received_total",
                               "Webhook requests by instance and outcome",
                               {{"instance", instance}, {"outcome", outcome}});
}

// The client address without its port, as the audit trail records it.
std::string source_address(const http::Request& request) {
  if (!request.client_address.empty()) return request.client_address;
  const std::string& a = request.remote_address;
  if (!a.empty() && a.front() == '[') {
    auto close = a.find(']');
    if (close != std::string::npos) return a.substr(1, close - 1);
  }
  auto colon = a.rfind(':');
  if (colon != std::string::npos && a.find(':') == colon) return a.substr(0, colon);
  return a;
}

// Records the rejection in a transaction of its own. A failure to audit is
// logged (never with the request's content) and does not change the answer.
void audit_rejection(const WebhookContext& context, const http::Request& request,
                     const WebhookSource& source, const char* reason, bool denied) {
  std::string address = source_address(request);
  if (context.rejection_limiter != nullptr) {
    bool blocked = context.rejection_limiter->blocked_for(address).has_value();
    context.rejection_limiter->record_failure(address);
    if (blocked) {
      count(context, source.instance, "rejected_unaudited");
      return;
    }
  }
  if (context.audit == nullptr || context.store == nullptr) return;
  audit::AuditEvent event;
  event.actor = "anonymous";
  if (source.facilities.size() == 1) event.facility_id = source.facilities.front();
  event.action = "webhook.rejected";
  event.entity_type = "webhook_instance";
  event.entity_id = source.instance;
  event.outcome = std::string(denied ? audit::kOutcomeDenied : audit::kOutcomeFailure);
  event.request_id = request.request_id;
  event.source_address = address;
  event.detail = nlohmann::json{{"reason", reason}}.dump();
  sdk::Status done;
  for (int attempt = 0; attempt <= kAuditConflictRetries; ++attempt) {
    done = [&]() -> sdk::Status {
      WASL_ASSIGN_OR_RETURN(auto tx, context.store->begin(storage::TxMode::kReadWrite));
      auto appended = context.audit->append(*tx, event);
      if (!appended.ok()) return std::move(appended).error();
      return tx->commit();
    }();
    if (done.ok() || done.error().code != ErrorCode::kConflict) break;
  }
  if (!done.ok()) {
    spdlog::error("webhook rejection for instance {} could not be audited: {}", source.instance,
                  done.error().message);
  }
}

http::Response answer(int status, const char* word, int stored, int duplicates) {
  nlohmann::json body{{"status", word}, {"stored", stored}, {"duplicates", duplicates}};
  return http::Response::json(status, body.dump());
}

// 413: the request carries more than sdk::kMaxWebhookEvents events. Nothing
// is stored; the refusal is audited like an invalid body.
http::Response too_many_events(const WebhookContext& context, const http::Request& request,
                               const WebhookSource& source, std::string detail) {
  count(context, source.instance, "too_many_events");
  audit_rejection(context, request, source, "too_many_events", /*denied=*/false);
  return http::payload_too_large(std::move(detail)).to_response(request.request_id);
}

// A body declared as JSON, or one that starts like JSON whatever it declares.
bool looks_like_json(const http::Request& request) {
  auto type = request.header("Content-Type");
  if (type && type->find("json") != std::string::npos) return true;
  for (char c : request.body) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    return c == '{' || c == '[';
  }
  return false;
}

}  // namespace

std::string public_request_url(const config::ServerConfig& server, const http::Request& request) {
  std::string base = server.public_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + request.raw_target;
}

http::Response handle_webhook(const WebhookContext& context, http::Request& request) {
  const std::string& instance = request.path_params["instance"];
  auto source = context.sources->find(instance);
  if (!source.ok() || source->verifier == nullptr) {  // none, or a feed that takes no webhooks
    count(context, "unknown", "not_found");
    return http::not_found("No webhook instance of that name is configured.")
        .to_response(request.request_id);
  }

  // A JSON body nested deeper than the API allows is refused before the
  // verifier (or anything else) copies, parses or dumps it.
  if (looks_like_json(request) && text::json_nesting_depth(request.body) > text::kMaxJsonDepth) {
    count(context, instance, "invalid");
    audit_rejection(context, request, *source, "too_deep", /*denied=*/false);
    return http::bad_request("The webhook body nests deeper than " +
                             std::to_string(text::kMaxJsonDepth) + " levels.")
        .to_response(request.request_id);
  }

  sdk::WebhookRequest verify_request;
  verify_request.method = request.method;
  verify_request.url = public_request_url(*context.server, request);
  verify_request.headers.reserve(request.headers.size());
  for (const auto& [name, value] : request.headers)
    verify_request.headers.emplace_back(name, value);
  verify_request.body = request.body;

  const auto verify_started = std::chrono::steady_clock::now();
  auto events = source->verifier->verify(verify_request);
  if (context.metrics != nullptr) {
    context.metrics->histogram_observe(
        "wasl_webhook_verify_seconds", "Time to verify a webhook request's signature and body",
        {{"instance", instance}},
        std::chrono::duration<double>(std::chrono::steady_clock::now() - verify_started).count(),
        observability::stage_buckets());
  }
  if (!events.ok()) {
    const sdk::Error& error = events.error();
    if (error.code == ErrorCode::kUnauthenticated) {
      count(context, instance, "unauthenticated");
      audit_rejection(context, request, *source, "signature", /*denied=*/true);
      return http::unauthorized("The webhook signature does not verify: " + error.message)
          .to_response(request.request_id);
    }
    if (error.code == ErrorCode::kResourceExhausted) {
      return too_many_events(
          context, request, *source,
          "The webhook request carries more events than the " +
              std::to_string(sdk::kMaxWebhookEvents) +
              " one request may carry; send them in smaller requests: " + error.message);
    }
    if (error.code == ErrorCode::kInvalidArgument) {
      count(context, instance, "invalid");
      audit_rejection(context, request, *source, "invalid_body", /*denied=*/false);
      return http::bad_request("The webhook body is not what the instance expects: " +
                               error.message)
          .to_response(request.request_id);
    }
    count(context, instance, "verifier_error");
    spdlog::warn("webhook instance {} could not verify a request: {}", instance, error.message);
    auto r = http::service_unavailable(
                 "The webhook instance could not verify the request now; "
                 "send it again later.")
                 .to_response(request.request_id);
    r.set_header("Retry-After", "5");
    return r;
  }
  if (context.contacts != nullptr) context.contacts->heard(instance, now_ms(context));
  if (events->empty()) {
    count(context, instance, "no_events");
    return answer(200, "no_events", 0, 0);
  }
  if (events->size() > sdk::kMaxWebhookEvents) {
    return too_many_events(context, request, *source,
                           "The webhook request carries " + std::to_string(events->size()) +
                               " events, more than the " + std::to_string(sdk::kMaxWebhookEvents) +
                               " one request may carry; send them in smaller requests.");
  }

  auto entries = inbox_entries(*source, verify_request, *events, now_ms(context));
  sdk::Result<std::vector<records::InboxInsertOutcome>> outcomes =
      entries.ok() ? context.writer->write(std::move(entries).value()) : entries.error();
  if (!outcomes.ok()) {
    count(context, instance, "store_error");
    spdlog::error("webhook inbox write for instance {} failed: {}", instance,
                  outcomes.error().message);
    auto r = http::service_unavailable("The webhook could not be stored; send it again later.")
                 .to_response(request.request_id);
    r.set_header("Retry-After", "1");
    return r;
  }
  int stored = 0;
  int duplicates = 0;
  for (auto o : *outcomes) {
    if (o == records::InboxInsertOutcome::kInserted) {
      ++stored;
    } else {
      ++duplicates;
    }
  }
  if (stored == 0) {
    count(context, instance, "duplicate");
    return answer(200, "duplicate", 0, duplicates);
  }
  count(context, instance, "accepted");
  if (context.dispatcher != nullptr) context.dispatcher->wake();
  return answer(202, "accepted", stored, duplicates);
}

}  // namespace wasl::webhooks
