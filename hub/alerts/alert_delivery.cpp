#include "hub/alerts/alert_delivery.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include <nlohmann/json.hpp>

#include "hub/domain/timestamp.hpp"

namespace wasl::alerts {
namespace {

using nlohmann::json;

constexpr std::int64_t kFirstRetryMs = 1000;
constexpr std::int64_t kLongestRetryMs = 10 * 60 * 1000;

plugin_host::HttpClientOptions http_options(const AlertDeliveryOptions& options) {
  plugin_host::HttpClientOptions http;
  http.connect_timeout = std::min(options.request_timeout, std::chrono::milliseconds(5000));
  http.total_timeout = options.request_timeout;
  http.max_response_bytes = 64 * 1024;  // the answer is read only for its status
  http.ca_file = options.ca_file;
  return http;
}

std::string base_url(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

json alert_json(const Delivery& d) {
  return json{{"id", d.alert.id},           {"instance", d.alert.instance},
              {"kind", d.alert.kind},       {"at", domain::format_timestamp(d.alert.at_ms)},
              {"message", d.alert.message}, {"facility", d.facility_id}};
}

// The outcome of one POST in the hub's words; empty when answered 2xx.
std::string outcome(const sdk::Result<plugin_host::HttpResponse>& answered) {
  if (!answered.ok()) return std::string(sdk::to_string(answered.error().code));
  if (answered->status >= 200 && answered->status < 300) return {};
  return "HTTP " + std::to_string(answered->status);
}

}  // namespace

std::function<sdk::Status(const std::string&, const sdk::Notification&)> facility_email_sender(
    const config::Config& config, const plugin_host::PluginHost& plugins) {
  return [&config, &plugins](const std::string& facility_id,
                             const sdk::Notification& email) -> sdk::Status {
    auto f = config.facilities.find(facility_id);
    if (f == config.facilities.end() || !f->second.notifications ||
        f->second.notifications->email.empty()) {
      return sdk::Error(sdk::ErrorCode::kFailedPrecondition,
                        "facility " + facility_id + " names no e-mail notify instance", false);
    }
    WASL_ASSIGN_OR_RETURN(auto notifier, plugins.notifier(f->second.notifications->email));
    auto receipt = notifier->send(email);
    if (!receipt.ok()) return receipt.error();
    return {};
  };
}

sdk::Result<std::unique_ptr<AlertDelivery>> AlertDelivery::create(AlertStore& store,
                                                                  const config::Config& config,
                                                                  AlertDeliveryOptions options) {
  std::unique_ptr<AlertDelivery> delivery(new AlertDelivery(store, std::move(options)));
  for (const auto& [id, facility] : config.facilities) {
    for (const auto& [name, webhook] : facility.alerts.webhooks) {
      auto signature = webhooks::StandardWebhookSignature::from_secret(webhook.secret.reveal());
      if (!signature.ok()) {
        return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                          "facilities." + id + ".alerts.webhooks." + name +
                              ".secret: " + signature.error().message,
                          false);
      }
      delivery->webhooks_[id][kWebhookTargetPrefix + name] = Webhook{
          webhook.url,
          std::make_shared<const webhooks::StandardWebhookSignature>(std::move(signature).value())};
    }
    if (!facility.alerts.alertmanager_url.empty()) {
      delivery->alertmanagers_[id] = base_url(facility.alerts.alertmanager_url);
    }
  }
  return delivery;
}

AlertDelivery::AlertDelivery(AlertStore& store, AlertDeliveryOptions options)
    : store_(store), options_(std::move(options)), http_(http_options(options_)) {}

AlertDelivery::~AlertDelivery() { stop(); }

std::int64_t AlertDelivery::now() const {
  if (options_.now_ms) return options_.now_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

AlertDelivery::Sent AlertDelivery::send_email(const Delivery& d) {
  if (!options_.send_email) return {"no e-mail sender", false};
  sdk::Notification email;
  email.channel = "email";
  email.recipient = d.target.substr(std::string_view(kEmailTargetPrefix).size());
  email.idempotency_key =
      "alert:" + std::to_string(d.alert.id) + ":" + d.facility_id + ":" + email.recipient;
  email.language = "en";
  email.subject = "Wasl alert: " + d.alert.kind + " (" + d.alert.instance + ")";
  email.body = d.alert.message + "\n\nAlert " + std::to_string(d.alert.id) + ": " + d.alert.kind +
               "\nAbout: " + d.alert.instance + "\nFacility: " + d.facility_id +
               "\nAt: " + domain::format_timestamp(d.alert.at_ms) + "\n";
  auto sent = options_.send_email(d.facility_id, email);
  if (sent.ok()) return {};
  return {"e-mail: " + std::string(sdk::to_string(sent.error().code)),
          sent.error().code == sdk::ErrorCode::kInvalidArgument};
}

AlertDelivery::Sent AlertDelivery::send(const Delivery& d) {
  if (d.target.starts_with(kEmailTargetPrefix)) return send_email(d);
  if (d.target == kAlertmanagerTarget) {
    auto url = alertmanagers_.find(d.facility_id);
    if (url == alertmanagers_.end()) return {"no Alertmanager configured"};
    json alert{{"labels",
                {{"alertname", d.alert.kind},
                 {"instance", d.alert.instance},
                 {"facility", d.facility_id},
                 {"wasl_alert_id", std::to_string(d.alert.id)}}},
               {"annotations", {{"summary", d.alert.message}}},
               {"startsAt", domain::format_timestamp(d.alert.at_ms)}};
    plugin_host::HttpRequest request;
    request.method = "POST";
    request.url = url->second + "/api/v2/alerts";
    request.headers = {{"Content-Type", "application/json"}};
    request.body = json::array({alert}).dump();
    return {outcome(http_.send(request))};
  }
  auto facility = webhooks_.find(d.facility_id);
  if (facility == webhooks_.end() || !facility->second.contains(d.target)) {
    return {"no such target configured"};
  }
  const Webhook& webhook = facility->second.at(d.target);
  const std::int64_t at = now();
  const std::string id = "alert_" + std::to_string(d.alert.id);
  const std::string body = json{
      {"type", "alert"},
      {"timestamp", domain::format_timestamp(at)},
      {"data", alert_json(d)}}.dump();
  auto signature = webhook.signature->sign(id, at / 1000, body);
  if (!signature.ok()) return {std::string(sdk::to_string(signature.error().code))};
  plugin_host::HttpRequest request;
  request.method = "POST";
  request.url = webhook.url;
  request.headers = {{"Content-Type", "application/json"},
                     {"webhook-id", id},
                     {"webhook-timestamp", std::to_string(at / 1000)},
                     {"webhook-signature", *signature}};
  request.body = body;
  return {outcome(http_.send(request))};
}

sdk::Result<DeliveryPass> AlertDelivery::run_once() {
  DeliveryPass pass;
  for (;;) {
    const std::int64_t at = now();
    WASL_ASSIGN_OR_RETURN(std::vector<Delivery> due,
                          store_.claim_deliveries(at, at + options_.hold.count(), options_.batch));
    if (due.empty()) return pass;
    for (const Delivery& d : due) {
      const Sent sent = send(d);
      const std::string& failure = sent.failure;
      std::string result = "delivered";
      if (failure.empty()) {
        WASL_RETURN_IF_ERROR(store_.delivered(d, now()));
        ++pass.delivered;
      } else if (sent.final || now() - d.alert.at_ms >= options_.give_up_after.count()) {
        spdlog::error("alert {} not delivered to {} of facility {} after {} attempts: {}",
                      d.alert.id, d.target, d.facility_id, d.attempts, failure);
        WASL_RETURN_IF_ERROR(store_.give_up(d, failure));
        ++pass.failed;
        result = "failed";
      } else {
        const int shift = std::min(d.attempts - 1, 20);
        const std::int64_t wait = std::min(kFirstRetryMs << shift, kLongestRetryMs);
        spdlog::warn("alert {} to {} of facility {}: {}; again in {} ms", d.alert.id, d.target,
                     d.facility_id, failure, wait);
        WASL_RETURN_IF_ERROR(store_.retry(d, now() + wait, failure));
        ++pass.retried;
        result = "retried";
      }
      if (options_.metrics != nullptr) {
        options_.metrics->counter_add(
            "wasl_alert_deliveries_total",
            "Sends of alerts to the facilities' targets, by target kind and outcome.",
            {{"target", d.target == kAlertmanagerTarget            ? "alertmanager"
                        : d.target.starts_with(kEmailTargetPrefix) ? "email"
                                                                   : "webhook"},
             {"outcome", result}});
      }
    }
  }
}

sdk::Status AlertDelivery::start() {
  if (runner_) return sdk::Error(sdk::ErrorCode::kFailedPrecondition, "already started", false);
  runner_ = std::make_unique<jobs::PeriodicRunner>("alert delivery", options_.interval,
                                                   [this]() -> sdk::Status {
                                                     auto pass = run_once();
                                                     if (!pass.ok()) return pass.error();
                                                     return {};
                                                   });
  return runner_->start();
}

void AlertDelivery::stop() {
  if (runner_) runner_->stop();
}

void AlertDelivery::wake() {
  if (runner_) runner_->wake();
}

}  // namespace wasl::alerts
