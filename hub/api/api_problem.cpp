#include "hub/api/api_problem.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <utility>

namespace wasl::api {
namespace {

http::Problem standard_problem(int status) {
  switch (status) {
    case 400: return http::bad_request({});
    case 401: return http::unauthorized({});
    case 403: return http::forbidden({});
    case 404: return http::not_found({});
    case 405: return http::method_not_allowed({});
    case 409: return http::conflict({});
    case 410: {
      http::Problem p;
      p.status = 410;
      p.type = "https://wasl.dev/problems/gone";
      return p;
    }
    case 413: return http::payload_too_large({});
    case 415: return http::unsupported_media_type({});
    case 422: return http::unprocessable({});
    case 429: return http::too_many_requests({});
    case 503: return http::service_unavailable({});
    case 502: {
      http::Problem p;
      p.status = 502;
      p.type = "https://wasl.dev/problems/bad-gateway";
      return p;
    }
    case 501: {
      http::Problem p;
      p.status = 501;
      p.type = "https://wasl.dev/problems/not-implemented";
      return p;
    }
    default: return http::internal_error();
  }
}

}  // namespace

http::Response problem_response_of_type(const http::Request& request, int status, std::string type,
                                        MessageId id, const std::vector<std::string>& args) {
  Language language = preferred_language(request);
  http::Problem problem = standard_problem(status);
  problem.status = status;
  problem.type = std::move(type);
  problem.title = std::string(status_title(status, language));
  problem.detail = format_message(id, language, args);
  http::Response response = problem.to_response(request.request_id);
  response.set_header("Content-Language", std::string(language_tag(language)));
  return response;
}

http::Response problem_response(const http::Request& request, int status, MessageId id,
                                const std::vector<std::string>& args,
                                std::vector<http::FieldError> errors) {
  Language language = preferred_language(request);
  http::Problem problem = standard_problem(status);
  problem.status = status;
  problem.title = std::string(status_title(status, language));
  problem.detail = format_message(id, language, args);
  problem.errors = std::move(errors);
  http::Response response = problem.to_response(request.request_id);
  response.set_header("Content-Language", std::string(language_tag(language)));
  return response;
}

http::Response validation_problem(const http::Request& request, int status,
                                  std::vector<http::FieldError> errors) {
  std::string count = std::to_string(errors.size());
  return problem_response(request, status,
                          status == 400 ? MessageId::kQueryInvalid : MessageId::kValidationFailed,
                          {count}, std::move(errors));
}

int error_status(const http::Request& request, sdk::ErrorCode code) {
  using sdk::ErrorCode;
  switch (code) {
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kInvalidArgument:
      // The body passed the API's own checks but a store or a plugin
      // refused what it asked for; a request without a body is malformed.
      return request.method == "GET" || request.method == "DELETE" || request.body.empty() ? 400
                                                                                           : 422;
    case ErrorCode::kFailedPrecondition:
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kConflict: return 409;
    case ErrorCode::kPermissionDenied:
    case ErrorCode::kUnauthenticated: return 502;
    case ErrorCode::kUnimplemented: return 501;
    case ErrorCode::kUnavailable:
    case ErrorCode::kDeadlineExceeded:
    case ErrorCode::kResourceExhausted:
    case ErrorCode::kCancelled: return 503;
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

http::Response error_response(const http::Request& request, const sdk::Error& error,
                              MessageId not_found) {
  using sdk::ErrorCode;
  const int status = error_status(request, error.code);
  auto log = [&](spdlog::level::level_enum level) {
    spdlog::log(level, "request {} on {}: {} ({})", request.request_id, request.route,
                error.message, sdk::to_string(error.code));
  };
  auto retry_after = [&](http::Response& r, std::chrono::milliseconds fallback) {
    auto after = error.retry_after.value_or(fallback);
    auto seconds = std::max<std::int64_t>(1, (after.count() + 999) / 1000);
    r.set_header("Retry-After", std::to_string(seconds));
  };
  switch (status) {
    case 404: return problem_response(request, 404, not_found);
    case 400:
    case 422:
      log(spdlog::level::info);
      return problem_response(request, status, MessageId::kRequestRefusedAsInvalid);
    case 409: {
      log(spdlog::level::info);
      if (error.code != ErrorCode::kConflict) {
        return problem_response(request, 409, MessageId::kStateConflict);
      }
      // A concurrent change: the same request may well succeed at once.
      http::Response r = problem_response(request, 409, MessageId::kChangedConcurrently);
      if (error.retryable) retry_after(r, std::chrono::milliseconds(1000));
      return r;
    }
    case 502:
      log(spdlog::level::warn);
      return problem_response(request, 502, MessageId::kProviderDeniedHub);
    case 501:
      log(spdlog::level::warn);
      return problem_response(request, 501, MessageId::kNotSupported);
    case 503: {
      log(spdlog::level::warn);
      http::Response r = problem_response(request, 503, MessageId::kStorageUnavailable);
      retry_after(r, std::chrono::milliseconds(1000));
      return r;
    }
    default: log(spdlog::level::err); return problem_response(request, 500, MessageId::kInternal);
  }
}

}  // namespace wasl::api
