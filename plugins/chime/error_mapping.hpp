// Maps a failed AWS answer (Chime SDK Meetings, Media Pipelines, S3) to
// wasl::sdk::Error.
//
// Chime answers rest-json errors: {"Code", "Message", "RequestId"} (also
// "message"/"code" in some services) with x-amzn-ErrorType and
// x-amzn-RequestId headers; S3 answers <Error><Code/><Message/><RequestId/>.
// The mapping, by HTTP status:
//   429                 → kResourceExhausted, retryable, retry_after from Retry-After
//   500, 502, 503, 504  → kUnavailable, retryable (retry_after from Retry-After)
//   400                 → kInvalidArgument, permanent; LimitExceeded and
//                         ResourceLimitExceeded → kResourceExhausted, permanent
//   401                 → kUnauthenticated, permanent
//   403                 → kPermissionDenied, permanent; a refused signature or
//                         unknown key (SignatureDoesNotMatch, InvalidAccessKeyId,
//                         InvalidSignatureException, Forbidden with "signature"
//                         in its message) → kUnauthenticated, permanent
//   404                 → kNotFound, permanent
//   409                 → kAlreadyExists, permanent (the caller decides whether
//                         an existing resource is the answer)
//   416                 → kInvalidArgument, permanent (range not satisfiable)
//   422                 → kFailedPrecondition, permanent
//   any other 4xx       → kInvalidArgument; any other 5xx → kUnavailable, retryable
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
  std::string code;        // "NotFound", "ConflictException", "NoSuchKey", …
  std::string message;
  std::string request_id;
};

// Reads Code/Message/RequestId from a JSON or S3 XML error body, falling back
// to x-amzn-ErrorType / x-amzn-RequestId / x-amz-request-id headers. Fields
// it cannot find are empty.
AwsErrorBody parse_aws_error(const wasl::sdk::HttpResponse& response);

// Retry-After as delta-seconds; std::nullopt when absent or not a number.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value);

struct AwsFailure {
  std::string operation;  // "CreateMeeting", "GetObject", …
  int status = 0;
  AwsErrorBody body;
  std::optional<std::chrono::milliseconds> retry_after;
};

// Reads the failure out of a non-2xx response.
AwsFailure describe_failure(std::string_view operation, const wasl::sdk::HttpResponse& response);

// The Error for a failure, per the table above.
wasl::sdk::Error to_error(const AwsFailure& failure, const std::vector<std::string>& redact = {});

// Replaces every occurrence of each non-empty string of `redact` in `text`.
std::string redact_secrets(std::string text, const std::vector<std::string>& redact);

}  // namespace wasl::plugins::chime
