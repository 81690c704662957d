#include "plugins/sms/settings.hpp"

#include "wasl/sdk/json_member.hpp"
#include "wasl/sdk/setting_or_secret.hpp"
#include "wasl/sdk/url_origin.hpp"

namespace wasl::plugins::sms {
namespace {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

Error invalid_setting(std::string message) {
  return Error(ErrorCode::kInvalidArgument, "SMS settings: " + std::move(message), false);
}

}  // namespace

Result<SmsSettings> parse_settings(const json& settings, sdk::Host& host, SettingsUse use) {
  SmsSettings out;
  out.base_url = settings.at("base_url").get<std::string>();
  while (!out.base_url.empty() && out.base_url.back() == '/') out.base_url.pop_back();
  if (!sdk::is_https_or_loopback(out.base_url)) {
    return invalid_setting(
        "base_url must be https:// (plain http:// only to a loopback host: 127.0.0.0/8, ::1, "
        "localhost): every message carries a phone number and the API key");
  }
  out.sender = settings.at("sender").get<std::string>();
  out.receipt_tolerance =
      std::chrono::seconds(settings.at("receipt_tolerance_seconds").get<std::int64_t>());
  out.request_timeout =
      std::chrono::milliseconds(settings.at("request_timeout_ms").get<std::int64_t>());
  out.max_segments = settings.at("max_segments").get<int>();
  if (use == SettingsUse::kNotify) {
    WASL_ASSIGN_OR_RETURN(
        out.api_key,
        sdk::setting_or_secret(sdk::string_member(settings, "api_key"), host, "api_key"));
    if (out.api_key.empty()) {
      return invalid_setting(
          "api_key is missing: set it in the instance settings (from a secret: ${env:…} or "
          "${file:…}) or as the instance secret 'api_key'");
    }
  } else {
    WASL_ASSIGN_OR_RETURN(out.receipt_secret,
                          sdk::setting_or_secret(sdk::string_member(settings, "receipt_secret"),
                                                 host, "receipt_secret"));
    if (out.receipt_secret.empty()) {
      return invalid_setting(
          "receipt_secret is missing: the gateway signs its delivery receipts with it; set it "
          "in the instance settings (from a secret) or as the instance secret 'receipt_secret'");
    }
    if (out.receipt_secret.size() < kMinReceiptSecretBytes) {
      return invalid_setting("receipt_secret must be at least " +
                             std::to_string(kMinReceiptSecretBytes) + " bytes long");
    }
  }
  return out;
}

}  // namespace wasl::plugins::sms
