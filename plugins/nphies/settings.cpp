#include "plugins/nphies/settings.hpp"

namespace wasl::plugins::nphies {
namespace {

sdk::Error invalid(const std::string& what) {
  return sdk::Error(sdk::ErrorCode::kInvalidArgument, "NPHIES settings: " + what, false);
}

std::string without_trailing_slash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

sdk::Result<std::int64_t> integer(const nlohmann::json& s, const char* name, std::int64_t fallback,
                                  std::int64_t min, std::int64_t max) {
  auto it = s.find(name);
  if (it == s.end()) return fallback;
  if (!it->is_number_integer()) return invalid(std::string(name) + " must be an integer");
  auto v = it->get<std::int64_t>();
  if (v < min || v > max) {
    return invalid(std::string(name) + " must be between " + std::to_string(min) + " and " +
                   std::to_string(max));
  }
  return v;
}

}  // namespace

sdk::Result<NphiesSettings> parse_settings(const nlohmann::json& s) {
  if (!s.is_object()) return invalid("expected an object");
  NphiesSettings out;
  auto base = s.find("base_url");
  if (base == s.end() || !base->is_string()) return invalid("base_url is required");
  out.base_url = without_trailing_slash(base->get<std::string>());
  if (out.base_url.rfind("https://", 0) != 0) {
    return invalid("base_url must be https://: NPHIES speaks mutual TLS only");
  }
  auto provider = s.find("provider_base_url");
  if (provider == s.end() || !provider->is_string() || provider->get<std::string>().empty()) {
    return invalid("provider_base_url is required");
  }
  out.provider_base_url = without_trailing_slash(provider->get<std::string>());
  WASL_ASSIGN_OR_RETURN(auto timeout, integer(s, "request_timeout_seconds", 60, 5, 600));
  out.request_timeout = std::chrono::seconds(timeout);
  WASL_ASSIGN_OR_RETURN(auto skew, integer(s, "max_clock_skew_seconds", 900, 1, 86400));
  out.max_clock_skew = std::chrono::seconds(skew);
  WASL_ASSIGN_OR_RETURN(auto recheck, integer(s, "clock_recheck_seconds", 60, 1, 3600));
  out.clock_recheck = std::chrono::seconds(recheck);
  WASL_ASSIGN_OR_RETURN(auto count, integer(s, "poll_count", 100, 1, 100));
  out.poll_count = static_cast<int>(count);
  if (auto systems = s.find("patient_identifier_systems"); systems != s.end()) {
    if (!systems->is_object()) return invalid("patient_identifier_systems must be an object");
    for (const auto& [system, kind] : systems->items()) {
      if (!kind.is_string()) return invalid("patient_identifier_systems values must be strings");
      const std::string k = kind.get<std::string>();
      if (k != "national_id" && k != "iqama" && k != "passport" && k != "border_number") {
        return invalid("patient_identifier_systems: \"" + k +
                       "\" is not national_id, iqama, passport or border_number");
      }
      out.patient_identifier_systems[system] = k;
    }
  }
  return out;
}

}  // namespace wasl::plugins::nphies
