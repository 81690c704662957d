// JanusSettings: one Janus instance's settings, read from the instance's
// validated settings (schema.json, defaults filled in by the hub) and, for
// the admin secret, the VideoRoom admin key and the event credential left out
// of the settings, from the instance's secrets (Host::secret).
//
// Immutable after parse_settings(); safe to share between threads.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "wasl/sdk/host.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::plugins::janus {

struct JanusSettings {
  std::string api_url;    // handed to clients
  std::string admin_url;  // where the plugin sends admin API requests
  std::string admin_secret;
  std::string room_admin_key;
  std::string recording_root;  // no trailing slash
  std::chrono::seconds token_ttl{0};
  std::string events_user;
  std::string events_password;  // empty = every event is refused
  nlohmann::json ice_servers = nlohmann::json::array();
  std::chrono::milliseconds request_timeout{0};
  // The recording converters (run through Host::run_process) and the time
  // one room's whole conversion may take.
  std::string janus_pp_rec;
  std::string ffmpeg;
  std::chrono::seconds conversion_timeout{0};
};

// What parse_settings() needs: the admin credentials for the video
// capability, the event credential for the webhook capability.
enum class SettingsUse { kVideo, kWebhook };

// Whether `url` may be used for Janus: https://, or http:// to a loopback
// host (127.0.0.0/8, [::1], localhost), with a host and no user information,
// query or fragment. Empty when it may; otherwise why not, naming `what`.
std::string url_problem(std::string_view url, std::string_view what);

// Reads `settings` as the host hands them over (validated against
// schema.json, defaults filled in). Errors: kInvalidArgument naming the
// setting (never its value): a URL url_problem() refuses, a recording_root
// that is not absolute or holds "..", and for kVideo an admin secret or room
// admin key that neither the settings nor the secrets hold.
wasl::sdk::Result<JanusSettings> parse_settings(const nlohmann::json& settings,
                                                wasl::sdk::Host& host, SettingsUse use);

}  // namespace wasl::plugins::janus
