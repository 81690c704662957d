#include "plugins/fhir/smart_auth.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "plugins/fhir/client_assertion.hpp"
#include "plugins/fhir/error_mapping.hpp"
#include "plugins/fhir/fhir_client.hpp"
#include "wasl/sdk/json_budget.hpp"
#include "wasl/sdk/json_member.hpp"
#include "wasl/sdk/percent_encoding.hpp"
#include "wasl/sdk/url_origin.hpp"

namespace wasl::plugins::fhir {
namespace {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

constexpr const char* kStateKey = "smart.token";

std::int64_t to_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

bool is_http_url(const std::string& url) {
  return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
}

}  // namespace

SmartAuth::SmartAuth(sdk::Host& host, const FhirSettings& settings)
    : host_(host), settings_(settings), endpoint_(settings.smart_token_url) {}

Result<std::string> SmartAuth::token() {
  std::lock_guard lock(mutex_);
  const auto now = host_.now();
  if (!token_.empty() && now < refresh_at_) return token_;
  if (token_.empty()) {
    // A token an earlier run of this instance kept.
    auto kept = host_.state_get(kStateKey);
    if (kept.ok() && kept->has_value() && (**kept).is_object()) {
      const json& k = **kept;
      std::string token = sdk::string_member(k, "access_token");
      auto refresh_at = std::chrono::system_clock::time_point(
          std::chrono::milliseconds(k.value("refresh_at_ms", std::int64_t{0})));
      if (!token.empty() && now < refresh_at) {
        token_ = std::move(token);
        refresh_at_ = refresh_at;
        return token_;
      }
    }
  }
  if (auto status = fetch(); !status.ok()) return status.error();
  return token_;
}

void SmartAuth::invalidate(const std::string& token) {
  std::lock_guard lock(mutex_);
  if (token_ != token) return;  // already replaced
  token_.clear();
  refresh_at_ = {};
  (void)host_.state_put(kStateKey, json::object());
}

Result<std::string> SmartAuth::token_endpoint() {
  if (!endpoint_.empty()) return endpoint_;
  const std::string what = "GET .well-known/smart-configuration";
  sdk::HttpRequest request;
  request.url = settings_.base_url + "/.well-known/smart-configuration";
  request.timeout = settings_.request_timeout;
  request.headers.emplace_back("Accept", "application/json");
  auto response = host_.http(request);
  if (!response.ok()) {
    Error error = std::move(response).error();
    error.message = host_.instance_name() + ": " + what + " failed: " + error.message;
    return error;
  }
  if (response->status != 200) {
    return error_from_response(host_.instance_name(), what, *response, host_.now());
  }
  auto config = sdk::parse_json_within(response->body);
  std::string endpoint = config.is_object() && config.contains("token_endpoint") &&
                                 config["token_endpoint"].is_string()
                             ? config["token_endpoint"].get<std::string>()
                             : std::string();
  if (!is_http_url(endpoint)) {
    return Error(ErrorCode::kFailedPrecondition,
                 host_.instance_name() +
                     ": the EHR's smart-configuration names no http(s) "
                     "token_endpoint",
                 false);
  }
  // The client assertion goes where the EHR says: only over TLS (loopback
  // aside) and only to the EHR's own origin. A token endpoint elsewhere is
  // configured explicitly (token_url), never learnt.
  if (!sdk::is_https_or_loopback(endpoint) ||
      sdk::url_origin(endpoint) != sdk::url_origin(settings_.base_url)) {
    return Error(ErrorCode::kFailedPrecondition,
                 host_.instance_name() +
                     ": the EHR's smart-configuration names a token_endpoint that is not "
                     "https or not on the base_url's origin; configure token_url to use it",
                 false);
  }
  endpoint_ = std::move(endpoint);
  return endpoint_;
}

sdk::Status SmartAuth::fetch() {
  WASL_ASSIGN_OR_RETURN(std::string endpoint, token_endpoint());
  const auto now = host_.now();
  WASL_ASSIGN_OR_RETURN(std::string assertion,
                        settings_.smart_signer->sign(settings_.client_id, endpoint, now));
  const std::string what = "POST token";
  sdk::HttpRequest request;
  request.method = "POST";
  request.url = endpoint;
  request.timeout = settings_.request_timeout;
  request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  request.headers.emplace_back("Accept", "application/json");
  request.body = "grant_type=client_credentials&scope=" + sdk::percent_encode(settings_.scope) +
                 "&client_assertion_type=" +
                 sdk::percent_encode("urn:ietf:params:oauth:client-assertion-type:jwt-bearer") +
                 "&client_assertion=" + sdk::percent_encode(assertion);
  auto response = host_.http(request);
  if (!response.ok()) {
    Error error = std::move(response).error();
    error.message = host_.instance_name() + ": " + what + " failed: " + error.message;
    return error;
  }
  auto body = sdk::parse_json_within(response->body);
  if (response->status == 400 || response->status == 401) {
    std::string code = body.is_object() ? sdk::string_member(body, "error") : std::string();
    std::string description =
        body.is_object() ? sdk::string_member(body, "error_description") : std::string();
    if (description.size() > 200) description.resize(200);
    return Error(ErrorCode::kUnauthenticated,
                 host_.instance_name() +
                     ": the SMART token endpoint refused the client "
                     "assertion (HTTP " +
                     std::to_string(response->status) + (code.empty() ? "" : ", " + code) +
                     (description.empty() ? "" : ": " + description) + ")",
                 false);
  }
  if (response->status != 200) {
    return error_from_response(host_.instance_name(), what, *response, host_.now());
  }
  std::string token = body.is_object() ? sdk::string_member(body, "access_token") : std::string();
  if (token.empty()) {
    return Error(ErrorCode::kUnavailable,
                 host_.instance_name() + ": the SMART token endpoint answered no access_token",
                 true);
  }
  std::int64_t expires_in = 300;
  if (body.contains("expires_in") && body["expires_in"].is_number_integer()) {
    expires_in = std::max<std::int64_t>(1, body["expires_in"].get<std::int64_t>());
  }
  const std::int64_t margin_ms = std::min<std::int64_t>(60000, expires_in * 100);
  token_ = std::move(token);
  refresh_at_ = now + std::chrono::milliseconds(expires_in * 1000 - margin_ms);
  // The cache across restarts; failing to keep it only costs a token request.
  (void)host_.state_put(kStateKey,
                        json{{"access_token", token_}, {"refresh_at_ms", to_ms(refresh_at_)}});
  return {};
}

}  // namespace wasl::plugins::fhir
