// MohSettings: one MOH reporting instance's settings, read from its
// validated settings (schema.json; the hub fills the defaults) and, for the
// bearer token when the settings leave it out, from the instance secret
// "bearer_token".
//
// Immutable after parse_settings(); safe to share between threads.
#pragma once

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "wasl/sdk/host.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::plugins::moh {

enum class ReceiverAuth { kBearer, kMutualTls };

// The values, their ranges and defaults are schema.json's.
struct MohSettings {
  std::string base_url;  // no trailing '/'; empty = no HTTPS delivery
  ReceiverAuth auth = ReceiverAuth::kBearer;
  std::string bearer_token;  // a secret; set when auth is kBearer and base_url is set
  std::chrono::milliseconds request_timeout{0};
  std::string file_drop_directory;  // empty = no file drop
};

// Reads `settings` as the host hands them over (validated against
// schema.json, defaults filled in: Host::settings(); settings that skipped
// the schema, a unit test's, throw nlohmann::json::exception on a missing
// value). Errors: kInvalidArgument naming the setting (never a secret's
// value) for what the schema cannot express: no delivery at all (neither
// base_url nor file_drop_directory), bearer auth without a token in the
// settings or the secrets, mutual_tls without http.client_cert_file and
// http.client_key_file. A secret store failure other than "not found" is
// passed on with its code.
sdk::Result<MohSettings> parse_settings(const nlohmann::json& settings, sdk::Host& host);

}  // namespace wasl::plugins::moh
