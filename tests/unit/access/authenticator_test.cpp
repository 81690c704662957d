// Authenticator against both stores: bearer parsing, audited failures (one
// event per source and minute) and the per-address limit.
#include "hub/access/authenticator.hpp"

#include <gtest/gtest.h>

#include <atomic>

#include "hub/audit/audit_verifier.hpp"
#include "tests/unit/audit/audited_database.hpp"

namespace wasl::access {
namespace {

using audit::testing::AuditedDatabaseTest;
using sdk::ErrorCode;
using storage::TxMode;

const std::string kAuditKey(32, 'z');

class AuthenticatorTest : public AuditedDatabaseTest {
 protected:
  void SetUp() override {
    AuditedDatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    add_facility("fac-a");
    writer_ = std::make_unique<audit::AuditWriter>(GetParam(), kAuditKey);
    AuthFailureLimiter::Options o;
    o.max_failures = 10;
    limiter_ = std::make_unique<AuthFailureLimiter>(o);
    auth_ = std::make_unique<Authenticator>(*store_, keys_, *limiter_, *writer_,
                                            AuthFailureAudit::Options{},
                                            [this] { return now_ms_.load(); });
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    auto created = keys_.create(**tx, "fac-a", Role::kAuditor, "");
    ASSERT_TRUE(created.ok()) << created.error().message;
    ASSERT_OK((*tx)->commit());
    key_ = *created;
  }

  void TearDown() override {
    auth_.reset();
    AuditedDatabaseTest::TearDown();
  }

  // Writes the auth.failed events of the minute the clock is in.
  void end_minute() {
    now_ms_ += AuthFailureAudit::kMinuteMs;
    auto flushed = auth_->flush_failures();
    ASSERT_TRUE(flushed.ok()) << flushed.error().message;
  }

  std::atomic<std::int64_t> now_ms_{1'700'000'000'000};  // a minute's first millisecond
  ApiKeyStore keys_;
  std::unique_ptr<audit::AuditWriter> writer_;
  std::unique_ptr<AuthFailureLimiter> limiter_;
  std::unique_ptr<Authenticator> auth_;
  CreatedApiKey key_;
};

TEST_P(AuthenticatorTest, BearerKeyAuthenticates) {
  const std::string header = "Bearer " + key_.plaintext;
  auto p = auth_->authenticate({header, "127.0.0.1", "req-1"});
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->facility_id, "fac-a");
  EXPECT_EQ(p->role, Role::kAuditor);
  const std::string lower = "bearer  " + key_.plaintext + " ";
  EXPECT_TRUE(auth_->authenticate({lower, "127.0.0.1", "req-2"}).ok());
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events"), 0);
}

TEST_P(AuthenticatorTest, FailuresAreAuditedPerSourceAndMinuteWithoutTheKey) {
  std::string wrong = key_.plaintext;
  wrong[10] = wrong[10] == 'a' ? 'b' : 'a';
  const std::string wrong_header = "Bearer " + wrong;
  const std::string basic = "Basic dXNlcjpwYXNz";
  for (const std::string& header : {std::string(), basic, wrong_header}) {
    auto r = auth_->authenticate({header, "192.0.2.44", "req-x"});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
  }
  // Nothing is written while the minute lasts.
  ASSERT_TRUE(auth_->flush_failures().ok());
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events"), 0);
  end_minute();
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'auth.failed' AND "
                   "actor = 'anonymous' AND outcome = 'failure' AND "
                   "source_address = '192.0.2.44' AND request_id = 'req-x'"),
            1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE detail LIKE '%\"count\":3%' AND "
                   "detail LIKE '%\"missing\":1%' AND detail LIKE '%\"not_bearer\":1%' AND "
                   "detail LIKE '%\"unknown\":1%'"),
            1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE detail LIKE $1",
                   {"%" + wrong.substr(5, 20) + "%"}),
            0);

  {
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    ASSERT_OK(keys_.revoke(**tx, key_.id));
    ASSERT_OK((*tx)->commit());
  }
  const std::string revoked_header = "Bearer " + key_.plaintext;
  ASSERT_FALSE(auth_->authenticate({revoked_header, "192.0.2.44", "req-y"}).ok());
  end_minute();
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE entity_type = 'api_key' AND "
                   "entity_id = $1 AND detail LIKE '%revoked%'",
                   {key_.id}),
            1);

  audit::AuditVerifier verifier(kAuditKey);
  auto report = verifier.verify(*store_);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->reason;
  EXPECT_EQ(report->events_checked, 2);
}

TEST_P(AuthenticatorTest, RepeatedFailuresFromOneAddressAreRateLimited) {
  const std::string bad = "Bearer wasl_" + std::string(64, '0');
  for (int i = 0; i < 10; ++i) {
    auto r = auth_->authenticate({bad, "198.51.100.7", "req"});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated) << i;
  }
  auto limited = auth_->authenticate({bad, "198.51.100.7", "req"});
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.error().code, ErrorCode::kResourceExhausted);
  ASSERT_TRUE(limited.error().retry_after.has_value());
  EXPECT_GT(limited.error().retry_after->count(), 0);
  // Other addresses are unaffected.
  const std::string good = "Bearer " + key_.plaintext;
  EXPECT_TRUE(auth_->authenticate({good, "198.51.100.8", "req"}).ok());
  // Blocked attempts cost no audit writes; the ten failures are one event.
  ASSERT_TRUE(auth_->flush_failures(/*everything=*/true).ok());
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events"), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE detail LIKE '%\"count\":10,%'"), 1);
}

// What the request presents never picks the budget: once a source is
// blocked, even a valid key from it waits (a client behind a proxy is told
// apart by server.trusted_proxies, not by its token), while other sources go on.
TEST_P(AuthenticatorTest, ABlockedSourceWaitsWhateverKeyItSends) {
  const std::string good = "Bearer " + key_.plaintext;
  for (int i = 0; i < 10; ++i) {
    const std::string bad = "Bearer wasl_" + std::string(64, static_cast<char>('0' + i));
    EXPECT_EQ(auth_->authenticate({bad, "203.0.113.9", "req"}).error().code,
              ErrorCode::kUnauthenticated);
  }
  EXPECT_EQ(auth_->authenticate({good, "203.0.113.9", "req"}).error().code,
            ErrorCode::kResourceExhausted);
  auto accepted = auth_->authenticate({good, "203.0.113.10", "req"});
  ASSERT_TRUE(accepted.ok()) << accepted.error().message;
  // IPv6 sources count per /64.
  for (int i = 0; i < 10; ++i) {
    (void)auth_->authenticate(
        {"Bearer x" + std::to_string(i), "2001:db8:7:7::" + std::to_string(i + 1), "req"});
  }
  EXPECT_EQ(auth_->authenticate({good, "2001:db8:7:7:ffff::1", "req"}).error().code,
            ErrorCode::kResourceExhausted);
  end_minute();
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE source_address = '2001:db8:7:7::/64' "
                   "AND detail LIKE '%\"count\":10,%'"),
            1);
}

// A guesser rotating the token's first characters from one source: the
// limit counts the source, not what the token says, and its failures become
// at most one audit row per source and minute.
TEST_P(AuthenticatorTest, RotatingTokenPrefixesFromOneSourceIsLimitedAndCoalesced) {
  constexpr int kAttempts = 40;
  int refused = 0;
  int first_refused = -1;
  for (int i = 0; i < kAttempts; ++i) {
    const std::string token = "p" + std::to_string(1000 + i) + "_" + std::string(60, 'q');
    auto r = auth_->authenticate({"Bearer " + token, "198.51.100.23", "req"});
    ASSERT_FALSE(r.ok());
    if (r.error().code == ErrorCode::kResourceExhausted) {
      ++refused;
      if (first_refused < 0) first_refused = i;
    }
  }
  EXPECT_EQ(first_refused, 10) << "the eleventh failure from the source is refused";
  EXPECT_EQ(refused, kAttempts - 10);
  // One event for the source's minute, counting the failures that were checked.
  end_minute();
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'auth.failed' AND "
                   "source_address = '198.51.100.23'"),
            1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE detail LIKE '%\"count\":10,%'"), 1);
}

// Failures spread over many sources: each source and minute is one event,
// and past the per-minute cap of sources the rest share one event.
TEST_P(AuthenticatorTest, ManySourcesCostOneEventEachUpToTheCap) {
  AuthFailureAudit::Options capped;
  capped.max_sources = 5;
  auth_ = std::make_unique<Authenticator>(*store_, keys_, *limiter_, *writer_, capped,
                                          [this] { return now_ms_.load(); });
  for (int source = 0; source < 8; ++source) {
    for (int i = 0; i < 3; ++i) {
      (void)auth_->authenticate(
          {"Bearer t" + std::to_string(i), "192.0.2." + std::to_string(source + 1), "req"});
    }
  }
  // The next minute counts afresh.
  now_ms_ += AuthFailureAudit::kMinuteMs;
  (void)auth_->authenticate({"", "192.0.2.1", "req"});
  end_minute();
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events"), 7);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE source_address IS NULL AND detail "
                   "LIKE '%\"count\":9,%' AND detail LIKE '%other_sources%'"),
            1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE source_address = '192.0.2.1'"), 2);
}

TEST(BearerTokenTest, ParsesOnlyTheBearerScheme) {
  EXPECT_EQ(bearer_token("Bearer abc"), "abc");
  EXPECT_EQ(bearer_token("  BEARER   abc  "), "abc");
  EXPECT_EQ(bearer_token("Bearer"), "");
  EXPECT_EQ(bearer_token("Bearer "), "");
  EXPECT_EQ(bearer_token("Bearerabc"), "");
  EXPECT_EQ(bearer_token("Basic abc"), "");
  EXPECT_EQ(bearer_token("Bearer a b"), "");
  EXPECT_EQ(bearer_token(""), "");
}

INSTANTIATE_TEST_SUITE_P(Stores, AuthenticatorTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         audit::testing::dialect_param_name);

}  // namespace
}  // namespace wasl::access
