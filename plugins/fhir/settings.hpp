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
#include "wasl/sdk/types.hpp"

namespace wasl::plugins::fhir {

class ClientAssertionSigner;

enum class AuthKind { kNone, kBearer, kBasic, kSmart };

// What a clinician's note is written as (SDK 1.10's ehr.write_note).
enum class NoteResource { kDocumentReference, kComposition };

// The values, their ranges and defaults are schema.json's.
struct FhirSettings {
  std::string base_url;  // without a trailing '/'
  AuthKind auth = AuthKind::kNone;
  std::string bearer_token;  // a secret
  std::string username;
  std::string password;  // a secret
  // SMART Backend Services: the client, its signing key (parsed), the scopes
  // asked for, and the token endpoint (empty: discovered).
  std::string client_id;
  std::shared_ptr<const ClientAssertionSigner> smart_signer;
  // What public_keys() answers: the signer's public key (kid key_id), then
  // previous_public_keys in their order. Empty unless auth is smart.
  sdk::PublicKeySet published_keys;
  std::string scope;
  std::string smart_token_url;
  // Subscription notifications: the header carrying the secret
  // (channel.header) and the secret (empty: every notification refused).
  std::string subscription_header;
  std::string subscription_secret;
  int page_size = 0;
  int max_pages = 0;
  std::chrono::milliseconds request_timeout{0};
  // The system of the business identifier made from a write's idempotency key.
  std::string identifier_system;
  // The Organization id written as Encounter.serviceProvider; empty: none.
  std::string service_provider;
  NoteResource note_resource = NoteResource::kDocumentReference;
};

// Whether `id` is a FHIR id: [A-Za-z0-9-.]{1,64}.
bool is_fhir_id(std::string_view id);

// Reads `settings` as the host hands them over (validated against
// schema.json, defaults filled in: Host::settings(); settings that skipped
// the schema, a unit test's, throw nlohmann::json::exception on a missing
// value); secrets not in the settings are taken from the instance's secrets.
// kInvalidArgument naming the setting for what the schema cannot rule out:
// the credentials `auth` needs missing from both, a SMART key that does not
// parse, or a previous public key that does not parse or reuses a kid.
sdk::Result<FhirSettings> parse_settings(const nlohmann::json& settings, sdk::Host& host);

}  // namespace wasl::plugins::fhir
