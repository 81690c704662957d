// setting_or_secret.hpp: a credential a plugin takes either from its
// settings or, when the setting is empty or absent, from the instance's
// secret store (Host::secret), so an operator can keep it out of the config.
#pragma once

#include <string>
#include <string_view>

#include "wasl/sdk/host.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::sdk {

// `from_settings` when it is not empty; else the instance secret
// `secret_name`; else "" (neither is set: the caller decides whether the
// credential is required). Errors: a secret store failure other than
// kNotFound, with its code and retryability, in a message naming the secret
// (never its value).
inline Result<std::string> setting_or_secret(const std::string& from_settings, Host& host,
                                             std::string_view secret_name) {
  if (!from_settings.empty()) return from_settings;
  auto secret = host.secret(secret_name);
  if (secret.ok()) return *secret;
  if (secret.error().code == ErrorCode::kNotFound) return std::string();
  return Error(secret.error().code,
               "reading the instance secret '" + std::string(secret_name) +
                   "' failed: " + secret.error().message,
               secret.error().retryable, secret.error().retry_after);
}

}  // namespace wasl::sdk
