// Authenticator: turns the Authorization header of a /v1 request into a
// Principal, rate-limits failures per source address (and across all
// sources) and audits them, one event per source and minute.
#pragma once

#include <string_view>

#include "hub/access/api_key_store.hpp"
#include "hub/access/auth_failure_audit.hpp"
#include "hub/access/auth_failure_limiter.hpp"
#include "hub/access/principal.hpp"
#include "hub/audit/audit_writer.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::access {

struct AuthRequest {
  std::string_view authorization;  // the Authorization header value, empty when absent
  // The client address: the peer, or the client a trusted proxy names
  // (http::Request::client_address).
  std::string_view source_address;
  std::string_view request_id;  // X-Request-Id
};

// Borrows everything it is given; all must outlive it. Thread-safe when the
// store and limiter are (they are).
class Authenticator {
 public:
  Authenticator(storage::Store& store, const ApiKeyStore& keys, AuthFailureLimiter& limiter,
                const audit::AuditWriter& audit, AuthFailureAudit::Options audit_options = {},
                AuthFailureAudit::NowMs now_ms = {});

  // Errors:
  //   kResourceExhausted (retry_after set) while the source address is
  //     blocked: no key is checked and nothing is counted or audited, so a
  //     flood costs no writes;
  //   kUnauthenticated for a missing, non-Bearer, malformed, unknown or
  //     revoked key; kPermissionDenied for a suspended facility. Both count
  //     as a failure of the source address (whatever the token says) and are
  //     counted for its `auth.failed` audit event of the minute (actor
  //     "anonymous"; detail: the count, the reasons, the key ids found),
  //     which flush_failures() writes;
  //   storage errors (kUnavailable …) unchanged, neither counted nor audited.
  sdk::Result<Principal> authenticate(const AuthRequest& request);

  // Writes the `auth.failed` events of the minutes that have ended (all
  // pending ones with `everything`, at shutdown); see AuthFailureAudit::flush.
  sdk::Result<int> flush_failures(bool everything = false);

 private:
  sdk::Error fail(const AuthRequest& request, sdk::Error error,
                  const AuthenticationFailure& failure);

  storage::Store& store_;
  const ApiKeyStore& keys_;
  AuthFailureLimiter& limiter_;
  AuthFailureAudit failures_;
};

// The token of "Bearer <token>" (scheme case-insensitive, surrounding spaces
// ignored), or empty when the header has another form.
std::string_view bearer_token(std::string_view authorization);

}  // namespace wasl::access
