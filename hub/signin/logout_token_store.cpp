#include "hub/signin/logout_token_store.hpp"

#include <string>

namespace wasl::signin {

sdk::Result<bool> LogoutTokenStore::record(storage::Transaction& tx, std::string_view provider,
                                           std::string_view jti, std::int64_t now_ms) {
  if (jti.empty() || jti.size() > 256) {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                      "a logout token needs a jti of 1 to 256 bytes", false);
  }
  WASL_ASSIGN_OR_RETURN(
      std::int64_t inserted,
      tx.exec("INSERT INTO signin_logout_tokens (provider, jti, received_at) VALUES ($1, $2, $3) "
              "ON CONFLICT (provider, jti) DO NOTHING",
              {std::string(provider), std::string(jti), now_ms}));
  return inserted > 0;
}

sdk::Result<std::int64_t> LogoutTokenStore::purge(storage::Transaction& tx,
                                                  std::int64_t before_ms) {
  return tx.exec("DELETE FROM signin_logout_tokens WHERE received_at < $1", {before_ms});
}

}  // namespace wasl::signin
