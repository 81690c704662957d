#include "plugins/chime/settings.hpp"

#include <cmath>
#include <optional>

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

// The string at settings[a][b] (b empty: settings[a]), or "" when absent.
std::string string_at(const json& settings, const char* a, const char* b = nullptr) {
  auto it = settings.find(a);
  if (it == settings.end()) return {};
  const json* node = &*it;
  if (b != nullptr) {
    if (!node->is_object()) return {};
    auto inner = node->find(b);
    if (inner == node->end()) return {};
    node = &*inner;
  }
  return node->is_string() ? node->get<std::string>() : std::string();
}

std::optional<double> number_at(const json& settings, const char* a, const char* b) {
  auto it = settings.find(a);
  if (it == settings.end() || !it->is_object()) return std::nullopt;
  auto inner = it->find(b);
  if (inner == it->end() || !inner->is_number()) return std::nullopt;
  return inner->get<double>();
}

std::optional<double> number_at(const json& settings, const char* a) {
  auto it = settings.find(a);
  if (it == settings.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
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

Result<ChimeSettings> parse_settings(const json& settings, wasl::sdk::Host& host,
                                     SettingsUse use) {
  if (!settings.is_object()) return invalid("the Chime settings must be an object");
  ChimeSettings out;
  out.region = string_at(settings, "region");
  if (out.region.empty()) out.region = "us-east-1";
  out.media_region = string_at(settings, "media_region");
  if (out.media_region.empty()) out.media_region = out.region;

  struct EndpointSetting {
    const char* key;
    const char* default_url;
    Endpoint* target;
  };
  const EndpointSetting endpoints[] = {
      {"meetings", "https://meetings-chime.{region}.amazonaws.com", &out.meetings},
      {"media_pipelines", "https://media-pipelines-chime.{region}.amazonaws.com",
       &out.media_pipelines},
      {"s3", "https://s3.{region}.amazonaws.com", &out.s3},
  };
  for (const auto& e : endpoints) {
    std::string url = string_at(settings, "endpoints", e.key);
    if (url.empty()) url = e.default_url;
    auto parsed = parse_endpoint(replace_region(url, out.region),
                                 std::string("endpoints.") + e.key);
    if (!parsed.ok()) return std::move(parsed).error();
    *e.target = std::move(parsed).value();
  }

  if (use == SettingsUse::kVideo) {
    WASL_ASSIGN_OR_RETURN(out.credentials.access_key_id,
                          setting_or_secret(string_at(settings, "credentials", "access_key_id"),
                                            host, "access_key_id"));
    WASL_ASSIGN_OR_RETURN(
        out.credentials.secret_access_key,
        setting_or_secret(string_at(settings, "credentials", "secret_access_key"), host,
                          "secret_access_key"));
    WASL_ASSIGN_OR_RETURN(std::string session_token,
                          setting_or_secret(string_at(settings, "credentials", "session_token"),
                                            host, "session_token"));
    if (!session_token.empty()) out.credentials.session_token = session_token;
    if (out.credentials.access_key_id.empty() || out.credentials.secret_access_key.empty()) {
      return invalid(
          "credentials.access_key_id and credentials.secret_access_key are required (in the "
          "settings, usually as ${env:…} or ${file:…}, or as the instance secrets "
          "access_key_id and secret_access_key)");
    }
  }

  out.sns_topic_arn = string_at(settings, "notifications", "sns_topic_arn");
  out.sqs_queue_arn = string_at(settings, "notifications", "sqs_queue_arn");
  out.lambda_function_arn = string_at(settings, "notifications", "lambda_function_arn");
  out.capture_bucket_arn = string_at(settings, "capture", "bucket_arn");
  out.capture_prefix = string_at(settings, "capture", "prefix");
  while (!out.capture_prefix.empty() && out.capture_prefix.back() == '/') {
    out.capture_prefix.pop_back();
  }
  while (!out.capture_prefix.empty() && out.capture_prefix.front() == '/') {
    out.capture_prefix.erase(0, 1);
  }
  if (!out.capture_bucket_arn.empty() && out.capture_bucket().empty()) {
    return invalid("capture.bucket_arn must be an S3 bucket ARN such as arn:aws:s3:::bucket");
  }

  if (auto v = number_at(settings, "join_lead_seconds")) {
    out.join_lead = std::chrono::seconds(static_cast<std::int64_t>(*v));
  }
  if (auto v = number_at(settings, "reconcile_interval_seconds")) {
    out.reconcile_interval = std::chrono::seconds(static_cast<std::int64_t>(*v));
  }
  if (auto v = number_at(settings, "media_timeout_ms")) {
    out.media_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(*v));
  }
  if (auto v = number_at(settings, "request_timeout_ms")) {
    out.request_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(*v));
  }

  std::string header = string_at(settings, "eventbridge", "header_name");
  if (!header.empty()) out.eventbridge_header_name = header;
  if (use == SettingsUse::kWebhook) {
    WASL_ASSIGN_OR_RETURN(out.eventbridge_header_value,
                          setting_or_secret(string_at(settings, "eventbridge", "header_value"),
                                            host, "eventbridge_secret"));
  }

  if (auto v = number_at(settings, "rate_limit", "requests_per_second")) {
    if (!(*v > 0) || !std::isfinite(*v)) {
      return invalid("rate_limit.requests_per_second must be greater than 0");
    }
    out.rate_limit.requests_per_second = *v;
  }
  if (auto v = number_at(settings, "rate_limit", "burst")) {
    if (*v < 1) return invalid("rate_limit.burst must be at least 1");
    out.rate_limit.burst = static_cast<int>(*v);
  }
  if (auto v = number_at(settings, "rate_limit", "max_wait_ms")) {
    out.rate_limit.max_wait = std::chrono::milliseconds(static_cast<std::int64_t>(*v));
  }
  if (auto v = number_at(settings, "retry", "max_attempts")) {
    if (*v < 1) return invalid("retry.max_attempts must be at least 1");
    out.retry.max_attempts = static_cast<int>(*v);
  }
  if (auto v = number_at(settings, "retry", "max_delay_ms")) {
    out.retry.max_delay = std::chrono::milliseconds(static_cast<std::int64_t>(*v));
  }
  if (auto v = number_at(settings, "retry", "initial_backoff_ms")) {
    out.retry.initial_backoff = std::chrono::milliseconds(static_cast<std::int64_t>(*v));
  }
  return out;
}

}  // namespace wasl::plugins::chime
