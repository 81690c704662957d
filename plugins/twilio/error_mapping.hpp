// Maps a failed Twilio REST answer to wasl::sdk::Error.
//
// Twilio answers errors with JSON {"code", "message", "more_info", "status"}.
// The mapping, by Twilio error code first, then by HTTP status:
//   code 53113 (Room exists)       → kAlreadyExists, permanent: the UniqueName is
//                                    taken by an in-progress room; the caller
//                                    re-fetches the room by UniqueName.
//   429                            → kResourceExhausted, retryable, retry_after
//                                    from Retry-After (seconds or HTTP-date).
//   500..599                       → kUnavailable, retryable (retry_after from
//                                    Retry-After when the answer has one).
//   400, 422                       → kInvalidArgument, permanent.
//   401                            → kUnauthenticated, permanent (bad API key).
//   403                            → kPermissionDenied, permanent.
//   404, 410                       → kNotFound, permanent.
//   409                            → kAlreadyExists, permanent: Twilio uses it for
//                                    a create that collides with an existing
//                                    resource, which a retry cannot change (not
//                                    kConflict, which the hub would retry).
//   412                            → kFailedPrecondition, permanent.
//   any other 4xx                  → kInvalidArgument, permanent.
// The message names the operation, the HTTP status and Twilio's code, message
// and more_info link, and never a credential: the caller passes every secret
// it holds in `redact` and each occurrence is replaced by "[redacted]".
//
// Pure and thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wasl/sdk/result.hpp"

namespace wasl::plugins::twilio {

// Twilio's error code for "Room exists" (UniqueName taken by an in-progress room).
inline constexpr int kTwilioRoomExists = 53113;

struct TwilioErrorBody {
  int code = 0;            // Twilio's error code (e.g. 20404); 0 when absent
  std::string message;
  std::string more_info;   // link to Twilio's page for the code
  int status = 0;          // HTTP status as Twilio reports it in the body
};

// Parses Twilio's JSON error body; std::nullopt when `body` is not a JSON
// object (an HTML page from a proxy, an empty body).
std::optional<TwilioErrorBody> parse_twilio_error_body(std::string_view body);

// Retry-After as delta-seconds ("120") or an HTTP-date ("Wed, 21 Oct 2015
// 07:28:00 GMT"), relative to `now`. A date in the past is zero; an
// unparseable value is std::nullopt.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

struct TwilioFailure {
  std::string operation;  // what was attempted, for the message: "create room"
  int http_status = 0;
  std::string body;       // the raw answer body
  std::optional<std::string> retry_after;  // the Retry-After header, if any
};

// The Error for a non-2xx answer (see the table above). `redact` lists
// secrets that must not appear in the message.
sdk::Error map_twilio_error(const TwilioFailure& failure,
                            std::chrono::system_clock::time_point now,
                            const std::vector<std::string_view>& redact = {});

}  // namespace wasl::plugins::twilio
