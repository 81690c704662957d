#include "hub/signin/session_store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/signin/signin_database.hpp"

namespace wasl::signin {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::kFacilityA;
using testing::kFacilityB;
using testing::kMinute;
using testing::kNow;
using ::testing::Not;

class SessionStoreTest : public testing::SigninDatabaseTest {
 protected:
  SessionStore sessions() const { return SessionStore(*cipher_, *audit_, options_); }

  NewSession create(const SessionGrant& grant, std::int64_t now = kNow) {
    auto tx = begin();
    auto made = sessions().create(*tx, grant, now);
    EXPECT_TRUE(made.ok()) << made.error().message;
    EXPECT_OK(tx->commit());
    return made.ok() ? *made : NewSession{};
  }
  static SessionGrant person(const std::string& person_id = "psn_1",
                             const std::string& sid = "sid-1") {
    SessionGrant g;
    g.facility_id = kFacilityA;
    g.role = access::Role::kClinician;
    g.practitioner = "Practitioner/3";
    g.person_id = person_id;
    g.provider = "hospital";
    g.idp_session_id = sid;
    g.id_token = "header.payload-of-the-id-token.signature";
    return g;
  }
  static SessionGrant key(const std::string& key_id, const char* facility = kFacilityA) {
    SessionGrant g;
    g.facility_id = facility;
    g.role = access::Role::kAdmin;
    g.key_id = key_id;
    return g;
  }
  SessionCheck check(const std::string& cookie, std::int64_t now) {
    auto tx = begin();
    auto checked = sessions().authenticate(*tx, cookie, now);
    EXPECT_TRUE(checked.ok()) << checked.error().message;
    EXPECT_OK(tx->commit());
    return checked.ok() ? *checked : SessionCheck{};
  }

  SessionOptions options_{std::chrono::minutes(15), std::chrono::hours(8),
                          std::chrono::seconds(30)};
};

TEST_P(SessionStoreTest, ASessionIsFoundByItsCookieAndStoresNoSecret) {
  const NewSession made = create(person());
  EXPECT_THAT(made.session_ref, ::testing::MatchesRegex("ses_[0-9a-f]{24}"));
  EXPECT_EQ(made.cookie_value.size(), 43u);  // 32 bytes, base64url
  EXPECT_EQ(made.expires_at, kNow + 8 * 60 * kMinute);
  EXPECT_EQ(made.csrf_token, SessionStore::csrf_token_of(made.cookie_value));
  const std::string raw = raw_bytes("SELECT * FROM signin_sessions");
  EXPECT_THAT(raw, Not(HasSubstr(made.cookie_value)));
  EXPECT_THAT(raw, Not(HasSubstr(made.csrf_token)));
  EXPECT_THAT(raw, Not(HasSubstr("payload-of-the-id-token")));

  const SessionCheck found = check(made.cookie_value, kNow + kMinute);
  ASSERT_TRUE(found.session.has_value()) << found.refusal;
  EXPECT_EQ(found.session->session_ref, made.session_ref);
  EXPECT_EQ(found.session->facility_id, kFacilityA);
  EXPECT_EQ(found.session->role, access::Role::kClinician);
  EXPECT_EQ(found.session->practitioner.value_or(""), "Practitioner/3");
  EXPECT_EQ(found.session->actor(), "person:psn_1");
  EXPECT_TRUE(SessionStore::csrf_matches(*found.session, made.csrf_token));
  EXPECT_FALSE(SessionStore::csrf_matches(*found.session, made.csrf_token + "x"));
  EXPECT_FALSE(SessionStore::csrf_matches(*found.session, ""));
  {
    auto tx = begin();
    EXPECT_EQ(sessions().id_token(*tx, *found.session).value_or(""),
              "header.payload-of-the-id-token.signature");
    tx->rollback();
  }

  EXPECT_EQ(check("not-a-cookie", kNow).refusal, "unknown");
  EXPECT_THAT(events("session.created"),
              ElementsAre("person:psn_1 " + made.session_ref +
                          " {\"provider\":\"hospital\",\"role\":\"clinician\"}"));
}

TEST_P(SessionStoreTest, LastSeenIsWrittenAtMostOncePerThirtySeconds) {
  const NewSession made = create(person());
  check(made.cookie_value, kNow + 10'000);
  EXPECT_EQ(scalar("SELECT last_seen_at FROM signin_sessions"), kNow);
  check(made.cookie_value, kNow + 30'000);
  EXPECT_EQ(scalar("SELECT last_seen_at FROM signin_sessions"), kNow + 30'000);
  check(made.cookie_value, kNow + 50'000);
  EXPECT_EQ(scalar("SELECT last_seen_at FROM signin_sessions"), kNow + 30'000);
}

TEST_P(SessionStoreTest, AnIdleSessionEndsAndStaysEnded) {
  const NewSession made = create(person());
  ASSERT_TRUE(check(made.cookie_value, kNow + 14 * kMinute).session.has_value());
  // Fifteen minutes after the last request that was seen.
  EXPECT_EQ(check(made.cookie_value, kNow + 29 * kMinute).refusal, "idle");
  EXPECT_EQ(check(made.cookie_value, kNow + 29 * kMinute + 1).refusal, "ended");
  EXPECT_EQ(query_raw("SELECT end_reason FROM signin_sessions").front().get_text(0).value_or(""),
            "idle");
  EXPECT_THAT(
      events("session.ended"),
      ElementsAre("person:psn_1 " + made.session_ref +
                  " {\"provider\":\"hospital\",\"reason\":\"idle\",\"role\":\"clinician\"}"));
}

TEST_P(SessionStoreTest, ABusySessionEndsAtItsAbsoluteLifetime) {
  const NewSession made = create(key("key-1"));
  for (std::int64_t t = kNow; t < kNow + 8 * 60 * kMinute; t += 10 * kMinute) {
    ASSERT_TRUE(check(made.cookie_value, t).session.has_value()) << t;
  }
  EXPECT_EQ(check(made.cookie_value, kNow + 8 * 60 * kMinute).refusal, "expired");
  EXPECT_THAT(events("session.ended"), ElementsAre("apikey:key-1 " + made.session_ref +
                                                   " {\"reason\":\"expired\",\"role\":\"admin\"}"));
}

TEST_P(SessionStoreTest, EndingBySessionRefIsFacilityScoped) {
  const NewSession made = create(person());
  auto tx = begin();
  EXPECT_EQ(sessions()
                .end_by_ref(*tx, kFacilityB, made.session_ref, EndReason::kLogout, kNow)
                .value_or(true),
            false);
  EXPECT_EQ(sessions()
                .end_by_ref(*tx, kFacilityA, made.session_ref, EndReason::kLogout, kNow)
                .value_or(false),
            true);
  EXPECT_EQ(sessions()
                .end_by_ref(*tx, kFacilityA, made.session_ref, EndReason::kLogout, kNow)
                .value_or(true),
            false);
  ASSERT_OK(tx->commit());
  EXPECT_EQ(check(made.cookie_value, kNow + 1).refusal, "ended");
  EXPECT_EQ(events("session.ended").size(), 1u);
}

TEST_P(SessionStoreTest, TheProvidersLogoutEndsItsSessionsBySidOrSubject) {
  const NewSession a = create(person("psn_1", "sid-1"));
  const NewSession b = create(person("psn_1", "sid-2"));
  const NewSession c = create(person("psn_2", "sid-3"));
  const NewSession k = create(key("key-1"));
  auto tx = begin();
  EXPECT_EQ(sessions().end_by_idp_session(*tx, "hospital", "sid-1", "", kNow).value_or(-1), 1);
  EXPECT_EQ(sessions().end_by_idp_session(*tx, "other", "sid-3", "", kNow).value_or(-1), 0);
  EXPECT_EQ(sessions().end_by_idp_session(*tx, "hospital", "", "psn_1", kNow).value_or(-1), 1);
  EXPECT_FALSE(sessions().end_by_idp_session(*tx, "hospital", "", "", kNow).ok());
  ASSERT_OK(tx->commit());
  EXPECT_EQ(check(a.cookie_value, kNow + 1).refusal, "ended");
  EXPECT_EQ(check(b.cookie_value, kNow + 1).refusal, "ended");
  EXPECT_TRUE(check(c.cookie_value, kNow + 1).session.has_value());
  EXPECT_TRUE(check(k.cookie_value, kNow + 1).session.has_value());
}

TEST_P(SessionStoreTest, ARevokedKeysSessionsEnd) {
  const NewSession a = create(key("key-1"));
  const NewSession other = create(key("key-2"));
  auto tx = begin();
  EXPECT_EQ(sessions().end_for_key(*tx, kFacilityB, "key-1", kNow).value_or(-1), 0);
  EXPECT_EQ(sessions().end_for_key(*tx, kFacilityA, "key-1", kNow).value_or(-1), 1);
  ASSERT_OK(tx->commit());
  EXPECT_EQ(check(a.cookie_value, kNow + 1).refusal, "ended");
  EXPECT_TRUE(check(other.cookie_value, kNow + 1).session.has_value());
  EXPECT_EQ(query_raw("SELECT end_reason FROM signin_sessions WHERE key_id = 'key-1'")
                .front()
                .get_text(0)
                .value_or(""),
            "key_revoked");
}

TEST_P(SessionStoreTest, EndedSessionsAreDeletedAWeekAfterTheyEndInBatches) {
  constexpr std::int64_t kDay = 24 * 60 * kMinute;
  const NewSession logged_out = create(person("psn_1", "sid-1"));
  const NewSession revoked = create(key("key-1"));
  const NewSession unseen = create(person("psn_2", "sid-2"));  // lapses idle, never seen again
  const NewSession busy = create(key("key-2"));                // expires, seen till the end
  const NewSession ended_later = create(key("key-3", kFacilityB));
  {
    auto tx = begin();
    ASSERT_TRUE(
        sessions()
            .end_by_ref(*tx, kFacilityA, logged_out.session_ref, EndReason::kLogout, kNow + kMinute)
            .value_or(false));
    ASSERT_EQ(sessions().end_for_key(*tx, kFacilityA, "key-1", kNow + 2 * kMinute).value_or(0), 1);
    ASSERT_EQ(sessions().end_for_key(*tx, kFacilityB, "key-3", kNow + kDay).value_or(0), 1);
    ASSERT_OK(tx->commit());
  }
  for (std::int64_t t = kNow; t < kNow + 8 * 60 * kMinute; t += 10 * kMinute) {
    ASSERT_TRUE(check(busy.cookie_value, t).session.has_value()) << t;
  }
  // Signed in a week later and in use: never purged.
  const NewSession live = create(person("psn_3", "sid-3"), kNow + 7 * kDay);
  const std::int64_t created_events = static_cast<std::int64_t>(events("session.created").size());
  const std::int64_t ended_events = static_cast<std::int64_t>(events("session.ended").size());

  // A week after the first end, nothing has been kept a week yet.
  EXPECT_EQ(sessions().purge_ended(*store_, kNow + 7 * kDay, 10, 10).value_or(-1), 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM signin_sessions"), 6);

  // A week after the busy one expired: the logged out, the revoked, the
  // unseen (idle since kNow + 15 min) and the expired ones go, two a batch,
  // one batch a run here.
  const std::int64_t later = kNow + 7 * kDay + 8 * 60 * kMinute + 1;
  EXPECT_EQ(sessions().purge_ended(*store_, later, 2, 1).value_or(-1), 2);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM signin_sessions"), 4);
  EXPECT_EQ(sessions().purge_ended(*store_, later, 2, 10).value_or(-1), 2);
  EXPECT_EQ(sessions().purge_ended(*store_, later, 2, 10).value_or(-1), 0);
  std::vector<std::string> kept;
  for (const auto& row : query_raw("SELECT session_ref FROM signin_sessions ORDER BY created_at")) {
    kept.push_back(row.get_text(0).value_or(""));
  }
  EXPECT_THAT(kept, ElementsAre(ended_later.session_ref, live.session_ref));
  EXPECT_EQ(check(logged_out.cookie_value, later).refusal, "unknown");
  EXPECT_EQ(check(unseen.cookie_value, later).refusal, "unknown");
  EXPECT_EQ(check(revoked.cookie_value, later).refusal, "unknown");

  // The audit trail is untouched and still names the deleted sessions.
  EXPECT_EQ(static_cast<std::int64_t>(events("session.created").size()), created_events);
  EXPECT_EQ(static_cast<std::int64_t>(events("session.ended").size()), ended_events);
  EXPECT_EQ(
      scalar("SELECT COUNT(*) FROM audit_events WHERE entity_id = $1", {logged_out.session_ref}),
      2);

  // The other facility's session ended a day later and goes a day later.
  EXPECT_EQ(sessions().purge_ended(*store_, kNow + 8 * kDay + 1, 2, 10).value_or(-1), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM signin_sessions"), 1);
  auto tx = begin();
  EXPECT_EQ(sessions().purge_ended(*tx, later, 0).error().code, sdk::ErrorCode::kInvalidArgument);
}

TEST_P(SessionStoreTest, AGrantNamesAPersonOrAKey) {
  SessionGrant both = person();
  both.key_id = "key-1";
  auto tx = begin();
  EXPECT_EQ(sessions().create(*tx, both, kNow).error().code, sdk::ErrorCode::kInvalidArgument);
  SessionGrant neither = key("");
  EXPECT_EQ(sessions().create(*tx, neither, kNow).error().code, sdk::ErrorCode::kInvalidArgument);
}

WASL_RECORDS_INSTANTIATE(SessionStoreTest);

}  // namespace
}  // namespace wasl::signin
