// SmtpSettings: one SMTP notify instance's settings, read from its validated
// settings (schema.json; the hub fills the defaults) and, for the password
// when the settings leave it out, from the instance secret "password".
//
// Immutable after parse_settings(); safe to share between threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "wasl/sdk/host.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::plugins::smtp {

enum class AuthMechanism { kAny, kPlain, kLogin };

// The values, their ranges and defaults are schema.json's.
struct SmtpSettings {
  // smtp://host[:port]/<EHLO name> or smtps://…; the path, when the settings
  // give none, is the from address's domain (libcurl sends the URL's path
  // as the EHLO name).
  std::string url;
  std::string username;
  std::string password;  // a secret
  AuthMechanism auth_mechanism = AuthMechanism::kAny;
  std::string from;       // mailbox
  std::string from_name;  // UTF-8; may be empty
  std::string ca_file;    // http.ca_file: PEM anchors trusted besides the system's; may be empty
  std::chrono::milliseconds connect_timeout{0};
  std::chrono::milliseconds timeout{0};
  std::size_t max_message_bytes = 0;
};

// Reads `settings` as the host hands them over (validated against
// schema.json, defaults filled in: Host::settings(); settings that skipped
// the schema, a unit test's, throw nlohmann::json::exception on a missing
// value). Errors: kInvalidArgument naming the setting (never a secret's
// value) for what the schema cannot express: a URL with credentials or
// without a host, a from that is not a mailbox, a from_name with a line
// break, no password in the settings or the secrets. A secret store failure
// other than "not found" is passed on with its code.
sdk::Result<SmtpSettings> parse_settings(const nlohmann::json& settings, sdk::Host& host);

// `url` without anything a log must not show (credentials, the path).
std::string url_for_log(const std::string& url);

}  // namespace wasl::plugins::smtp
