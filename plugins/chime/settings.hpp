// ChimeSettings: one Chime instance's settings, read from the instance's
// validated settings (schema.json, defaults filled in by the hub) and, for
// credentials and the EventBridge secret left out of the settings, from the
// instance's secrets (Host::secret).
//
// Immutable after parse(); safe to share between threads.
#pragma once

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "plugins/chime/sigv4.hpp"
#include "wasl/sdk/host.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::plugins::chime {

// A service endpoint split into its parts: "http://127.0.0.1:8080/base".
struct Endpoint {
  std::string scheme;     // "http" or "https"
  std::string authority;  // host[:port], exactly as sent in the Host header
  std::string base_path;  // "" or "/base" (no trailing slash)

  std::string origin() const { return scheme + "://" + authority; }
};

// Parses an absolute http(s) URL with no query or fragment.
// Errors: kInvalidArgument naming `what` (never the URL's user information).
wasl::sdk::Result<Endpoint> parse_endpoint(std::string_view url, std::string_view what);

struct RateLimitSettings {
  double requests_per_second = 10;
  int burst = 20;
  // A call that would wait longer than this for a token fails with
  // kResourceExhausted (retryable) instead of waiting.
  std::chrono::milliseconds max_wait{10000};
};

struct RetrySettings {
  int max_attempts = 3;  // per call, the first included; 1 = no retry in the plugin
  // Longest wait between attempts (Retry-After or backoff); a longer
  // Retry-After ends the call with a retryable error for the hub to retry later.
  std::chrono::milliseconds max_delay{5000};
  std::chrono::milliseconds initial_backoff{200};
};

struct ChimeSettings {
  std::string region;        // signing region of every request
  std::string media_region;  // CreateMeeting MediaRegion when the request names none
  Endpoint meetings;
  Endpoint media_pipelines;
  Endpoint s3;
  AwsCredentials credentials;
  // NotificationsConfiguration of CreateMeeting; empty strings are left out.
  std::string sns_topic_arn;
  std::string sqs_queue_arn;
  std::string lambda_function_arn;
  // Capture sink: "arn:aws:s3:::bucket" and an optional key prefix.
  std::string capture_bucket_arn;
  std::string capture_prefix;
  std::chrono::seconds join_lead{600};
  std::chrono::seconds reconcile_interval{30};
  std::string eventbridge_header_name = "x-wasl-eventbridge-secret";
  std::string eventbridge_header_value;  // empty = every event is refused
  RateLimitSettings rate_limit;
  RetrySettings retry;
  std::chrono::milliseconds request_timeout{15000};  // each API call
  std::chrono::milliseconds media_timeout{3600000};   // each S3 GetObject exchange

  // The capture sink as an ARN: bucket ARN, then "/prefix" when a prefix is set.
  std::string capture_sink_arn() const;
  // The bucket name from capture_bucket_arn ("arn:aws:s3:::bucket" -> "bucket").
  std::string capture_bucket() const;
};

// What parse() needs: the AWS parts for the video capability, the EventBridge
// secret for the webhook capability.
enum class SettingsUse { kVideo, kWebhook };

// Reads `settings` (the instance settings as the hub hands them over) and the
// instance's secrets from `host`: "access_key_id", "secret_access_key",
// "session_token" and "eventbridge_secret" are looked up there when the
// settings do not hold them. Errors: kInvalidArgument naming the setting
// (never its value) for a value the schema could not rule out (a malformed
// endpoint, missing credentials for kVideo, a missing sink bucket is fine
// until recording starts).
wasl::sdk::Result<ChimeSettings> parse_settings(const nlohmann::json& settings,
                                                wasl::sdk::Host& host, SettingsUse use);

}  // namespace wasl::plugins::chime
