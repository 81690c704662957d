#include "hub/api/api_problem.hpp"

#include <spdlog/spdlog.h>

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
    default: return http::internal_error();
  }
}

}  // namespace

http::Response problem_response(const http::Request& request, int status, MessageId id,
                                std::vector<std::string> args,
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

http::Response error_response(const http::Request& request, const sdk::Error& error,
                              MessageId not_found) {
  using sdk::ErrorCode;
  switch (error.code) {
    case ErrorCode::kNotFound:
      return problem_response(request, 404, not_found);
    case ErrorCode::kConflict:
    case ErrorCode::kUnavailable:
    case ErrorCode::kDeadlineExceeded:
    case ErrorCode::kResourceExhausted: {
      spdlog::warn("request {} on {}: {} ({})", request.request_id, request.route, error.message,
                   sdk::to_string(error.code));
      http::Response r = problem_response(request, 503, MessageId::kStorageUnavailable);
      auto after = error.retry_after.value_or(std::chrono::milliseconds(1000));
      auto seconds = std::max<std::int64_t>(1, (after.count() + 999) / 1000);
      r.set_header("Retry-After", std::to_string(seconds));
      return r;
    }
    default:
      spdlog::error("request {} on {}: {} ({})", request.request_id, request.route, error.message,
                    sdk::to_string(error.code));
      return problem_response(request, 500, MessageId::kInternal);
  }
}

}  // namespace wasl::api
