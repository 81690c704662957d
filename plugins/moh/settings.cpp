#include "plugins/moh/settings.hpp"

#include "wasl/sdk/json_member.hpp"
#include "wasl/sdk/setting_or_secret.hpp"
#include "wasl/sdk/url_origin.hpp"

namespace wasl::plugins::moh {
namespace {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

Error invalid_setting(std::string message) {
  return Error(ErrorCode::kInvalidArgument, "MOH settings: " + std::move(message), false);
}

}  // namespace

Result<MohSettings> parse_settings(const json& settings, sdk::Host& host) {
  MohSettings out;
  out.base_url = sdk::string_member(settings, "base_url");
  while (!out.base_url.empty() && out.base_url.back() == '/') out.base_url.pop_back();
  if (!out.base_url.empty() && !sdk::is_https_or_loopback(out.base_url)) {
    return invalid_setting("base_url must be https:// (plain http:// only to a loopback host: " +
                           std::string("127.0.0.0/8, ::1, localhost): reports carry PHI and ") +
                           "requests a bearer token");
  }
  out.file_drop_directory = sdk::string_member(settings, "file_drop_directory");
  if (out.base_url.empty() && out.file_drop_directory.empty()) {
    return invalid_setting(
        "set base_url (HTTPS delivery), file_drop_directory (file drop) or both");
  }
  out.auth = settings.at("auth").get<std::string>() == "mutual_tls" ? ReceiverAuth::kMutualTls
                                                                    : ReceiverAuth::kBearer;
  if (!out.base_url.empty() && out.auth == ReceiverAuth::kBearer) {
    WASL_ASSIGN_OR_RETURN(
        out.bearer_token,
        sdk::setting_or_secret(sdk::string_member(settings, "bearer_token"), host, "bearer_token"));
    if (out.bearer_token.empty()) {
      return invalid_setting(
          "bearer_token is missing: set it in the instance settings (from a secret) "
          "or as the instance secret 'bearer_token', or use auth: mutual_tls");
    }
  }
  if (!out.base_url.empty() && out.auth == ReceiverAuth::kMutualTls) {
    // The hub's HTTP client options, which the schema leaves to the hub.
    const json http = sdk::object_member(settings, "http");
    auto names = [&http](const char* key) {
      auto it = http.find(key);
      return it != http.end() && it->is_string() && !it->get_ref<const std::string&>().empty();
    };
    if (!names("client_cert_file") || !names("client_key_file")) {
      return invalid_setting(
          "auth: mutual_tls needs http.client_cert_file and http.client_key_file "
          "(the client certificate the receiver trusts, and its key)");
    }
  }
  out.request_timeout =
      std::chrono::milliseconds(settings.at("request_timeout_ms").get<std::int64_t>());
  return out;
}

}  // namespace wasl::plugins::moh
