// Maps a FHIR server's HTTP answer to the SDK's error contract (ehr.hpp): the
// SDK's reading of the status (wasl/sdk/http_status_error.hpp: 404/410
// kNotFound, 401 kUnauthenticated and 403 kPermissionDenied, both permanent,
// 429 and 5xx retryable honouring Retry-After, other 4xx kInvalidArgument),
// with 412 (a version conflict) kConflict, retryable. The message names the
// instance and the call and carries the OperationOutcome's issue codes and
// texts, never the resource body. Pure and thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "wasl/sdk/host.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::plugins::fhir {

// The error for a non-2xx `response` to `what` (e.g. "GET Patient/7"); a
// Retry-After date is read relative to `now`.
sdk::Error error_from_response(
    std::string_view instance, std::string_view what, const sdk::HttpResponse& response,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// The issues of an OperationOutcome body as "code: text; …" (texts cut at
// 200 bytes), or empty when the body is no OperationOutcome.
std::string operation_outcome_summary(std::string_view body);

}  // namespace wasl::plugins::fhir
