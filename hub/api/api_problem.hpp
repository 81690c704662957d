// ApiProblem: the problem+json answers of the /v1 API, localized through the
// message catalogue (messages.hpp) by the request's Accept-Language, with the
// request id attached and Content-Language set.
#pragma once

#include <string>
#include <vector>

#include "hub/api/message_catalog.hpp"
#include "hub/http/exchange.hpp"
#include "hub/http/problem_json.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::api {

// A problem of `status` whose detail is message `id` with `args`. The type
// URI is the standard one for the status (hub/http/problem_json.hpp); the title
// and detail are in the request's language.
http::Response problem_response(const http::Request& request, int status, MessageId id,
                                std::vector<std::string> args = {},
                                std::vector<http::FieldError> errors = {});

// 422 (body) or 400 (query) with errors[]: the detail counts the errors.
http::Response validation_problem(const http::Request& request, int status,
                                  std::vector<http::FieldError> errors);

// The answer to an unexpected error from a store, the engine or the audit
// writer: kNotFound → 404 with `not_found`; kConflict, kUnavailable,
// kDeadlineExceeded, kResourceExhausted → 503 with Retry-After (the error's,
// else 1 s); anything else → 500. The error's message is logged (it never
// carries PHI by contract), never sent.
http::Response error_response(const http::Request& request, const sdk::Error& error,
                              MessageId not_found = MessageId::kInternal);

}  // namespace wasl::api
