// SmartAuth: access tokens by SMART Backend Services (client_credentials
// with a private_key_jwt client assertion, client_assertion.hpp). The token
// endpoint is token_url, else discovered once from
// <base_url>/.well-known/smart-configuration. A token is kept in memory and
// in the instance state ("smart.token", so a restart reuses it) until
// shortly before expires_in runs out (a tenth of its life, at most 60 s).
// One token request at a time per instance.
//
// Errors: a refused assertion (400/401 from the token endpoint) is
// kUnauthenticated, permanent, naming the instance and the endpoint's error
// code, never the key; 429/5xx and transport failures are retryable as
// error_mapping.hpp says. Thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "plugins/fhir/settings.hpp"
#include "wasl/sdk/host.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::plugins::fhir {

class SmartAuth {
 public:
  // `host` outlives this; settings.auth is kSmart.
  SmartAuth(sdk::Host& host, const FhirSettings& settings);

  // A live access token.
  sdk::Result<std::string> token();

  // The EHR refused `token` (401): the next token() asks for a new one.
  void invalidate(const std::string& token);

 private:
  sdk::Result<std::string> token_endpoint();
  sdk::Status fetch();

  sdk::Host& host_;
  const FhirSettings& settings_;
  std::mutex mutex_;
  std::string endpoint_;
  std::string token_;
  std::chrono::system_clock::time_point refresh_at_{};
};

}  // namespace wasl::plugins::fhir
