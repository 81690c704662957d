#include "hub/plugin_host/environment_secret_source.hpp"

#include <cstdlib>

namespace wasl::plugin_host {

namespace {
void append_token(std::string& out, std::string_view text) {
  for (char c : text) {
    if (c >= 'a' && c <= 'z') {
      out += static_cast<char>(c - 'a' + 'A');
    } else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      out += c;
    } else {
      out += '_';
    }
  }
}
}  // namespace

std::string EnvironmentSecretSource::variable_name(std::string_view instance,
                                                   std::string_view name) {
  std::string out = "WASL_SECRET_";
  append_token(out, instance);
  out += '_';
  append_token(out, name);
  return out;
}

sdk::Result<std::optional<std::string>> EnvironmentSecretSource::lookup(std::string_view instance,
                                                                        std::string_view name) {
  const char* value = std::getenv(variable_name(instance, name).c_str());
  if (value == nullptr) return std::optional<std::string>();
  return std::optional<std::string>(value);
}

}  // namespace wasl::plugin_host
