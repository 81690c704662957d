#include "hub/signin/attempt_store.hpp"

#include "hub/crypto/digest.hpp"
#include "hub/crypto/hmac.hpp"

namespace wasl::signin {
namespace {

constexpr std::string_view kTable = "signin_attempts";

}  // namespace

sdk::Status AttemptStore::create(storage::Transaction& tx, const AttemptStart& start,
                                 std::int64_t now_ms) const {
  if (start.provider.empty() || start.state.empty() || start.nonce.empty() ||
      start.code_verifier.empty()) {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                      "a sign-in attempt needs a provider, a state, a nonce and a code verifier",
                      false);
  }
  const std::string state_hash = crypto::sha256_hex(start.state);
  WASL_ASSIGN_OR_RETURN(std::string verifier, cipher_.encrypt(kTable, "code_verifier_enc",
                                                              state_hash, start.code_verifier));
  WASL_RETURN_IF_ERROR(
      tx.exec("INSERT INTO signin_attempts (state_hash, provider, nonce_hash, code_verifier_enc, "
              "return_to, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
              {state_hash, start.provider, crypto::sha256_hex(start.nonce),
               storage::Blob{std::move(verifier)}, start.return_to, now_ms}));
  return sdk::ok_status();
}

sdk::Result<std::optional<Attempt>> AttemptStore::claim(storage::Transaction& tx,
                                                        std::string_view provider,
                                                        std::string_view state,
                                                        std::int64_t now_ms) const {
  if (state.empty() || state.size() > 512) return std::optional<Attempt>();
  const std::string state_hash = crypto::sha256_hex(state);
  WASL_ASSIGN_OR_RETURN(
      std::int64_t claimed,
      tx.exec("UPDATE signin_attempts SET used_at = $1 WHERE state_hash = $2 AND provider = $3 "
              "AND used_at IS NULL AND created_at > $4",
              {now_ms, state_hash, std::string(provider), now_ms - kAttemptLifetime.count()}));
  if (claimed == 0) return std::optional<Attempt>();
  WASL_ASSIGN_OR_RETURN(storage::Rows rows,
                        tx.query("SELECT provider, nonce_hash, code_verifier_enc, return_to, "
                                 "created_at FROM signin_attempts WHERE state_hash = $1",
                                 {state_hash}));
  if (rows.empty()) return std::optional<Attempt>();
  Attempt attempt;
  WASL_ASSIGN_OR_RETURN(attempt.provider, rows.front().get_text(0));
  WASL_ASSIGN_OR_RETURN(attempt.nonce_hash, rows.front().get_text(1));
  WASL_ASSIGN_OR_RETURN(std::string enc, rows.front().get_blob(2));
  WASL_ASSIGN_OR_RETURN(attempt.code_verifier,
                        cipher_.decrypt(kTable, "code_verifier_enc", state_hash, enc));
  WASL_ASSIGN_OR_RETURN(attempt.return_to, rows.front().get_text(3));
  WASL_ASSIGN_OR_RETURN(attempt.created_at, rows.front().get_int(4));
  return std::optional<Attempt>(std::move(attempt));
}

sdk::Result<std::int64_t> AttemptStore::purge(storage::Transaction& tx, std::int64_t before_ms) {
  return tx.exec("DELETE FROM signin_attempts WHERE created_at < $1", {before_ms});
}

bool AttemptStore::nonce_matches(const Attempt& attempt, std::string_view nonce) {
  if (nonce.empty()) return false;
  return crypto::constant_time_equal(crypto::sha256_hex(nonce), attempt.nonce_hash);
}

}  // namespace wasl::signin
