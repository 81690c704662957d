// AttemptStore: sign-ins begun at an identity provider and not yet back
// (signin_attempts), by the SHA-256 hex of their state. The nonce is kept as
// its SHA-256 hex (the callback checks the ID token's nonce against it with
// nonce_matches(), then hands that nonce to OidcProvider::verify_id_token),
// the PKCE code verifier encrypted. An attempt is claimed once: the UPDATE
// … WHERE used_at IS NULL lets exactly one callback through, and only
// within kAttemptLifetime of its start.
//
// Works in the caller's transaction. Thread-safe: holds a borrowed
// CellCipher.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hub/records/cell_cipher.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::signin {

inline constexpr std::chrono::milliseconds kAttemptLifetime = std::chrono::minutes(10);

struct AttemptStart {
  std::string provider;
  std::string state;
  std::string nonce;
  std::string code_verifier;
  std::string return_to;  // a path under /console/
};

struct Attempt {
  std::string provider;
  std::string nonce_hash;
  std::string code_verifier;
  std::string return_to;
  std::int64_t created_at = 0;
};

class AttemptStore {
 public:
  explicit AttemptStore(const records::CellCipher& cipher) : cipher_(cipher) {}

  // Records the attempt. kInvalidArgument when state, nonce or verifier is empty.
  sdk::Status create(storage::Transaction& tx, const AttemptStart& start,
                     std::int64_t now_ms) const;

  // Claims the attempt of `state` at `provider`: nullopt when there is none,
  // it was used, it is older than kAttemptLifetime or belongs to another
  // provider. A claimed attempt is never answered again.
  sdk::Result<std::optional<Attempt>> claim(storage::Transaction& tx, std::string_view provider,
                                            std::string_view state, std::int64_t now_ms) const;

  // Deletes attempts started before `before_ms`; answers how many.
  static sdk::Result<std::int64_t> purge(storage::Transaction& tx, std::int64_t before_ms);

  // Whether `nonce` is the attempt's (constant time).
  static bool nonce_matches(const Attempt& attempt, std::string_view nonce);

 private:
  const records::CellCipher& cipher_;
};

}  // namespace wasl::signin
