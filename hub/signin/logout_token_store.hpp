// LogoutTokenStore: the jti of every back-channel logout token the hub took
// (signin_logout_tokens), so one replayed is refused. Works in the caller's
// transaction; stateless.
#pragma once

#include <cstdint>
#include <string_view>

#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::signin {

class LogoutTokenStore {
 public:
  // Records (provider, jti); false when it was recorded before (a replay).
  // kInvalidArgument for an empty jti or one longer than 256 bytes.
  static sdk::Result<bool> record(storage::Transaction& tx, std::string_view provider,
                                  std::string_view jti, std::int64_t now_ms);

  // Forgets tokens received before `before_ms` (older than any token's
  // lifetime); answers how many.
  static sdk::Result<std::int64_t> purge(storage::Transaction& tx, std::int64_t before_ms);
};

}  // namespace wasl::signin
