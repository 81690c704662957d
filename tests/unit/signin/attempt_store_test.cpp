#include "hub/signin/attempt_store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "hub/signin/logout_token_store.hpp"
#include "tests/unit/signin/signin_database.hpp"

namespace wasl::signin {
namespace {

using ::testing::HasSubstr;
using testing::kMinute;
using testing::kNow;
using ::testing::Not;

class AttemptStoreTest : public testing::SigninDatabaseTest {
 protected:
  void start(const std::string& state, std::int64_t now = kNow) {
    auto tx = begin();
    ASSERT_OK(AttemptStore(*cipher_).create(
        *tx, {"hospital", state, "nonce-" + state, "verifier-of-" + state, "/console/runs"}, now));
    ASSERT_OK(tx->commit());
  }
  std::optional<Attempt> claim(const std::string& state, std::int64_t now = kNow + kMinute,
                               const std::string& provider = "hospital") {
    auto tx = begin();
    auto claimed = AttemptStore(*cipher_).claim(*tx, provider, state, now);
    EXPECT_TRUE(claimed.ok()) << claimed.error().message;
    EXPECT_OK(tx->commit());
    return claimed.ok() ? *claimed : std::nullopt;
  }
};

TEST_P(AttemptStoreTest, AnAttemptIsClaimedOnceWithItsVerifierAndReturnPath) {
  start("state-1");
  EXPECT_THAT(raw_bytes("SELECT * FROM signin_attempts"), Not(HasSubstr("verifier-of-state-1")));
  EXPECT_FALSE(claim("state-1", kNow + kMinute, "other").has_value());
  auto attempt = claim("state-1");
  ASSERT_TRUE(attempt.has_value());
  EXPECT_EQ(attempt->code_verifier, "verifier-of-state-1");
  EXPECT_EQ(attempt->return_to, "/console/runs");
  EXPECT_TRUE(AttemptStore::nonce_matches(*attempt, "nonce-state-1"));
  EXPECT_FALSE(AttemptStore::nonce_matches(*attempt, "nonce-state-2"));
  EXPECT_FALSE(AttemptStore::nonce_matches(*attempt, ""));
  EXPECT_FALSE(claim("state-1").has_value());
  EXPECT_FALSE(claim("never-started").has_value());
}

TEST_P(AttemptStoreTest, AnAttemptExpiresAfterTenMinutes) {
  start("late");
  start("in-time");
  EXPECT_FALSE(claim("late", kNow + 10 * kMinute).has_value());
  EXPECT_TRUE(claim("in-time", kNow + 10 * kMinute - 1).has_value());
  auto tx = begin();
  auto purged = AttemptStore::purge(*tx, kNow + 1);
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 2);
}

TEST_P(AttemptStoreTest, ALogoutTokenIsTakenOnce) {
  auto tx = begin();
  EXPECT_EQ(LogoutTokenStore::record(*tx, "hospital", "jti-1", kNow).value_or(false), true);
  EXPECT_EQ(LogoutTokenStore::record(*tx, "hospital", "jti-1", kNow + 1).value_or(true), false);
  EXPECT_EQ(LogoutTokenStore::record(*tx, "other", "jti-1", kNow).value_or(false), true);
  EXPECT_FALSE(LogoutTokenStore::record(*tx, "hospital", "", kNow).ok());
  ASSERT_OK(tx->commit());
}

WASL_RECORDS_INSTANTIATE(AttemptStoreTest);

}  // namespace
}  // namespace wasl::signin
