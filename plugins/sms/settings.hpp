// SmsSettings: one SMS gateway instance's settings, read from its validated
// settings (schema.json; the hub fills the defaults) and, for the two
// secrets when the settings leave them out, from the instance's secrets
// ("api_key", "receipt_secret").
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

namespace wasl::plugins::sms {

// The values, their ranges and defaults are schema.json's.
struct SmsSettings {
  std::string base_url;  // no trailing '/'
  std::string api_key;   // a secret: Authorization: Bearer <api_key>
  std::string sender;    // the sender name registered with the gateway
  // The key of the delivery receipts' HMAC-SHA256 (receipt_signature.hpp).
  std::string receipt_secret;
  std::chrono::seconds receipt_tolerance{0};  // how far a receipt's signing time may be from now
  std::chrono::milliseconds request_timeout{0};
  int max_segments = 0;  // a longer text is refused before it is sent

  // Every secret above, for error-message redaction.
  std::vector<std::string_view> secrets() const { return {api_key, receipt_secret}; }
};

// What parse_settings() needs: the API key for the notify capability, the
// receipt secret for the webhook capability.
enum class SettingsUse { kNotify, kWebhook };

// The shortest receipt secret taken, in bytes: an HMAC key shorter than this
// is guessable.
inline constexpr std::size_t kMinReceiptSecretBytes = 16;

// Reads `settings` as the host hands them over: validated against
// schema.json, defaults filled in (Host::settings()); settings that skipped
// the schema (a unit test's) throw nlohmann::json::exception on a missing
// value. Errors: kInvalidArgument naming the setting (never its value) for a
// base_url that is plain http:// to another host than loopback, or a secret
// `use` needs that neither the settings nor the secret store hold (or a
// receipt secret shorter than kMinReceiptSecretBytes); a secret store
// failure other than "not found" is passed on with its code.
sdk::Result<SmsSettings> parse_settings(const nlohmann::json& settings, sdk::Host& host,
                                        SettingsUse use);

}  // namespace wasl::plugins::sms
