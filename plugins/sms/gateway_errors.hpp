// The Error for a gateway answer that is not a success.
//
// The gateway answers errors with JSON {"statusCode", "code", "message"}.
// The mapping starts from the SDK's (wasl/sdk/http_status_error.hpp: 408
// kDeadlineExceeded, 429 kResourceExhausted and 5xx kUnavailable, all
// retryable with Retry-After as retry_after; 409 kAlreadyExists), with the
// gateway's meanings on top:
//   400, 422 with code INVALID_SENDER or SENDER_NOT_REGISTERED
//                      kFailedPrecondition: the configured sender is not
//                      registered; no message can go until it is
//   other 400, 422     kInvalidArgument: this message can never go as given
//                      (a recipient or text the gateway refuses)
//   401                kFailedPrecondition: the gateway refused the API key
//   402                kFailedPrecondition: the account has no balance left
//   403                kPermissionDenied: the account may not send this
//   404, 405           kFailedPrecondition: base_url is not the gateway's API
// The message names the HTTP status and the gateway's code (upper-case
// letters, digits and '_' only, at most 40 characters), and never the
// gateway's own message, which may repeat the number or the text.
//
// Pure and thread-safe.
#pragma once

#include <chrono>
#include <string>

#include "wasl/sdk/host.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::plugins::sms {

// The gateway's error code in `body`, if it names one in the form above;
// empty otherwise.
std::string gateway_error_code(const std::string& body);

// The Error for `response` (not 2xx) to `what` ("POST /v1/messages").
sdk::Error gateway_error(const sdk::HttpResponse& response, const std::string& what,
                         std::chrono::system_clock::time_point now);

}  // namespace wasl::plugins::sms
