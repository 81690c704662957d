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

#include "wasl/sdk/aws/sigv4.hpp"
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

// The values, their ranges and defaults are schema.json's.
struct RateLimitSettings {
  double requests_per_second = 0;
  int burst = 0;
  // A call that would wait longer than this for a token fails with
  // kResourceExhausted (retryable) instead of waiting.
  std::chrono::milliseconds max_wait{0};
};

struct RetrySettings {
  int max_attempts = 1;  // per call, the first included; 1 = no retry in the plugin
  // Longest wait between attempts (Retry-After or backoff); a longer
  // Retry-After ends the call with a retryable error for the hub to retry later.
  std::chrono::milliseconds max_delay{0};
  std::chrono::milliseconds initial_backoff{0};  // doubles each retry (sdk::backoff_delay)
};

struct ChimeSettings {
  std::string region;        // signing region of every request
  std::string media_region;  // CreateMeeting MediaRegion when the request names none
  Endpoint meetings;
  Endpoint media_pipelines;
  Endpoint s3;
  wasl::sdk::aws::AwsCredentials credentials;
  // NotificationsConfiguration of CreateMeeting; empty strings are left out.
  std::string sns_topic_arn;
  std::string sqs_queue_arn;
  std::string lambda_function_arn;
  // Capture sink: "arn:aws:s3:::bucket" and an optional key prefix.
  std::string capture_bucket_arn;
  std::string capture_prefix;
  std::chrono::seconds join_lead{0};
  std::chrono::seconds reconcile_interval{0};
  std::string eventbridge_header_name;
  std::string eventbridge_header_value;  // empty = every event is refused
  RateLimitSettings rate_limit;
  RetrySettings retry;
  std::chrono::milliseconds request_timeout{0};  // each API call
  std::chrono::milliseconds media_timeout{0};    // each S3 GetObject exchange

  // The capture sink as an ARN: bucket ARN, then "/prefix" when a prefix is set.
  std::string capture_sink_arn() const;
  // The bucket name from capture_bucket_arn ("arn:aws:s3:::bucket" -> "bucket").
  std::string capture_bucket() const;
};

// What parse() needs: the AWS parts for the video capability, the EventBridge
// secret for the webhook capability.
enum class SettingsUse { kVideo, kWebhook };

// Reads `settings` as the host hands them over (validated against
// schema.json, defaults filled in: Host::settings(); settings that skipped
// the schema, a unit test's, throw nlohmann::json::exception on a missing
// value) and the instance's secrets from `host`: "access_key_id",
// "secret_access_key", "session_token" and "eventbridge_secret" are looked up
// there when the settings do not hold them. Errors: kInvalidArgument naming
// the setting (never its value) for what the schema cannot rule out: an
// endpoint with user information or no host once {region} is filled in, and
// for kVideo credentials that neither the settings nor the secrets hold (a
// missing sink bucket is fine until recording starts).
wasl::sdk::Result<ChimeSettings> parse_settings(const nlohmann::json& settings,
                                                wasl::sdk::Host& host, SettingsUse use);

}  // namespace wasl::plugins::chime
