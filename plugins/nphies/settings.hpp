// NphiesSettings: one NPHIES instance's settings (schema.json, validated and
// completed with defaults by the hub before the plugin sees them).
//
// Immutable after parse_settings(); safe to share between threads.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "wasl/sdk/result.hpp"

namespace wasl::plugins::nphies {

struct NphiesSettings {
  std::string base_url;           // https://…, no trailing slash
  std::string provider_base_url;  // no trailing slash
  std::chrono::seconds request_timeout{60};
  std::chrono::seconds max_clock_skew{900};
  std::chrono::seconds clock_recheck{60};
  int poll_count = 100;
  // EHR identifier system -> "national_id" | "iqama" | "passport" | "border_number"
  std::map<std::string, std::string> patient_identifier_systems;

  std::string process_message_url() const { return base_url + "/$process-message"; }
  // {provider_base_url}/identifier/<kind>
  std::string identifier_system(const std::string& kind) const {
    return provider_base_url + "/identifier/" + kind;
  }
};

// kInvalidArgument naming the setting when a value is missing or malformed
// (settings that skipped the hub's schema check, e.g. in tests).
sdk::Result<NphiesSettings> parse_settings(const nlohmann::json& settings);

}  // namespace wasl::plugins::nphies
