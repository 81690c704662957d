// Maps a failed Twilio REST answer to wasl::sdk::Error.
//
// Twilio answers errors with JSON {"code", "message", "more_info", "status"}.
// The mapping is the SDK's (wasl/sdk/http_status_error.hpp: 429 retryable
// kResourceExhausted and 5xx retryable kUnavailable, both with retry_after
// from Retry-After in seconds or as an HTTP-date; 401 kUnauthenticated, 403
// kPermissionDenied, 404/410 kNotFound, 409 kAlreadyExists, 412
// kFailedPrecondition, other 4xx kInvalidArgument, all permanent), with one
// Twilio error code on top:
//   code 53113 (Room exists)       → kAlreadyExists, permanent, whatever the
//                                    status: the UniqueName is taken by an
//                                    in-progress room; the caller re-fetches
//                                    the room by UniqueName.
// Twilio uses 409 for a create that collides with an existing resource,
// which a retry cannot change (hence kAlreadyExists, not kConflict, which the
// hub would retry).
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
  int code = 0;  // Twilio's error code (e.g. 20404); 0 when absent
  std::string message;
  std::string more_info;  // link to Twilio's page for the code
  int status = 0;         // HTTP status as Twilio reports it in the body
};

// Parses Twilio's JSON error body; std::nullopt when `body` is not a JSON
// object (an HTML page from a proxy, an empty body).
std::optional<TwilioErrorBody> parse_twilio_error_body(std::string_view body);

struct TwilioFailure {
  std::string operation;  // what was attempted, for the message: "create room"
  int http_status = 0;
  std::string body;                        // the raw answer body
  std::optional<std::string> retry_after;  // the Retry-After header, if any
};

// The Error for a non-2xx answer (see the table above). `redact` lists
// secrets that must not appear in the message.
sdk::Error map_twilio_error(const TwilioFailure& failure, std::chrono::system_clock::time_point now,
                            const std::vector<std::string_view>& redact = {});

}  // namespace wasl::plugins::twilio
