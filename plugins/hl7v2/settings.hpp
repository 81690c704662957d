// The HL7 v2 plugin's instance settings (schema.json), parsed once when the
// instance starts. Pure and thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "wasl/sdk/result.hpp"

namespace wasl::plugins::hl7v2 {

// Where MDM and ORU messages go; an empty host turns writing back off.
struct OutboundSettings {
  std::string host;
  int port = 0;
  std::chrono::milliseconds timeout{0};  // connect, write and read the acknowledgement
  std::string charset;                   // HL7 table 0211 name, written to MSH-18
};

// The values, their ranges and defaults are schema.json's.
struct Hl7v2Settings {
  std::string receiving_application;  // MSH-3 of what the hub writes
  std::string receiving_facility;     // MSH-4 of what the hub writes; may be empty
  std::string default_charset;        // for a message whose MSH-18 is empty
  // "<authority>^<type>" (either side may be empty) -> FHIR identifier system.
  std::map<std::string, std::string> identifier_systems;
  std::string patient_id_from;  // CX.5 of the patient's id
  int default_duration_minutes = 0;
  int time_zone_offset_minutes = 0;  // of HL7 times without an offset
  OutboundSettings outbound;
};

// Reads `settings` as the host hands them over (validated against
// schema.json, defaults filled in; settings that skipped the schema throw
// nlohmann::json::exception on a missing value). kInvalidArgument naming the
// setting for what the schema cannot rule out: an identifier_systems key
// without '^', a time_zone_offset beyond ±14:00.
sdk::Result<Hl7v2Settings> parse_settings(const nlohmann::json& settings);

}  // namespace wasl::plugins::hl7v2
