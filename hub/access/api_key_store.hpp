// ApiKeyStore: creates, authenticates and revokes API keys. A key is 256
// random bits shown once as "wasl_" + 64 lowercase hex characters; only its
// SHA-256 is stored (api_keys.key_hash).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/access/principal.hpp"
#include "hub/access/role.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::access {

inline constexpr std::string_view kApiKeyPrefix = "wasl_";
inline constexpr std::size_t kApiKeyTextSize = 5 + 64;

struct CreatedApiKey {
  std::string id;         // public identifier (a UUID), appears in audit actors
  std::string plaintext;  // the secret; shown once, never stored, never logged
};

struct ApiKeyInfo {
  std::string id;
  std::string facility_id;
  Role role = Role::kAuditor;
  std::string label;
  std::optional<std::string> practitioner;   // a clinician key's, see Principal
  std::int64_t created_at = 0;               // epoch ms UTC
  std::optional<std::int64_t> revoked_at;    // epoch ms UTC
  std::optional<std::int64_t> last_used_at;  // epoch ms UTC, see ApiKeyStore
};

// Why an authentication failed, for the audit trail (never the key itself).
struct AuthenticationFailure {
  std::string reason;  // "malformed", "unknown", "revoked", "facility_inactive", "invalid_row"
  std::string key_id;  // set when the key was found
};

// Thread-safe: holds only its clock and settings.
class ApiKeyStore {
 public:
  using Clock = std::function<std::int64_t()>;  // epoch ms UTC

  struct Options {
    // last_used_at is written at most once per key per interval, so a busy
    // key does not turn every request into a write.
    std::int64_t last_used_interval_ms = 60'000;
    Clock clock;  // empty = the system clock
  };

  ApiKeyStore();
  explicit ApiKeyStore(Options options);

  // Creates a key for `facility_id` with `role` in the caller's transaction
  // (the caller audits the creation in the same transaction). `practitioner`
  // is the EHR reference ("Practitioner/3") a clinician key belongs to; the
  // store accepts a clinician key without one (it is never admitted to a
  // session at once), the CLI requires it.
  // Errors: kInvalidArgument (empty facility, label over 200 bytes, a
  // practitioner for another role or not of the form "Practitioner/<id>"),
  // kNotFound (no such facility), kInternal (no randomness), storage errors.
  sdk::Result<CreatedApiKey> create(
      storage::Transaction& tx, std::string_view facility_id, Role role, std::string_view label,
      const std::optional<std::string>& practitioner = std::nullopt) const;

  // Looks the presented key up by its hash. kUnauthenticated (one message for
  // every cause, so callers learn nothing about which keys exist) for a
  // malformed, unknown or revoked key; kPermissionDenied when its facility is
  // suspended; storage errors (kUnavailable …) as reported. On failure,
  // `failure` (if given) says why. Updates last_used_at, throttled; a failure
  // of that update does not fail the authentication.
  sdk::Result<Principal> authenticate(storage::Store& store, std::string_view presented,
                                      AuthenticationFailure* failure = nullptr) const;

  // Marks a key revoked (idempotent: the first revocation time stays).
  // kNotFound when no key has this id.
  sdk::Status revoke(storage::Transaction& tx, std::string_view key_id) const;

  // kNotFound when no key has this id.
  sdk::Result<ApiKeyInfo> find(storage::Transaction& tx, std::string_view key_id) const;

  // Every key (of `facility_id` when given), revoked ones included, oldest
  // first.
  sdk::Result<std::vector<ApiKeyInfo>> list(storage::Transaction& tx,
                                            const std::optional<std::string>& facility_id) const;

 private:
  std::int64_t now() const;
  Options options_;
};

// True when `text` has the shape of a Wasl API key ("wasl_" + 64 lowercase hex).
bool looks_like_api_key(std::string_view text);

// True when `text` is a practitioner reference a clinician key may carry:
// "Practitioner/" then 1 to 64 letters, digits, '-' or '.' (a FHIR id).
bool is_practitioner_reference(std::string_view text);

}  // namespace wasl::access
