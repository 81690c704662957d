// NphiesSettings: one NPHIES instance's settings (schema.json, validated and
// completed with defaults by the hub before the plugin sees them).
//
// Immutable after parse_settings(); safe to share between threads.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace wasl::plugins::nphies {

// The values, their ranges and defaults are schema.json's.
struct NphiesSettings {
  std::string base_url;           // https://…, no trailing slash
  std::string provider_base_url;  // no trailing slash
  std::chrono::seconds request_timeout{0};
  std::chrono::seconds max_clock_skew{0};
  std::chrono::seconds clock_recheck{0};
  int poll_count = 0;
  // The nphies-fs profile version every message names ("0.3.0" or "1.0.0").
  std::string profile_version;
  // EHR identifier system -> "national_id" | "iqama" | "passport" | "border_number"
  std::map<std::string, std::string> patient_identifier_systems;

  std::string process_message_url() const { return base_url + "/$process-message"; }
  // {provider_base_url}/identifier/<kind>
  std::string identifier_system(const std::string& kind) const {
    return provider_base_url + "/identifier/" + kind;
  }
};

// Reads `settings` as the host hands them over: validated against
// schema.json (which holds every rule: https only, no trailing slash, the
// ranges, the identifier kinds), defaults filled in (Host::settings()).
// Settings that skipped the schema (a unit test's) throw
// nlohmann::json::exception on a missing value.
NphiesSettings parse_settings(const nlohmann::json& settings);

}  // namespace wasl::plugins::nphies
