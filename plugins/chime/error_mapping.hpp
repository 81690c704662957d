// Maps a failed AWS answer (Chime SDK Meetings, Media Pipelines, S3) to
// wasl::sdk::Error.
//
// Chime answers rest-json errors: {"Code", "Message", "RequestId"} (also
// "message"/"code" in some services) with x-amzn-ErrorType and
// x-amzn-RequestId headers; S3 answers <Error><Code/><Message/><RequestId/>.
// The mapping is the SDK's (wasl/sdk/http_status_error.hpp: 429 retryable
// kResourceExhausted and 5xx retryable kUnavailable, both with retry_after
// from Retry-After; 401 kUnauthenticated, 403 kPermissionDenied, 404/410
// kNotFound, 409 kAlreadyExists (the caller decides whether an existing
// resource is the answer), 412 kFailedPrecondition, other 4xx
// kInvalidArgument, all permanent), refined by AWS's codes:
//   400 LimitExceeded, ResourceLimitExceeded → kResourceExhausted, permanent
//   403 a refused signature or unknown key (SignatureDoesNotMatch,
//       InvalidAccessKeyId, InvalidSignatureException, Forbidden with
//       "signature" in its message) → kUnauthenticated, permanent
//   422 → kFailedPrecondition, permanent
// The message names the operation, the HTTP status and AWS's Code, Message and
// RequestId; every string in `redact` (credentials) is replaced by
// "[redacted]", and AWS's message is cut to 300 bytes.
//
// Pure and thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wasl/sdk/host.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::plugins::chime {

struct AwsErrorBody {
  std::string code;  // "NotFound", "ConflictException", "NoSuchKey", …
  std::string message;
  std::string request_id;
};

// Reads Code/Message/RequestId from a JSON or S3 XML error body, falling back
// to x-amzn-ErrorType / x-amzn-RequestId / x-amz-request-id headers. Fields
// it cannot find are empty.
AwsErrorBody parse_aws_error(const wasl::sdk::HttpResponse& response);

struct AwsFailure {
  std::string operation;  // "CreateMeeting", "GetObject", …
  int status = 0;
  AwsErrorBody body;
  std::optional<std::chrono::milliseconds> retry_after;
};

// Reads the failure out of a non-2xx response; a Retry-After date is read
// relative to `now`.
AwsFailure describe_failure(
    std::string_view operation, const wasl::sdk::HttpResponse& response,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// The Error for a failure, per the table above.
wasl::sdk::Error to_error(const AwsFailure& failure, const std::vector<std::string>& redact = {});

// Replaces every occurrence of each non-empty string of `redact` in `text`.
std::string redact_secrets(std::string text, const std::vector<std::string>& redact);

}  // namespace wasl::plugins::chime
