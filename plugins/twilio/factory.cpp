// The Twilio plugin's registration: the video capability (Programmable Video
// REST v1) and the webhook capability (status callbacks).
#include <memory>
#include <string>

#include "plugins/twilio/settings.hpp"
#include "plugins/twilio/twilio_video_provider.hpp"
#include "plugins/twilio/twilio_webhook_verifier.hpp"
#include "wasl/sdk/plugin.hpp"

namespace {

using wasl::plugins::twilio::parse_settings;
using wasl::plugins::twilio::SettingsUse;
using wasl::plugins::twilio::TwilioVideoProvider;
using wasl::plugins::twilio::TwilioWebhookVerifier;

wasl::sdk::Status register_twilio(wasl::sdk::PluginDefinition& plugin) {
  plugin.name = "twilio";
  plugin.version = "1.0.0";
  plugin.description =
      "Twilio Programmable Video (group rooms, access tokens, recording rules, compositions, "
      "signed status callbacks); Twilio ends the service on 5 December 2026.";
  // Twilio ends a room by itself once its last participant has been gone
  // for the room's empty room timeout (five minutes by default): the hub
  // need not end empty rooms.
  plugin.features = {std::string(wasl::sdk::VideoProvider::kEndsEmptyRooms)};
  plugin.video =
      [](wasl::sdk::Host& host) -> wasl::sdk::Result<std::unique_ptr<wasl::sdk::VideoProvider>> {
    WASL_ASSIGN_OR_RETURN(auto settings,
                          parse_settings(host.settings(), host, SettingsUse::kVideo));
    return std::unique_ptr<wasl::sdk::VideoProvider>(
        std::make_unique<TwilioVideoProvider>(host, std::move(settings)));
  };
  plugin.webhook =
      [](wasl::sdk::Host& host) -> wasl::sdk::Result<std::unique_ptr<wasl::sdk::WebhookVerifier>> {
    WASL_ASSIGN_OR_RETURN(auto settings,
                          parse_settings(host.settings(), host, SettingsUse::kWebhook));
    return std::unique_ptr<wasl::sdk::WebhookVerifier>(
        std::make_unique<TwilioWebhookVerifier>(std::move(settings.auth_token)));
  };
  return {};
}

}  // namespace

WASL_PLUGIN(register_twilio)
