// OidcProvider: the hub as an OpenID Connect relying party of one identity
// provider (the hospital's), for the console's sign-in.
//
// What it does:
//  - Reads the provider's discovery document
//    (<issuer>/.well-known/openid-configuration) and its JWKS, through the
//    hub's outgoing plugin_host::HttpClient, and keeps both. The document's
//    `issuer` must equal the configured issuer exactly.
//  - begin(): the authorization code flow's start, with state, nonce and a
//    PKCE code_verifier (S256) from the hub's random generator.
//  - exchange_code(): the token endpoint, authenticated by
//    client_secret_basic or private_key_jwt; hands back the ID token.
//  - verify_id_token(), verify_logout_token(): signatures checked by cjose
//    against the JWKS, claims checked here (issuer, audience, azp, expiry,
//    issued-at, nonce; the back-channel logout token's events and sub/sid).
//  - end_session_url(): the RP-initiated logout URL, when the IdP has one.
//
// Errors: kUnauthenticated for every refusal of a token or of the IdP's
// answer, its message naming the check ("signature", "issuer", "audience",
// "azp", "expired", "issued in the future", "nonce", "algorithm",
// "unknown key"); kUnavailable (retryable) when the IdP cannot be reached or
// answers 5xx; kFailedPrecondition when the IdP's documents cannot be used.
// No message or log line carries a token, a code or a secret.
//
// Thread safety: every member may be called from any number of threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "hub/config/secret.hpp"
#include "hub/plugin_host/http_client.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::signin {

struct ProviderSettings {
  std::string name;    // "hospital": the config key, in URLs
  std::string issuer;  // exact `iss`; https://, or http:// on loopback only
  std::string client_id;
  config::Secret client_secret;     // client_secret_basic, or empty when client_key is set
  std::string client_key_pem;       // private_key_jwt (RS256/ES256) when set
  std::string client_key_id;        // its `kid`
  std::string redirect_uri;         // <public_url>/signin/<name>/callback
  std::vector<std::string> scopes;  // always includes "openid"
  std::chrono::seconds clock_skew{60};
  std::string ca_file;  // optional extra trust anchors for the IdP
};

// begin(): what the hub keeps and where the browser goes.
struct AuthorizationStart {
  std::string url;                          // the IdP's authorization endpoint with every parameter
  std::string state, nonce, code_verifier;  // random, >= 128 bits, base64url
};

// A verified ID token.
struct IdentityClaims {  // NOLINT(bugprone-exception-escape): a null json cannot throw
  std::string issuer, subject, session_id /* sid, may be empty */;
  std::string name;  // name, else preferred_username, else email, else subject
  std::vector<std::string> amr;
  std::string acr;
  std::int64_t issued_at = 0, expires_at = 0, auth_time = 0;
  nlohmann::json claims;  // the whole verified payload (rules read groups etc. from it)
};

// A verified back-channel logout token; `jti` (always present) is for the
// caller to refuse a replay. Subject or session may be empty, not both.
struct LogoutClaims {
  std::string issuer, subject, session_id;
  std::string jti;
};

// One per configured provider; thread-safe.
class OidcProvider {
 public:
  // `http` is the hub's outgoing client; when null, the provider makes its
  // own with settings.ca_file as extra trust anchors. `now_s` is the clock in
  // seconds since the epoch (the system clock when empty). Does not touch the
  // network; a client key that cannot be read fails exchange_code().
  //
  // Discovery and the key set are kept for an hour; a token naming a key the
  // set does not hold reads the set again at once, at most every 30 s.
  OidcProvider(ProviderSettings settings, std::shared_ptr<plugin_host::HttpClient> http,
               std::function<std::int64_t()> now_s = {});
  ~OidcProvider();
  OidcProvider(const OidcProvider&) = delete;
  OidcProvider& operator=(const OidcProvider&) = delete;

  // Discovery is fetched (and kept) as needed.
  sdk::Result<AuthorizationStart> begin();
  // The authorization code for the ID token (its compact form).
  sdk::Result<std::string> exchange_code(std::string_view code, std::string_view code_verifier);
  sdk::Result<IdentityClaims> verify_id_token(std::string_view id_token,
                                              std::string_view expected_nonce);
  sdk::Result<LogoutClaims> verify_logout_token(std::string_view logout_token);
  // RP-initiated logout: the end_session_endpoint with id_token_hint,
  // post_logout_redirect_uri and client_id; nullopt when the IdP has none.
  sdk::Result<std::optional<std::string>> end_session_url(
      std::string_view id_token_hint, std::string_view post_logout_redirect_uri);
  const ProviderSettings& settings() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wasl::signin
