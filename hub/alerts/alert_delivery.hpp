// AlertDelivery: sends the queued deliveries of the hub's alerts
// (AlertStore::claim_deliveries) to the facilities' targets
// (facilities.<id>.alerts):
//
//   webhook.<name>  POST to its url, JSON, signed as Standard Webhooks sign
//                   (webhook-id "alert_<id>", kept on retries;
//                   webhook-timestamp; webhook-signature "v1,<base64>" with
//                   the endpoint's secret). Body: {"type": "alert",
//                   "timestamp", "data": {"id", "instance", "kind", "at",
//                   "message", "facility"}} ("facility": the facility the
//                   alert was routed to).
//   alertmanager    POST <url>/api/v2/alerts, an Alertmanager alert: labels
//                   alertname (the kind), instance, facility, wasl_alert_id;
//                   annotations summary (the message); startsAt (the alert's
//                   time). Alertmanager resolves it after its resolve_timeout.
//   email.<address> an e-mail through the facility's e-mail notify instance
//                   (AlertDeliveryOptions::send_email): subject "Wasl alert:
//                   <kind> (<instance>)", a plain-text body with the message,
//                   the alert's id, instance, facility and time. Its
//                   idempotency key "alert:<id>:<facility>:<address>" is the
//                   same on every attempt (the SMTP plugin's Message-ID).
//
// A 2xx answer (an e-mail the notify instance took) delivers it. Anything
// else (another status, a transport error) is tried again after 1 s, 2 s,
// 4 s, … (at most 10 minutes apart) until `give_up_after` has passed since
// the alert, then the delivery is failed: logged and counted. An e-mail the
// notify instance refuses as never deliverable (kInvalidArgument: an address
// its server refuses) is failed at once. The target's answer is never kept
// or logged, only its status.
//
// Every hub on the database runs one; a delivery is claimed by one hub at a
// time, so each alert reaches each target once (unless a hub stops between
// the target's 2xx and the record of it: then it is sent again after the
// claim lapses, with the same webhook-id, so a receiver can tell).
//
// Thread-safety: run_once() from one thread at a time; start()/stop()/wake()
// from any.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "hub/alerts/alert_store.hpp"
#include "hub/config/config.hpp"
#include "hub/jobs/periodic_runner.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/plugin_host/http_client.hpp"
#include "hub/plugin_host/plugin_host.hpp"
#include "hub/webhooks/standard_webhook_signature.hpp"
#include "wasl/sdk/notify.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::alerts {

struct AlertDeliveryOptions {
  std::chrono::milliseconds interval{std::chrono::seconds(1)};
  // How long a claimed delivery is this hub's (longer than a send can take).
  std::chrono::milliseconds hold{std::chrono::minutes(1)};
  std::chrono::milliseconds request_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds give_up_after{std::chrono::hours(24)};
  int batch = 20;  // deliveries claimed at a time
  // Epoch ms; empty = the system clock.
  std::function<std::int64_t()> now_ms;
  // wasl_alert_deliveries_total{target,outcome}; may be null.
  observability::Metrics* metrics = nullptr;
  // Extra PEM CA bundle for https targets (tests); empty: the system's anchors.
  std::string ca_file;
  // Sends an alert's e-mail for `facility_id` through its e-mail notify
  // instance (the app: facilities.<id>.notifications.email, through the
  // plugin host); empty: e-mail targets are retried until given up.
  std::function<sdk::Status(const std::string& facility_id, const sdk::Notification& email)>
      send_email;
};

// AlertDeliveryOptions::send_email through `plugins`: each facility's
// e-mail goes through its own e-mail notify instance
// (facilities.<id>.notifications.email), never one the alert names;
// kFailedPrecondition for a facility that names none. `config` and
// `plugins` must outlive the function.
std::function<sdk::Status(const std::string&, const sdk::Notification&)> facility_email_sender(
    const config::Config& config, const plugin_host::PluginHost& plugins);

// What run_once() did.
struct DeliveryPass {
  int delivered = 0;
  int retried = 0;
  int failed = 0;
};

class AlertDelivery {
 public:
  // kInvalidArgument naming the setting when a webhook's secret is not a
  // Standard Webhooks secret. `store` must outlive the object.
  static sdk::Result<std::unique_ptr<AlertDelivery>> create(AlertStore& store,
                                                            const config::Config& config,
                                                            AlertDeliveryOptions options = {});
  ~AlertDelivery();
  AlertDelivery(const AlertDelivery&) = delete;
  AlertDelivery& operator=(const AlertDelivery&) = delete;

  // Sends what is due, batch after batch, until nothing is; the first
  // storage error stops it.
  sdk::Result<DeliveryPass> run_once();

  sdk::Status start();
  void stop();
  // The next pass at once (alerts were written).
  void wake();

 private:
  struct Webhook {
    std::string url;
    std::shared_ptr<const webhooks::StandardWebhookSignature> signature;
  };
  AlertDelivery(AlertStore& store, AlertDeliveryOptions options);
  std::int64_t now() const;
  struct Sent {
    std::string failure;  // empty when delivered, else in the hub's words
    bool final = false;   // the failure will not change on a retry
  };
  Sent send(const Delivery& delivery);
  Sent send_email(const Delivery& delivery);

  AlertStore& store_;
  AlertDeliveryOptions options_;
  plugin_host::HttpClient http_;
  // facility -> target -> endpoint
  std::map<std::string, std::map<std::string, Webhook>> webhooks_;
  std::map<std::string, std::string> alertmanagers_;  // facility -> base URL
  std::unique_ptr<jobs::PeriodicRunner> runner_;
};

}  // namespace wasl::alerts
