#include "plugins/nphies/settings.hpp"

#include <cstdint>

namespace wasl::plugins::nphies {

NphiesSettings parse_settings(const nlohmann::json& s) {
  auto seconds = [&s](const char* key) {
    return std::chrono::seconds(s.at(key).get<std::int64_t>());
  };
  NphiesSettings out;
  out.base_url = s.at("base_url").get<std::string>();
  out.provider_base_url = s.at("provider_base_url").get<std::string>();
  out.request_timeout = seconds("request_timeout_seconds");
  out.max_clock_skew = seconds("max_clock_skew_seconds");
  out.clock_recheck = seconds("clock_recheck_seconds");
  out.poll_count = s.at("poll_count").get<int>();
  out.profile_version = s.at("profile_version").get<std::string>();
  out.patient_identifier_systems =
      s.at("patient_identifier_systems").get<std::map<std::string, std::string>>();
  return out;
}

}  // namespace wasl::plugins::nphies
