// AwsTransport: sends one AWS API call through the Host's HTTP client, signed
// with SigV4, paced by the instance's token bucket and retried while the
// failure is retryable.
//
// Retries: a 429, a 5xx or no answer at all (host error marked retryable) is
// sent again, byte for byte the same request body (so the same
// ClientRequestToken), freshly signed, up to RetrySettings::max_attempts.
// The wait is Retry-After when the answer has one, else an exponential
// backoff from initial_backoff; a Retry-After longer than max_delay ends the
// call at once with the retryable error so the hub retries later. Every other
// status is returned as the error error_mapping.hpp describes.
//
// Thread-safe: any number of threads may call at once (the token bucket and
// the Host are thread-safe; the rest is immutable).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugins/chime/settings.hpp"
#include "plugins/chime/token_bucket.hpp"
#include "wasl/sdk/aws/sigv4.hpp"
#include "wasl/sdk/host.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::plugins::chime {

struct AwsCall {
  std::string operation;               // "CreateMeeting": names the call in errors and logs
  std::string service;                 // signing name: "chime" or "s3"
  const Endpoint* endpoint = nullptr;  // borrowed for the call
  std::string method = "GET";
  // Already percent-encoded (wasl::sdk::aws::uri_encode(segment, …)), relative to the
  // endpoint's base path, starting with '/'.
  std::string path;
  std::vector<wasl::sdk::aws::QueryParameter> query;
  std::optional<nlohmann::json> body;                // sent as application/json
  std::vector<wasl::sdk::aws::HeaderField> headers;  // extra headers, signed (Range, If-Match, …)
  // Total time for the exchange; unset = the transport's request timeout.
  std::optional<std::chrono::milliseconds> timeout;
};

class AwsTransport {
 public:
  using Sleeper = std::function<void(std::chrono::nanoseconds)>;

  // `host` outlives the transport. Empty `clock`/`sleeper`: the steady clock
  // and std::this_thread::sleep_for.
  AwsTransport(wasl::sdk::Host& host, wasl::sdk::aws::AwsCredentials credentials,
               std::string region, RateLimitSettings rate_limit, RetrySettings retry,
               std::chrono::milliseconds request_timeout, TokenBucket::Clock clock = {},
               Sleeper sleeper = {});

  // Sends `call`, retrying as described above. Returns the 2xx response, or
  // the mapped error (kResourceExhausted when the rate limit would make it
  // wait longer than RateLimitSettings::max_wait).
  wasl::sdk::Result<wasl::sdk::HttpResponse> call(const AwsCall& call);

  // One attempt of `call`, its body handed to `sink` as it arrives whatever
  // the status (see Host::http_streaming); the caller inspects the status.
  // Host errors (no answer) are returned as they are.
  wasl::sdk::Result<wasl::sdk::HttpResponse> call_streaming(const AwsCall& call,
                                                            const wasl::sdk::ChunkSink& sink);

  // The signed request for `call` as it would be sent now (tests use it).
  wasl::sdk::Result<wasl::sdk::HttpRequest> build(const AwsCall& call);

  // The error for a non-2xx answer, with the credentials redacted.
  wasl::sdk::Error error_for(const AwsCall& call, const wasl::sdk::HttpResponse& response) const;

  // Waits for a token of the rate limit (kResourceExhausted, retryable, when
  // the wait would exceed max_wait).
  wasl::sdk::Status pace();

  void sleep(std::chrono::nanoseconds duration) { sleeper_(duration); }
  const RetrySettings& retry_settings() const { return retry_; }
  wasl::sdk::Host& host() { return host_; }

 private:
  wasl::sdk::Host& host_;
  const wasl::sdk::aws::AwsCredentials credentials_;
  const std::string region_;
  const RateLimitSettings rate_limit_;
  const RetrySettings retry_;
  const std::chrono::milliseconds request_timeout_;
  TokenBucket bucket_;
  Sleeper sleeper_;
  std::vector<std::string> redact_;
};

// The JSON object of a 2xx answer's body. kInternal (not retryable) naming
// `operation` when the body is not a JSON object.
wasl::sdk::Result<nlohmann::json> json_body(std::string_view operation,
                                            const wasl::sdk::HttpResponse& response);

}  // namespace wasl::plugins::chime
