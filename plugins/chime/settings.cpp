#include "plugins/chime/settings.hpp"

#include <cstdint>
#include <utility>

#include "wasl/sdk/json_member.hpp"
#include "wasl/sdk/setting_or_secret.hpp"

namespace wasl::plugins::chime {
namespace {

using nlohmann::json;
using wasl::sdk::Error;
using wasl::sdk::ErrorCode;
using wasl::sdk::Result;
using wasl::sdk::setting_or_secret;

Error invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message), false);
}

std::chrono::milliseconds milliseconds_at(const json& object, const char* key) {
  return std::chrono::milliseconds(object.at(key).get<std::int64_t>());
}

std::string replace_region(std::string text, const std::string& region) {
  const std::string marker = "{region}";
  for (auto at = text.find(marker); at != std::string::npos; at = text.find(marker)) {
    text.replace(at, marker.size(), region);
  }
  return text;
}

}  // namespace

Result<Endpoint> parse_endpoint(std::string_view url, std::string_view what) {
  Endpoint endpoint;
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return invalid(std::string(what) + " must be an absolute http:// or https:// URL");
  }
  endpoint.scheme = std::string(url.substr(0, scheme_end));
  if (endpoint.scheme != "http" && endpoint.scheme != "https") {
    return invalid(std::string(what) + " must use http or https");
  }
  std::string_view rest = url.substr(scheme_end + 3);
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return invalid(std::string(what) + " must not have a query string or fragment");
  }
  auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (authority.empty() || authority.find('@') != std::string_view::npos ||
      authority.find_first_of(" \t\r\n") != std::string_view::npos) {
    return invalid(std::string(what) + " must name a host (and no user information)");
  }
  endpoint.authority = std::string(authority);
  if (slash != std::string_view::npos) {
    std::string path(rest.substr(slash));
    while (!path.empty() && path.back() == '/') path.pop_back();
    endpoint.base_path = path;
  }
  return endpoint;
}

std::string ChimeSettings::capture_sink_arn() const {
  if (capture_prefix.empty()) return capture_bucket_arn;
  return capture_bucket_arn + "/" + capture_prefix;
}

std::string ChimeSettings::capture_bucket() const {
  const std::string marker = ":::";
  auto at = capture_bucket_arn.find(marker);
  if (at == std::string::npos) return {};
  std::string bucket = capture_bucket_arn.substr(at + marker.size());
  auto slash = bucket.find('/');
  return slash == std::string::npos ? bucket : bucket.substr(0, slash);
}

Result<ChimeSettings> parse_settings(const json& settings, wasl::sdk::Host& host, SettingsUse use) {
  ChimeSettings out;
  out.region = settings.at("region").get<std::string>();
  out.media_region = settings.at("media_region").get<std::string>();
  if (out.media_region.empty()) out.media_region = out.region;

  const json& endpoints = settings.at("endpoints");
  for (auto [key, target] :
       {std::pair{"meetings", &out.meetings}, std::pair{"media_pipelines", &out.media_pipelines},
        std::pair{"s3", &out.s3}}) {
    WASL_ASSIGN_OR_RETURN(
        *target, parse_endpoint(replace_region(endpoints.at(key).get<std::string>(), out.region),
                                std::string("endpoints.") + key));
  }

  if (use == SettingsUse::kVideo) {
    const json& credentials = settings.at("credentials");
    WASL_ASSIGN_OR_RETURN(
        out.credentials.access_key_id,
        setting_or_secret(sdk::string_member(credentials, "access_key_id"), host, "access_key_id"));
    WASL_ASSIGN_OR_RETURN(out.credentials.secret_access_key,
                          setting_or_secret(sdk::string_member(credentials, "secret_access_key"),
                                            host, "secret_access_key"));
    WASL_ASSIGN_OR_RETURN(
        std::string session_token,
        setting_or_secret(sdk::string_member(credentials, "session_token"), host, "session_token"));
    if (!session_token.empty()) out.credentials.session_token = session_token;
    if (out.credentials.access_key_id.empty() || out.credentials.secret_access_key.empty()) {
      return invalid(
          "credentials.access_key_id and credentials.secret_access_key are required (in the "
          "settings, usually as ${env:…} or ${file:…}, or as the instance secrets "
          "access_key_id and secret_access_key)");
    }
  }

  const json& notifications = settings.at("notifications");
  out.sns_topic_arn = sdk::string_member(notifications, "sns_topic_arn");
  out.sqs_queue_arn = sdk::string_member(notifications, "sqs_queue_arn");
  out.lambda_function_arn = sdk::string_member(notifications, "lambda_function_arn");
  const json& capture = settings.at("capture");
  out.capture_bucket_arn = sdk::string_member(capture, "bucket_arn");
  out.capture_prefix = capture.at("prefix").get<std::string>();
  while (!out.capture_prefix.empty() && out.capture_prefix.back() == '/') {
    out.capture_prefix.pop_back();
  }
  while (!out.capture_prefix.empty() && out.capture_prefix.front() == '/') {
    out.capture_prefix.erase(0, 1);
  }

  out.join_lead = std::chrono::seconds(settings.at("join_lead_seconds").get<std::int64_t>());
  out.reconcile_interval =
      std::chrono::seconds(settings.at("reconcile_interval_seconds").get<std::int64_t>());
  out.request_timeout = milliseconds_at(settings, "request_timeout_ms");
  out.media_timeout = milliseconds_at(settings, "media_timeout_ms");

  const json& eventbridge = settings.at("eventbridge");
  out.eventbridge_header_name = eventbridge.at("header_name").get<std::string>();
  if (use == SettingsUse::kWebhook) {
    WASL_ASSIGN_OR_RETURN(out.eventbridge_header_value,
                          setting_or_secret(sdk::string_member(eventbridge, "header_value"), host,
                                            "eventbridge_secret"));
  }

  const json& rate_limit = settings.at("rate_limit");
  out.rate_limit.requests_per_second = rate_limit.at("requests_per_second").get<double>();
  out.rate_limit.burst = rate_limit.at("burst").get<int>();
  out.rate_limit.max_wait = milliseconds_at(rate_limit, "max_wait_ms");
  const json& retry = settings.at("retry");
  out.retry.max_attempts = retry.at("max_attempts").get<int>();
  out.retry.max_delay = milliseconds_at(retry, "max_delay_ms");
  out.retry.initial_backoff = milliseconds_at(retry, "initial_backoff_ms");
  return out;
}

}  // namespace wasl::plugins::chime
