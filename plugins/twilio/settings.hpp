// TwilioSettings: one Twilio instance's settings, read from the instance's
// validated settings (schema.json; the hub fills the defaults) and, for the
// two secrets when the settings leave them out, from the instance's secrets
// (Host::secret "api_key_secret" and "auth_token").
//
// Immutable after parse_settings(); safe to share between threads.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "wasl/sdk/host.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::plugins::twilio {

struct CompositionSettings {
  std::string format;               // "mp4" or "webm"
  std::string resolution;           // Twilio's WIDTHxHEIGHT
  std::string status_callback_url;  // empty = the room's status_callback_url
  // retry_after of the retryable error fetch_media answers while a
  // composition is still enqueued or processing (the engine's backoff grows
  // from there).
  std::chrono::milliseconds poll_interval{0};
};

// The values, their ranges and defaults are schema.json's.
struct TwilioSettings {
  std::string account_sid;     // "AC…": the access tokens' subject
  std::string api_key_sid;     // "SK…": HTTP Basic user and the tokens' issuer
  std::string api_key_secret;  // HTTP Basic password and the tokens' HMAC key
  std::string auth_token;      // the account auth token: X-Twilio-Signature key
  std::string base_url;        // no trailing '/'
  // Where GET …/Media may redirect: a redirect to base_url's own origin is
  // always followed; otherwise only an https URL whose host ends with one of
  // these suffixes. No credential is ever sent to a redirect target.
  std::vector<std::string> media_host_suffixes;
  std::string status_callback_url;  // the hub's public webhook URL for this instance
  int empty_room_timeout_minutes = 0;
  int unused_room_timeout_minutes = 0;
  int max_participant_duration_seconds = 0;
  bool record_participants_on_connect = false;
  bool delete_after_archive = false;
  std::chrono::seconds token_ttl{0};  // join tokens whose request names no TTL
  CompositionSettings composition;
  std::chrono::milliseconds request_timeout{0};  // each REST call
  std::chrono::milliseconds media_timeout{0};    // one media download

  // Every secret above, for error-message redaction.
  std::vector<std::string_view> secrets() const { return {api_key_secret, auth_token}; }
};

// What parse_settings() needs: the REST credentials for the video
// capability, the auth token for the webhook capability.
enum class SettingsUse { kVideo, kWebhook };

// Reads `settings` as the host hands them over: validated against
// schema.json, defaults filled in (Host::settings()); settings that skipped
// the schema (a unit test's) throw nlohmann::json::exception on a missing
// value. Errors: kInvalidArgument naming the setting (never its value) for a
// secret `use` needs that neither the settings nor the secret store hold; a
// secret store failure other than "not found" is passed on with its code.
sdk::Result<TwilioSettings> parse_settings(const nlohmann::json& settings, sdk::Host& host,
                                           SettingsUse use);

}  // namespace wasl::plugins::twilio
