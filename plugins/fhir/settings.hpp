// The FHIR plugin's instance settings (schema.json), parsed once when the
// instance starts. Pure and thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "wasl/sdk/host.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::plugins::fhir {

class ClientAssertionSigner;

enum class AuthKind { kNone, kBearer, kBasic, kSmart };

struct FhirSettings {
  std::string base_url;  // without a trailing '/'
  AuthKind auth = AuthKind::kBearer;
  std::string bearer_token;  // a secret
  std::string username;
  std::string password;  // a secret
  // SMART Backend Services: the client, its signing key (parsed), the scopes
  // asked for, and the token endpoint (empty: discovered).
  std::string client_id;
  std::shared_ptr<const ClientAssertionSigner> smart_signer;
  std::string scope =
      "system/Patient.read system/Practitioner.read system/Appointment.read "
      "system/Appointment.write system/Coverage.read system/Encounter.write "
      "system/DocumentReference.write";
  std::string smart_token_url;
  // Subscription notifications: the header carrying the secret
  // (channel.header) and the secret (empty: every notification refused).
  std::string subscription_header = "X-Wasl-Subscription-Secret";
  std::string subscription_secret;
  int page_size = 50;
  int max_pages = 20;
  std::chrono::milliseconds request_timeout{15000};
  // The system of the business identifier made from a write's idempotency key.
  std::string identifier_system = "urn:wasl:idempotency-key";
  // The Organization id written as Encounter.serviceProvider; empty: none.
  std::string service_provider;
};

// Whether `id` is a FHIR id: [A-Za-z0-9-.]{1,64}.
bool is_fhir_id(std::string_view id);

// kInvalidArgument naming the setting for a missing base URL or credentials;
// secrets not in the settings are taken from the instance's secrets.
sdk::Result<FhirSettings> parse_settings(const nlohmann::json& settings, sdk::Host& host);

}  // namespace wasl::plugins::fhir
