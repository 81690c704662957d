#include "plugins/twilio/settings.hpp"

#include <optional>

#include "wasl/sdk/setting_or_secret.hpp"

namespace wasl::plugins::twilio {
namespace {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::setting_or_secret;

Error invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, "Twilio settings: " + std::move(message), false);
}

const json* find(const json& settings, const char* a, const char* b = nullptr) {
  if (!settings.is_object()) return nullptr;
  auto it = settings.find(a);
  if (it == settings.end()) return nullptr;
  if (b == nullptr) return &*it;
  if (!it->is_object()) return nullptr;
  auto inner = it->find(b);
  return inner == it->end() ? nullptr : &*inner;
}

std::string string_at(const json& settings, const char* a, const char* b = nullptr) {
  const json* node = find(settings, a, b);
  return node != nullptr && node->is_string() ? node->get<std::string>() : std::string();
}

// The integer at the path, `fallback` when absent; kInvalidArgument when it
// is not an integer within [min, max].
Result<long long> int_at(const json& settings, const char* a, const char* b, long long fallback,
                         long long min, long long max) {
  const json* node = find(settings, a, b);
  if (node == nullptr || node->is_null()) return fallback;
  std::string name = b == nullptr ? a : std::string(a) + "." + b;
  if (!node->is_number()) return invalid(name + " must be an integer");
  double value = node->get<double>();
  if (value != static_cast<double>(static_cast<long long>(value)) || value < min || value > max) {
    return invalid(name + " must be an integer between " + std::to_string(min) + " and " +
                   std::to_string(max));
  }
  return static_cast<long long>(value);
}

bool bool_at(const json& settings, const char* a, bool fallback) {
  const json* node = find(settings, a);
  return node != nullptr && node->is_boolean() ? node->get<bool>() : fallback;
}

bool is_http_url(std::string_view url) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (url.substr(0, scheme.size()) == scheme && url.size() > scheme.size()) return true;
  }
  return false;
}

}  // namespace

Result<TwilioSettings> parse_settings(const json& settings, sdk::Host& host, SettingsUse use) {
  TwilioSettings out;
  out.account_sid = string_at(settings, "account_sid");
  out.api_key_sid = string_at(settings, "api_key_sid");
  WASL_ASSIGN_OR_RETURN(out.api_key_secret,
                        setting_or_secret(string_at(settings, "api_key_secret"), host,
                                          "api_key_secret"));
  WASL_ASSIGN_OR_RETURN(out.auth_token, setting_or_secret(string_at(settings, "auth_token"),
                                                          host, "auth_token"));

  if (use == SettingsUse::kVideo) {
    if (out.account_sid.rfind("AC", 0) != 0 || out.account_sid.size() != 34) {
      return invalid("account_sid must be the 34-character account SID starting with AC");
    }
    if (out.api_key_sid.rfind("SK", 0) != 0 || out.api_key_sid.size() != 34) {
      return invalid("api_key_sid must be the 34-character API key SID starting with SK");
    }
    if (out.api_key_secret.empty()) {
      return invalid("api_key_secret is missing: set it in the instance settings (from a "
                     "secret) or as the instance secret 'api_key_secret'");
    }
  } else if (out.auth_token.empty()) {
    return invalid("auth_token is missing: status callbacks cannot be verified without the "
                   "account auth token; set it in the instance settings (from a secret) or as "
                   "the instance secret 'auth_token'");
  }

  std::string base = string_at(settings, "base_url");
  if (!base.empty()) out.base_url = base;
  while (!out.base_url.empty() && out.base_url.back() == '/') out.base_url.pop_back();
  if (!is_http_url(out.base_url) || out.base_url.find('?') != std::string::npos) {
    return invalid("base_url must be an absolute http:// or https:// URL without a query");
  }
  if (const json* suffixes = find(settings, "media_host_suffixes");
      suffixes != nullptr && suffixes->is_array()) {
    out.media_host_suffixes.clear();
    for (const auto& s : *suffixes) {
      if (!s.is_string() || s.get<std::string>().empty()) {
        return invalid("media_host_suffixes must be a list of non-empty host suffixes");
      }
      out.media_host_suffixes.push_back(s.get<std::string>());
    }
  }
  out.status_callback_url = string_at(settings, "status_callback_url");
  if (!out.status_callback_url.empty() && !is_http_url(out.status_callback_url)) {
    return invalid("status_callback_url must be an absolute http:// or https:// URL");
  }

  WASL_ASSIGN_OR_RETURN(auto empty_timeout,
                        int_at(settings, "empty_room_timeout_minutes", nullptr, 5, 1, 60));
  WASL_ASSIGN_OR_RETURN(auto unused_timeout,
                        int_at(settings, "unused_room_timeout_minutes", nullptr, 5, 1, 60));
  WASL_ASSIGN_OR_RETURN(auto max_duration, int_at(settings, "max_participant_duration_seconds",
                                                  nullptr, 14400, 600, 86400));
  WASL_ASSIGN_OR_RETURN(auto token_ttl,
                        int_at(settings, "token_ttl_seconds", nullptr, 3600, 1, 86400));
  WASL_ASSIGN_OR_RETURN(auto request_timeout,
                        int_at(settings, "request_timeout_ms", nullptr, 15000, 100, 600000));
  WASL_ASSIGN_OR_RETURN(auto media_timeout,
                        int_at(settings, "media_timeout_ms", nullptr, 3600000, 1000, 86400000));
  out.empty_room_timeout_minutes = static_cast<int>(empty_timeout);
  out.unused_room_timeout_minutes = static_cast<int>(unused_timeout);
  out.max_participant_duration_seconds = static_cast<int>(max_duration);
  out.token_ttl = std::chrono::seconds(token_ttl);
  out.request_timeout = std::chrono::milliseconds(request_timeout);
  out.media_timeout = std::chrono::milliseconds(media_timeout);
  out.record_participants_on_connect = bool_at(settings, "record_participants_on_connect", false);
  out.delete_after_archive = bool_at(settings, "delete_after_archive", true);

  std::string format = string_at(settings, "composition", "format");
  if (!format.empty()) out.composition.format = format;
  if (out.composition.format != "mp4" && out.composition.format != "webm") {
    return invalid("composition.format must be mp4 or webm");
  }
  std::string resolution = string_at(settings, "composition", "resolution");
  if (!resolution.empty()) out.composition.resolution = resolution;
  out.composition.status_callback_url = string_at(settings, "composition", "status_callback_url");
  if (!out.composition.status_callback_url.empty() &&
      !is_http_url(out.composition.status_callback_url)) {
    return invalid("composition.status_callback_url must be an absolute http:// or https:// URL");
  }
  WASL_ASSIGN_OR_RETURN(auto poll, int_at(settings, "composition", "poll_interval_ms", 30000, 100,
                                          3600000));
  out.composition.poll_interval = std::chrono::milliseconds(poll);
  return out;
}

}  // namespace wasl::plugins::twilio
