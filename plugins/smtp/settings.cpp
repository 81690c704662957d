#include "plugins/smtp/settings.hpp"

#include "plugins/smtp/mail_address.hpp"
#include "plugins/smtp/utf8_text.hpp"
#include "wasl/sdk/json_member.hpp"
#include "wasl/sdk/setting_or_secret.hpp"

namespace wasl::plugins::smtp {
namespace {

using nlohmann::json;
using sdk::Error;
using sdk::ErrorCode;
using sdk::Result;

Error invalid_setting(std::string message) {
  return Error(ErrorCode::kInvalidArgument, "SMTP settings: " + std::move(message), false);
}

}  // namespace

std::string url_for_log(const std::string& url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string::npos) return "(a malformed URL)";
  const std::size_t authority_end = url.find_first_of("/?#", scheme + 3);
  std::string authority =
      url.substr(scheme + 3, authority_end == std::string::npos ? std::string::npos
                                                                : authority_end - scheme - 3);
  if (const std::size_t at = authority.rfind('@'); at != std::string::npos) {
    authority.erase(0, at + 1);
  }
  return url.substr(0, scheme + 3) + authority;
}

Result<SmtpSettings> parse_settings(const json& settings, sdk::Host& host) {
  SmtpSettings out;
  out.url = settings.at("url").get<std::string>();
  const std::size_t scheme = out.url.find("://");
  const std::size_t authority_end = out.url.find('/', scheme + 3);
  const std::string authority =
      out.url.substr(scheme + 3, authority_end == std::string::npos ? std::string::npos
                                                                    : authority_end - scheme - 3);
  if (authority.find('@') != std::string::npos) {
    return invalid_setting("url must not carry credentials: set username and password");
  }
  if (authority.empty() || authority.front() == ':') return invalid_setting("url names no host");

  out.from = settings.at("from").get<std::string>();
  if (!is_mailbox(out.from)) {
    return invalid_setting("from must be an ASCII e-mail address local@domain");
  }
  // libcurl sends the URL's path as the EHLO name; the sender's domain is the
  // name a receiving server expects of a client sending for it.
  if (authority_end == std::string::npos || authority_end + 1 == out.url.size()) {
    if (authority_end == std::string::npos) out.url += '/';
    out.url += std::string(domain_of(out.from));
  }
  out.from_name = sdk::string_member(settings, "from_name");
  if (out.from_name.find_first_of("\r\n") != std::string::npos || !is_utf8(out.from_name)) {
    return invalid_setting("from_name must be one line of UTF-8 text");
  }
  out.username = settings.at("username").get<std::string>();
  WASL_ASSIGN_OR_RETURN(
      out.password,
      sdk::setting_or_secret(sdk::string_member(settings, "password"), host, "password"));
  if (out.password.empty()) {
    return invalid_setting(
        "password is missing: set it in the instance settings (from a secret: ${env:…} or "
        "${file:…}) or as the instance secret 'password'");
  }
  const std::string mechanism = settings.at("auth_mechanism").get<std::string>();
  out.auth_mechanism = mechanism == "PLAIN"   ? AuthMechanism::kPlain
                       : mechanism == "LOGIN" ? AuthMechanism::kLogin
                                              : AuthMechanism::kAny;
  const json http = sdk::object_member(settings, "http");
  out.ca_file = sdk::string_member(http, "ca_file");
  out.connect_timeout =
      std::chrono::milliseconds(settings.at("connect_timeout_ms").get<std::int64_t>());
  out.timeout = std::chrono::milliseconds(settings.at("timeout_ms").get<std::int64_t>());
  out.max_message_bytes = settings.at("max_message_bytes").get<std::size_t>();
  return out;
}

}  // namespace wasl::plugins::smtp
