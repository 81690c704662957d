#include "plugins/twilio/rest_client.hpp"

#include <optional>

#include "plugins/twilio/error_mapping.hpp"
#include "wasl/sdk/base64.hpp"
#include "wasl/sdk/json_budget.hpp"
#include "wasl/sdk/percent_encoding.hpp"

namespace wasl::plugins::twilio {
namespace {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::HttpRequest;
using sdk::HttpResponse;
using sdk::Result;

constexpr std::string_view kUserAgent = "wasl-twilio/1.0";

bool is_success(int status) { return status >= 200 && status < 300; }

// The path and query of an absolute URL ("https://host/v1/Rooms?Page=1" →
// "/v1/Rooms?Page=1"); the text itself when it has no scheme.
std::string path_and_query(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  auto slash = url.find('/', scheme + 3);
  return slash == std::string_view::npos ? std::string("/") : std::string(url.substr(slash));
}

}  // namespace

std::string path_segment(std::string_view value) { return sdk::percent_encode(value); }

std::string TwilioRestClient::url(std::string_view path, const FormFields& query) const {
  std::string out = settings_.base_url;
  out.append(path);
  if (!query.empty()) {
    out += '?';
    out += encode_form(query);
  }
  return out;
}

Result<HttpResponse> TwilioRestClient::send(std::string_view operation, HttpRequest request) {
  request.headers.emplace_back(
      "Authorization",
      "Basic " + sdk::base64_encode(settings_.api_key_sid + ":" + settings_.api_key_secret));
  request.headers.emplace_back("Accept", "application/json");
  request.headers.emplace_back("User-Agent", std::string(kUserAgent));
  if (!request.timeout) request.timeout = settings_.request_timeout;
  auto response = host_.http(request);
  if (!response.ok()) {
    Error error = std::move(response).error();
    error.message = "Twilio " + std::string(operation) + ": " + error.message;
    return error;
  }
  return response;
}

Error TwilioRestClient::error_for(std::string_view operation, const HttpResponse& response) const {
  TwilioFailure failure;
  failure.operation = std::string(operation);
  failure.http_status = response.status;
  failure.body = response.body;
  std::string retry_after = response.header("Retry-After");
  if (!retry_after.empty()) failure.retry_after = retry_after;
  return map_twilio_error(failure, host_.now(), settings_.secrets());
}

Result<json> TwilioRestClient::decode(std::string_view operation,
                                      const HttpResponse& response) const {
  if (!is_success(response.status)) return error_for(operation, response);
  if (response.body.empty()) return json::object();
  if (std::string problem = sdk::json_budget_problem(response.body); !problem.empty()) {
    return Error(ErrorCode::kFailedPrecondition,
                 "Twilio " + std::string(operation) + " answered HTTP " +
                     std::to_string(response.status) + " with a body that " + problem,
                 false);
  }
  json body = sdk::parse_json_within(response.body);
  if (body.is_discarded()) {
    return Error(ErrorCode::kUnavailable,
                 "Twilio " + std::string(operation) + " answered HTTP " +
                     std::to_string(response.status) +
                     " with a body that is not JSON (a proxy in the way?); retry later",
                 true);
  }
  return body;
}

Result<json> TwilioRestClient::get(std::string_view operation, std::string_view path,
                                   const FormFields& query) {
  HttpRequest request;
  request.method = "GET";
  request.url = url(path, query);
  WASL_ASSIGN_OR_RETURN(auto response, send(operation, std::move(request)));
  return decode(operation, response);
}

Result<json> TwilioRestClient::post(std::string_view operation, std::string_view path,
                                    const FormFields& form) {
  WASL_ASSIGN_OR_RETURN(auto response, post_raw(operation, path, form));
  return decode(operation, response);
}

Result<HttpResponse> TwilioRestClient::post_raw(std::string_view operation, std::string_view path,
                                                const FormFields& form) {
  HttpRequest request;
  request.method = "POST";
  request.url = url(path);
  request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  request.body = encode_form(form);
  return send(operation, std::move(request));
}

sdk::Status TwilioRestClient::remove(std::string_view operation, std::string_view path) {
  HttpRequest request;
  request.method = "DELETE";
  request.url = url(path);
  WASL_ASSIGN_OR_RETURN(auto response, send(operation, std::move(request)));
  if (!is_success(response.status)) return error_for(operation, response);
  return {};
}

Result<std::vector<json>> TwilioRestClient::list(std::string_view operation, std::string_view path,
                                                 const FormFields& query, std::string_view key) {
  std::vector<json> items;
  std::string next = url(path, query);
  for (int page = 0; page < kMaxPages && !next.empty(); ++page) {
    HttpRequest request;
    request.method = "GET";
    request.url = next;
    WASL_ASSIGN_OR_RETURN(auto response, send(operation, std::move(request)));
    WASL_ASSIGN_OR_RETURN(json body, decode(operation, response));
    auto found = body.find(std::string(key));
    if (found == body.end() || !found->is_array()) {
      return Error(ErrorCode::kUnavailable,
                   "Twilio " + std::string(operation) + " answered a page without '" +
                       std::string(key) + "'; retry later",
                   true);
    }
    for (auto& item : *found) items.push_back(std::move(item));
    next.clear();
    if (auto meta = body.find("meta"); meta != body.end() && meta->is_object()) {
      auto next_url = meta->find("next_page_url");
      if (next_url != meta->end() && next_url->is_string() &&
          !next_url->get<std::string>().empty()) {
        next = settings_.base_url + path_and_query(next_url->get<std::string>());
      }
    }
  }
  return items;
}

Result<HttpResponse> TwilioRestClient::get_raw(std::string_view operation, std::string_view path) {
  HttpRequest request;
  request.method = "GET";
  request.url = url(path);
  return send(operation, std::move(request));
}

}  // namespace wasl::plugins::twilio
