// EnvironmentSecretSource: an instance's secret `name` is the environment
// variable WASL_SECRET_<INSTANCE>_<NAME>, upper-cased, every character other
// than A-Z and 0-9 turned into '_' (video.twilio-main + auth_token ->
// WASL_SECRET_VIDEO_TWILIO_MAIN_AUTH_TOKEN). Scoped by instance, so a plugin
// cannot read another instance's secrets or any other variable. Thread-safe
// as long as nothing modifies the environment.
#pragma once

#include "hub/plugin_host/secret_source.hpp"

namespace wasl::plugin_host {

class EnvironmentSecretSource final : public SecretSource {
 public:
  sdk::Result<std::optional<std::string>> lookup(std::string_view instance,
                                                 std::string_view name) override;

  static std::string variable_name(std::string_view instance, std::string_view name);
};

}  // namespace wasl::plugin_host
