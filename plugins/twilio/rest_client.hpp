// TwilioRestClient: Twilio's REST API (Video v1) over the Host's HTTP client.
//
// Every request goes to settings.base_url + path with HTTP Basic (API key SID
// and secret), Accept: application/json, and, for POST, a form body
// (encode_form: RFC 3986 escaping, repeated keys for arrays). The client does
// not retry: a retryable Error goes back to the hub, which retries the step
// with the same idempotency key and its own backoff.
//
// Errors: a non-2xx answer becomes map_twilio_error() (429/5xx retryable,
// 4xx permanent; Twilio's code and message quoted, every secret redacted);
// no answer is the Host's error (kUnavailable, kDeadlineExceeded, …) with the
// operation named; a 2xx body that is not JSON is kUnavailable, retryable.
//
// Thread-safe (stateless besides the borrowed host and settings, which
// outlive it).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "plugins/twilio/form_encoding.hpp"
#include "plugins/twilio/settings.hpp"
#include "wasl/sdk/host.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::plugins::twilio {

class TwilioRestClient {
 public:
  // Paged lists stop after this many pages (each up to PageSize items).
  static constexpr int kMaxPages = 20;

  TwilioRestClient(sdk::Host& host, const TwilioSettings& settings)
      : host_(host), settings_(settings) {}

  // GET base_url + path [+ "?" + encode_form(query)] → the JSON answer.
  sdk::Result<nlohmann::json> get(std::string_view operation, std::string_view path,
                                  const FormFields& query = {});

  // POST a form body → the JSON answer.
  sdk::Result<nlohmann::json> post(std::string_view operation, std::string_view path,
                                   const FormFields& form);

  // DELETE; a 204 (or any 2xx) is success.
  sdk::Status remove(std::string_view operation, std::string_view path);

  // Every item under `key` of a paged list, following meta.next_page_url
  // (its path and query, re-based on base_url) for at most kMaxPages pages.
  sdk::Result<std::vector<nlohmann::json>> list(std::string_view operation, std::string_view path,
                                                const FormFields& query, std::string_view key);

  // GET with the credentials, any status handed back (for the Media
  // redirect). Only a missing answer is an Error.
  sdk::Result<sdk::HttpResponse> get_raw(std::string_view operation, std::string_view path);

  // POST a form body, any status handed back (for callers that look at
  // Twilio's error code themselves). Only a missing answer is an Error.
  sdk::Result<sdk::HttpResponse> post_raw(std::string_view operation, std::string_view path,
                                          const FormFields& form);

  // The JSON of a 2xx answer, or the Error for any other (see above).
  sdk::Result<nlohmann::json> decode(std::string_view operation,
                                     const sdk::HttpResponse& response) const;

  // The Error for a non-2xx answer to `operation`.
  sdk::Error error_for(std::string_view operation, const sdk::HttpResponse& response) const;

  // base_url + path [+ "?" + query].
  std::string url(std::string_view path, const FormFields& query = {}) const;

  sdk::Host& host() const { return host_; }
  const TwilioSettings& settings() const { return settings_; }

 private:
  sdk::Result<sdk::HttpResponse> send(std::string_view operation, sdk::HttpRequest request);

  sdk::Host& host_;
  const TwilioSettings& settings_;
};

// "/v1/Rooms/" + sdk::percent_encode(sid) and the like: one path segment, escaped.
std::string path_segment(std::string_view value);

}  // namespace wasl::plugins::twilio
