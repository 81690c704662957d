// The Janus plugin's registration: the video capability (VideoRoom rooms and
// tokens through the admin API) and the webhook capability (the sampleevh
// event handler's posts).
#include <memory>
#include <string>

#include "plugins/janus/event_verifier.hpp"
#include "plugins/janus/janus_video_provider.hpp"
#include "plugins/janus/settings.hpp"
#include "wasl/sdk/plugin.hpp"

namespace {

using wasl::plugins::janus::JanusEventVerifier;
using wasl::plugins::janus::JanusVideoProvider;
using wasl::plugins::janus::parse_settings;
using wasl::plugins::janus::SettingsUse;

wasl::sdk::Status register_janus(wasl::sdk::PluginDefinition& plugin) {
  plugin.name = "janus";
  plugin.version = "0.1.0";
  plugin.description =
      "Janus WebRTC Server (VideoRoom) video, self-hosted: rooms, participant tokens and the "
      "waiting room enforced by Janus, events from its HTTP event handler.";
  // Janus holds a waiting participant's token (add_token) outside the
  // room's allowed list until admission adds it: the hub may hand it out at
  // once.
  plugin.features = {std::string(wasl::sdk::VideoProvider::kWaitingRoomTokens)};
  plugin.video =
      [](wasl::sdk::Host& host) -> wasl::sdk::Result<std::unique_ptr<wasl::sdk::VideoProvider>> {
    WASL_ASSIGN_OR_RETURN(auto settings,
                          parse_settings(host.settings(), host, SettingsUse::kVideo));
    return std::unique_ptr<wasl::sdk::VideoProvider>(
        std::make_unique<JanusVideoProvider>(host, std::move(settings)));
  };
  plugin.webhook =
      [](wasl::sdk::Host& host) -> wasl::sdk::Result<std::unique_ptr<wasl::sdk::WebhookVerifier>> {
    WASL_ASSIGN_OR_RETURN(auto settings,
                          parse_settings(host.settings(), host, SettingsUse::kWebhook));
    return std::unique_ptr<wasl::sdk::WebhookVerifier>(
        std::make_unique<JanusEventVerifier>(std::move(settings)));
  };
  return {};
}

}  // namespace

WASL_PLUGIN(register_janus)
