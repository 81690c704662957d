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
                                const std::vector<std::string>& args = {},
                                std::vector<http::FieldError> errors = {});

// problem_response with a problem type of its own (a URI) instead of the
// status's standard one.
http::Response problem_response_of_type(const http::Request& request, int status, std::string type,
                                        MessageId id, const std::vector<std::string>& args = {});

// 422 (body) or 400 (query) with errors[]: the detail counts the errors.
http::Response validation_problem(const http::Request& request, int status,
                                  std::vector<http::FieldError> errors);

// The HTTP status of an error from a store, the engine, the audit writer
// or a plugin, one class of error each:
//   kNotFound → 404;
//   kInvalidArgument → 422 for a request with a body (it passed the API's
//     checks, but what it asks for was refused), else 400;
//   kFailedPrecondition, kAlreadyExists → 409 (the state does not allow it);
//   kConflict → 409 (a concurrent change; Retry-After when retryable);
//   kPermissionDenied, kUnauthenticated → 502 (a provider refused the hub);
//   kUnimplemented → 501;
//   kUnavailable, kDeadlineExceeded, kResourceExhausted, kCancelled → 503
//     with Retry-After (the error's, else 1 s);
//   kInternal → 500.
int error_status(const http::Request& request, sdk::ErrorCode code);

// The problem answering `error` with error_status(); kNotFound's detail is
// `not_found`. The error's message is logged (it never carries PHI by
// contract), never sent.
http::Response error_response(const http::Request& request, const sdk::Error& error,
                              MessageId not_found = MessageId::kInternal);

}  // namespace wasl::api
