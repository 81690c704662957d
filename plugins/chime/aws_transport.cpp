#include "plugins/chime/aws_transport.hpp"

#include <algorithm>
#include <thread>

#include "plugins/chime/error_mapping.hpp"
#include "wasl/sdk/backoff.hpp"
#include "wasl/sdk/json_budget.hpp"

namespace wasl::plugins::chime {

using wasl::sdk::Error;
using wasl::sdk::ErrorCode;
using wasl::sdk::HttpRequest;
using wasl::sdk::HttpResponse;
using wasl::sdk::Result;

AwsTransport::AwsTransport(wasl::sdk::Host& host, wasl::sdk::aws::AwsCredentials credentials,
                           std::string region, RateLimitSettings rate_limit, RetrySettings retry,
                           std::chrono::milliseconds request_timeout, TokenBucket::Clock clock,
                           Sleeper sleeper)
    : host_(host),
      credentials_(std::move(credentials)),
      region_(std::move(region)),
      rate_limit_(rate_limit),
      retry_(retry),
      request_timeout_(request_timeout),
      bucket_(rate_limit.requests_per_second, rate_limit.burst, std::move(clock)),
      sleeper_(sleeper ? std::move(sleeper) : Sleeper([](std::chrono::nanoseconds d) {
        std::this_thread::sleep_for(d);
      })) {
  redact_.push_back(credentials_.secret_access_key);
  if (credentials_.session_token) redact_.push_back(*credentials_.session_token);
}

Result<HttpRequest> AwsTransport::build(const AwsCall& call) {
  if (call.endpoint == nullptr) {
    return Error(ErrorCode::kInternal, "Chime " + call.operation + " has no endpoint", false);
  }
  const Endpoint& endpoint = *call.endpoint;
  wasl::sdk::aws::SigningRequest signing;
  signing.method = call.method;
  signing.host = endpoint.authority;
  signing.path = endpoint.base_path + call.path;
  signing.query = call.query;
  std::string body;
  if (call.body) body = call.body->dump();
  signing.headers.push_back({"Host", endpoint.authority});
  if (call.body) signing.headers.push_back({"Content-Type", "application/json"});
  for (const auto& h : call.headers) signing.headers.push_back(h);
  signing.payload = body;
  wasl::sdk::aws::SigningScope scope{region_, call.service, host_.now()};
  auto signed_request = wasl::sdk::aws::sign_request(signing, credentials_, scope);
  if (!signed_request.ok()) {
    return Error(signed_request.error().code,
                 "signing Chime " + call.operation + " failed: " + signed_request.error().message,
                 false);
  }

  HttpRequest request;
  request.method = call.method;
  request.url = endpoint.origin() + signing.path;
  if (!call.query.empty()) request.url += "?" + wasl::sdk::aws::canonical_query(call.query);
  for (const auto& h : signing.headers) request.headers.emplace_back(h.name, h.value);
  for (const auto& h : signed_request->headers_to_add)
    request.headers.emplace_back(h.name, h.value);
  request.body = std::move(body);
  request.timeout = call.timeout.value_or(request_timeout_);
  return request;
}

Error AwsTransport::error_for(const AwsCall& call, const HttpResponse& response) const {
  return to_error(describe_failure(call.operation, response, host_.now()), redact_);
}

wasl::sdk::Status AwsTransport::pace() {
  auto wait = bucket_.reserve(rate_limit_.max_wait);
  if (!wait) {
    return Error(ErrorCode::kResourceExhausted,
                 "the Chime client-side rate limit (" +
                     std::to_string(rate_limit_.requests_per_second) +
                     " requests/s) is saturated; try again later",
                 true, std::chrono::duration_cast<std::chrono::milliseconds>(rate_limit_.max_wait));
  }
  if (wait->count() > 0) sleeper_(*wait);
  return {};
}

Result<HttpResponse> AwsTransport::call(const AwsCall& call) {
  const int attempts = std::max(1, retry_.max_attempts);
  const wasl::sdk::Backoff backoff{retry_.initial_backoff, 2.0, retry_.max_delay};
  for (int attempt = 1;; ++attempt) {
    WASL_RETURN_IF_ERROR(pace());
    WASL_ASSIGN_OR_RETURN(HttpRequest request, build(call));
    auto response = host_.http(request);
    Error error;
    if (response.ok()) {
      if (response->status >= 200 && response->status < 300) return std::move(response).value();
      error = error_for(call, *response);
    } else {
      error = std::move(response).error();
      error.message = "Chime " + call.operation + ": " + error.message;
    }
    if (!error.retryable || attempt >= attempts) return error;
    std::chrono::milliseconds wait =
        error.retry_after.value_or(wasl::sdk::backoff_delay(backoff, attempt - 1));
    if (wait > retry_.max_delay) return error;
    host_.log(wasl::sdk::LogLevel::kWarn, error.message + "; retrying (attempt " +
                                              std::to_string(attempt + 1) + " of " +
                                              std::to_string(attempts) + ")");
    if (wait.count() > 0) sleeper_(wait);
  }
}

Result<HttpResponse> AwsTransport::call_streaming(const AwsCall& call,
                                                  const wasl::sdk::ChunkSink& sink) {
  WASL_RETURN_IF_ERROR(pace());
  WASL_ASSIGN_OR_RETURN(HttpRequest request, build(call));
  return host_.http_streaming(request, sink);
}

Result<nlohmann::json> json_body(std::string_view operation, const HttpResponse& response) {
  if (std::string problem = wasl::sdk::json_budget_problem(response.body); !problem.empty()) {
    return Error(ErrorCode::kInternal,
                 "Chime " + std::string(operation) + " answered HTTP " +
                     std::to_string(response.status) + " with a body that " + problem,
                 false);
  }
  auto parsed = wasl::sdk::parse_json_within(response.body);
  if (parsed.is_object()) return parsed;
  return Error(ErrorCode::kInternal,
               "Chime " + std::string(operation) + " answered HTTP " +
                   std::to_string(response.status) + " with a body that is not a JSON object",
               false);
}

}  // namespace wasl::plugins::chime
