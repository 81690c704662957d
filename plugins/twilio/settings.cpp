#include "plugins/twilio/settings.hpp"

#include "wasl/sdk/json_member.hpp"
#include "wasl/sdk/setting_or_secret.hpp"

namespace wasl::plugins::twilio {
namespace {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;
using sdk::setting_or_secret;

Error invalid_setting(std::string message) {
  return Error(ErrorCode::kInvalidArgument, "Twilio settings: " + std::move(message), false);
}

}  // namespace

Result<TwilioSettings> parse_settings(const json& settings, sdk::Host& host, SettingsUse use) {
  TwilioSettings out;
  out.account_sid = settings.at("account_sid").get<std::string>();
  out.api_key_sid = settings.at("api_key_sid").get<std::string>();
  WASL_ASSIGN_OR_RETURN(
      out.api_key_secret,
      setting_or_secret(sdk::string_member(settings, "api_key_secret"), host, "api_key_secret"));
  WASL_ASSIGN_OR_RETURN(
      out.auth_token,
      setting_or_secret(sdk::string_member(settings, "auth_token"), host, "auth_token"));
  if (use == SettingsUse::kVideo && out.api_key_secret.empty()) {
    return invalid_setting(
        "api_key_secret is missing: set it in the instance settings (from a "
        "secret) or as the instance secret 'api_key_secret'");
  }
  if (use == SettingsUse::kWebhook && out.auth_token.empty()) {
    return invalid_setting(
        "auth_token is missing: status callbacks cannot be verified without the "
        "account auth token; set it in the instance settings (from a secret) or as "
        "the instance secret 'auth_token'");
  }

  out.base_url = settings.at("base_url").get<std::string>();
  while (!out.base_url.empty() && out.base_url.back() == '/') out.base_url.pop_back();
  out.media_host_suffixes = settings.at("media_host_suffixes").get<std::vector<std::string>>();
  out.status_callback_url = sdk::string_member(settings, "status_callback_url");
  out.empty_room_timeout_minutes = settings.at("empty_room_timeout_minutes").get<int>();
  out.unused_room_timeout_minutes = settings.at("unused_room_timeout_minutes").get<int>();
  out.max_participant_duration_seconds = settings.at("max_participant_duration_seconds").get<int>();
  out.record_participants_on_connect = settings.at("record_participants_on_connect").get<bool>();
  out.delete_after_archive = settings.at("delete_after_archive").get<bool>();
  out.token_ttl = std::chrono::seconds(settings.at("token_ttl_seconds").get<std::int64_t>());
  out.request_timeout =
      std::chrono::milliseconds(settings.at("request_timeout_ms").get<std::int64_t>());
  out.media_timeout =
      std::chrono::milliseconds(settings.at("media_timeout_ms").get<std::int64_t>());

  const json& composition = settings.at("composition");
  out.composition.format = composition.at("format").get<std::string>();
  out.composition.resolution = composition.at("resolution").get<std::string>();
  out.composition.status_callback_url = sdk::string_member(composition, "status_callback_url");
  out.composition.poll_interval =
      std::chrono::milliseconds(composition.at("poll_interval_ms").get<std::int64_t>());
  return out;
}

}  // namespace wasl::plugins::twilio
