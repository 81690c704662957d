// The SMS plugin's registration: the notify capability (an HTTP SMS gateway
// shaped like the Saudi gateways' REST APIs) and the webhook capability
// (its signed delivery receipts). See README.md.
#include <memory>

#include "plugins/sms/delivery_receipt_verifier.hpp"
#include "plugins/sms/settings.hpp"
#include "plugins/sms/sms_notifier.hpp"
#include "wasl/sdk/plugin.hpp"

namespace {

using wasl::plugins::sms::DeliveryReceiptVerifier;
using wasl::plugins::sms::parse_settings;
using wasl::plugins::sms::SettingsUse;
using wasl::plugins::sms::SmsNotifier;

wasl::sdk::Status register_sms(wasl::sdk::PluginDefinition& plugin) {
  plugin.name = "sms";
  plugin.version = "1.0.0";
  plugin.description =
      "SMS through an HTTP gateway shaped like the Saudi gateways' REST APIs (registered sender "
      "name, GSM-7 or UCS-2 with the parts counted, one message per client reference, "
      "HMAC-signed delivery receipts).";
  plugin.notify =
      [](wasl::sdk::Host& host) -> wasl::sdk::Result<std::unique_ptr<wasl::sdk::Notifier>> {
    WASL_ASSIGN_OR_RETURN(auto settings,
                          parse_settings(host.settings(), host, SettingsUse::kNotify));
    return std::unique_ptr<wasl::sdk::Notifier>(
        std::make_unique<SmsNotifier>(host, std::move(settings)));
  };
  plugin.webhook =
      [](wasl::sdk::Host& host) -> wasl::sdk::Result<std::unique_ptr<wasl::sdk::WebhookVerifier>> {
    WASL_ASSIGN_OR_RETURN(auto settings,
                          parse_settings(host.settings(), host, SettingsUse::kWebhook));
    return std::unique_ptr<wasl::sdk::WebhookVerifier>(
        std::make_unique<DeliveryReceiptVerifier>(host, std::move(settings)));
  };
  return {};
}

}  // namespace

WASL_PLUGIN(register_sms)
