// http_status_error.hpp: the Error for an HTTP answer that is not a success,
// the one reading of status codes and Retry-After every plugin starts from.
// A plugin layers its provider's own signals on top (an error code in the
// body, a status its API gives a narrower meaning) and words the message.
//
//   401                  kUnauthenticated, permanent
//   403                  kPermissionDenied, permanent
//   404, 410             kNotFound, permanent
//   408                  kDeadlineExceeded, retryable
//   409                  kAlreadyExists, permanent (a create that collides
//                        with an existing resource; no retry changes it)
//   412                  kFailedPrecondition, permanent
//   425                  kUnavailable, retryable
//   429                  kResourceExhausted, retryable
//   other 4xx            kInvalidArgument, permanent
//   5xx                  kUnavailable, retryable
//   anything else        kInternal, permanent (a success or redirect handed
//                        in by mistake)
// A retryable error carries the answer's Retry-After as retry_after.
//
// Pure and thread-safe.
#pragma once

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "wasl/sdk/host.hpp"
#include "wasl/sdk/result.hpp"
#include "wasl/sdk/timestamp.hpp"

namespace wasl::sdk {

// The longest wait a Retry-After is taken at: a longer one is read as this,
// so a provider's "come back tomorrow" never parks a step for longer than the
// hub's own retry policy would.
inline constexpr std::chrono::milliseconds kMaxRetryAfter = std::chrono::hours(1);

// A Retry-After value (RFC 9110 §10.2.3) as the wait from `now`:
// delta-seconds ("120") or an HTTP-date (parse_http_date; a date in the past
// is zero), optional whitespace around it, at most kMaxRetryAfter.
// std::nullopt when the value is empty or neither form.
inline std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (value.find_first_not_of("0123456789") == std::string_view::npos) {
    std::int64_t seconds = 0;
    for (char c : value) {
      seconds = seconds * 10 + (c - '0');
      if (seconds * 1000 >= kMaxRetryAfter.count()) return kMaxRetryAfter;
    }
    return std::chrono::milliseconds(seconds * 1000);
  }
  const auto at = parse_http_date(value);
  if (!at) return std::nullopt;
  const std::int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  return std::chrono::milliseconds(
      std::clamp<std::int64_t>(*at - now_ms, 0, kMaxRetryAfter.count()));
}

// The Error for a response with HTTP status `status` (see the table above),
// with `message` as its message; `retry_after` is the Retry-After header's
// value, if the answer had one, read relative to `now`.
inline Error error_from_http_status(
    int status, std::string message, std::string_view retry_after = {},
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) {
  ErrorCode code = ErrorCode::kInternal;
  bool retryable = false;
  if (status == 401) {
    code = ErrorCode::kUnauthenticated;
  } else if (status == 403) {
    code = ErrorCode::kPermissionDenied;
  } else if (status == 404 || status == 410) {
    code = ErrorCode::kNotFound;
  } else if (status == 408) {
    code = ErrorCode::kDeadlineExceeded;
    retryable = true;
  } else if (status == 409) {
    code = ErrorCode::kAlreadyExists;
  } else if (status == 412) {
    code = ErrorCode::kFailedPrecondition;
  } else if (status == 425) {
    code = ErrorCode::kUnavailable;
    retryable = true;
  } else if (status == 429) {
    code = ErrorCode::kResourceExhausted;
    retryable = true;
  } else if (status >= 400 && status <= 499) {
    code = ErrorCode::kInvalidArgument;
  } else if (status >= 500 && status <= 599) {
    code = ErrorCode::kUnavailable;
    retryable = true;
  }
  Error error(code, std::move(message), retryable);
  if (retryable) error.retry_after = parse_retry_after(retry_after, now);
  return error;
}

// As above, for `response` (its status and Retry-After header).
inline Error error_from_http_status(
    const HttpResponse& response, std::string message,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) {
  return error_from_http_status(response.status, std::move(message), response.header("Retry-After"),
                                now);
}

}  // namespace wasl::sdk
