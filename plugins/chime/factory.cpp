// The Chime plugin's registration: the video capability (Chime SDK Meetings
// and Media Pipelines) and the webhook capability (EventBridge events).
#include <memory>
#include <string>

#include "plugins/chime/chime_video_provider.hpp"
#include "plugins/chime/eventbridge_verifier.hpp"
#include "plugins/chime/settings.hpp"
#include "wasl/sdk/plugin.hpp"

namespace {

using wasl::plugins::chime::ChimeVideoProvider;
using wasl::plugins::chime::EventBridgeVerifier;
using wasl::plugins::chime::parse_settings;
using wasl::plugins::chime::SettingsUse;

wasl::sdk::Status register_chime(wasl::sdk::PluginDefinition& plugin) {
  plugin.name = "chime";
  plugin.version = "1.0.0";
  plugin.description =
      "Amazon Chime SDK Meetings video: meetings, attendees, media capture and concatenation "
      "to S3, EventBridge events.";
  // Chime ends a meeting by itself once nobody has been in it for five
  // minutes: the hub need not end empty rooms.
  plugin.features = {std::string(wasl::sdk::VideoProvider::kEndsEmptyRooms)};
  plugin.video =
      [](wasl::sdk::Host& host) -> wasl::sdk::Result<std::unique_ptr<wasl::sdk::VideoProvider>> {
    WASL_ASSIGN_OR_RETURN(auto settings,
                          parse_settings(host.settings(), host, SettingsUse::kVideo));
    return std::unique_ptr<wasl::sdk::VideoProvider>(
        std::make_unique<ChimeVideoProvider>(host, std::move(settings)));
  };
  plugin.webhook =
      [](wasl::sdk::Host& host) -> wasl::sdk::Result<std::unique_ptr<wasl::sdk::WebhookVerifier>> {
    WASL_ASSIGN_OR_RETURN(auto settings,
                          parse_settings(host.settings(), host, SettingsUse::kWebhook));
    return std::unique_ptr<wasl::sdk::WebhookVerifier>(
        std::make_unique<EventBridgeVerifier>(host, std::move(settings)));
  };
  return {};
}

}  // namespace

WASL_PLUGIN(register_chime)
