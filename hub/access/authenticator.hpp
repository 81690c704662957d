// Authenticator: turns the Authorization header of a /v1 request into a
// Principal, rate-limits failures per (source address, key prefix) and
// audits each one.
#pragma once

#include <string_view>

#include "hub/access/api_key_store.hpp"
#include "hub/access/auth_failure_limiter.hpp"
#include "hub/access/principal.hpp"
#include "hub/audit/audit_writer.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::access {

struct AuthRequest {
  std::string_view authorization;   // the Authorization header value, empty when absent
  std::string_view source_address;  // the peer address as the listener saw it
  std::string_view request_id;      // X-Request-Id
};

// Borrows everything it is given; all must outlive it. Thread-safe when the
// store and limiter are (they are).
class Authenticator {
 public:
  Authenticator(storage::Store& store, const ApiKeyStore& keys, AuthFailureLimiter& limiter,
                const audit::AuditWriter& audit);

  // Errors:
  //   kResourceExhausted (retry_after set) while the (address, key prefix)
  //     is blocked: no
  //     key is checked and nothing is audited, so a flood costs no writes;
  //   kUnauthenticated for a missing, non-Bearer, malformed, unknown or
  //     revoked key; kPermissionDenied for a suspended facility. Both count
  //     as a failure of the address and write an audit event (action
  //     "auth.failed", actor "anonymous", the reason in detail) in its own
  //     transaction;
  //   storage errors (kUnavailable …) unchanged, neither counted nor audited.
  sdk::Result<Principal> authenticate(const AuthRequest& request);

 private:
  sdk::Error fail(const AuthRequest& request, sdk::Error error,
                  const AuthenticationFailure& failure);

  storage::Store& store_;
  const ApiKeyStore& keys_;
  AuthFailureLimiter& limiter_;
  const audit::AuditWriter& audit_;
};

// The token of "Bearer <token>" (scheme case-insensitive, surrounding spaces
// ignored), or empty when the header has another form.
std::string_view bearer_token(std::string_view authorization);

// What the failure limit counts an Authorization header under, with its
// source: the key's first AuthFailureLimiter::kKeyPrefixLength characters, or
// "-" when there is no Bearer key.
std::string_view failure_key_prefix(std::string_view authorization);

}  // namespace wasl::access
