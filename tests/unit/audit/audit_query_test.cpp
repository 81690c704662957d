// query_audit_events against both stores: filters, facility isolation and
// cursor pagination.
#include "hub/audit/audit_query.hpp"

#include <gtest/gtest.h>

#include "hub/audit/audit_writer.hpp"
#include "tests/unit/audit/audited_database.hpp"

namespace wasl::audit {
namespace {

using sdk::ErrorCode;
using testing::AuditedDatabaseTest;

const std::string kPerson = "person:psn_00112233445566778899aabbccddeeff";
const std::string kSessionA = "ses_aaaaaaaaaaaaaaaaaaaaaaaa";
const std::string kSessionB = "ses_bbbbbbbbbbbbbbbbbbbbbbbb";

class AuditQueryTest : public AuditedDatabaseTest {
 protected:
  void SetUp() override {
    AuditedDatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    AuditWriter writer(GetParam(), std::string(32, 'q'));
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    // 30 events: facility a/b alternate; actors k1/k2 every third; time = 1000 + seq.
    for (int i = 1; i <= 30; ++i) {
      AuditEvent e;
      e.occurred_at = 1000 + i;
      e.actor = i % 3 == 0 ? "apikey:k2" : "apikey:k1";
      e.facility_id = i % 2 ? "fac-a" : "fac-b";
      e.action = i % 5 == 0 ? "recording.download" : "consultation.read";
      e.entity_type = i % 5 == 0 ? "recording" : "consultation";
      e.entity_id = "e" + std::to_string(i % 4);
      e.outcome = std::string(kOutcomeSuccess);
      // Every seventh came from a person signed in to the console, in fac-a
      // on one session, in fac-b on another.
      if (i % 7 == 0) {
        e.actor = kPerson;
        e.session = i % 2 ? kSessionA : kSessionB;
      }
      ASSERT_OK(writer.append(**tx, e));
    }
    ASSERT_OK((*tx)->commit());
  }

  std::vector<std::int64_t> seqs(const AuditQuery& q) {
    auto page = query_audit_events(*store_, q);
    EXPECT_TRUE(page.ok()) << page.error().message;
    std::vector<std::int64_t> out;
    if (page.ok()) {
      for (const auto& e : page->events) out.push_back(e.seq);
    }
    return out;
  }
};

TEST_P(AuditQueryTest, SeesOnlyItsFacility) {
  AuditQuery q;
  q.facility_id = "fac-b";
  auto got = seqs(q);
  ASSERT_EQ(got.size(), 15u);
  for (auto s : got) EXPECT_EQ(s % 2, 0);
  q.facility_id = "fac-none";
  EXPECT_TRUE(seqs(q).empty());
}

TEST_P(AuditQueryTest, FiltersBySessionWithinTheFacility) {
  AuditQuery q;
  q.facility_id = "fac-a";
  q.session = kSessionA;
  EXPECT_EQ(seqs(q), (std::vector<std::int64_t>{7, 21}));
  auto page = query_audit_events(*store_, q);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->events.size(), 2u);
  EXPECT_EQ(page->events[0].event.session, kSessionA);
  EXPECT_EQ(page->events[0].event.actor, kPerson);

  q.actor = kPerson;
  EXPECT_EQ(seqs(q), (std::vector<std::int64_t>{7, 21}));
  q.session.reset();
  EXPECT_EQ(seqs(q), (std::vector<std::int64_t>{7, 21}));

  // The other facility's session is not visible from this one.
  q.session = kSessionB;
  EXPECT_TRUE(seqs(q).empty());
  q.facility_id = "fac-b";
  EXPECT_EQ(seqs(q), (std::vector<std::int64_t>{14, 28}));

  // Events without a session read back with an empty one.
  AuditQuery plain;
  plain.facility_id = "fac-a";
  plain.limit = 1;
  auto first = query_audit_events(*store_, plain);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->events.size(), 1u);
  EXPECT_TRUE(first->events[0].event.session.empty());
}

TEST_P(AuditQueryTest, FiltersCombine) {
  AuditQuery q;
  q.facility_id = "fac-a";
  q.actor = "apikey:k2";
  EXPECT_EQ(seqs(q), (std::vector<std::int64_t>{3, 9, 15, 27}));
  q.action = "recording.download";
  EXPECT_EQ(seqs(q), (std::vector<std::int64_t>{15}));

  AuditQuery e;
  e.facility_id = "fac-a";
  e.entity_type = "consultation";
  e.entity_id = "e1";
  EXPECT_EQ(seqs(e), (std::vector<std::int64_t>{1, 9, 13, 17, 21, 29}));

  AuditQuery t;
  t.facility_id = "fac-a";
  t.from_ms = 1005;
  t.to_ms = 1011;
  EXPECT_EQ(seqs(t), (std::vector<std::int64_t>{5, 7, 9}));
}

TEST_P(AuditQueryTest, PagesWithCursorUntilDone) {
  AuditQuery q;
  q.facility_id = "fac-a";
  q.limit = 4;
  std::vector<std::int64_t> all;
  int pages = 0;
  while (true) {
    auto page = query_audit_events(*store_, q);
    ASSERT_TRUE(page.ok()) << page.error().message;
    ++pages;
    ASSERT_LE(page->events.size(), 4u);
    for (const auto& e : page->events) all.push_back(e.seq);
    if (!page->next_cursor) break;
    q.cursor = *page->next_cursor;
    ASSERT_LT(pages, 10);
  }
  EXPECT_EQ(pages, 4);  // 15 events: 4 + 4 + 4 + 3
  std::vector<std::int64_t> expected;
  for (int i = 1; i <= 30; i += 2) expected.push_back(i);
  EXPECT_EQ(all, expected);
}

TEST_P(AuditQueryTest, RejectsBadArguments) {
  AuditQuery q;
  EXPECT_EQ(query_audit_events(*store_, q).error().code, ErrorCode::kInvalidArgument);
  q.facility_id = "fac-a";
  q.limit = 0;
  EXPECT_EQ(query_audit_events(*store_, q).error().code, ErrorCode::kInvalidArgument);
  q.limit = 1001;
  EXPECT_EQ(query_audit_events(*store_, q).error().code, ErrorCode::kInvalidArgument);
  q.limit = 10;
  q.cursor = "s12x";
  EXPECT_EQ(query_audit_events(*store_, q).error().code, ErrorCode::kInvalidArgument);
  q.cursor = "12";
  EXPECT_EQ(query_audit_events(*store_, q).error().code, ErrorCode::kInvalidArgument);
  q.cursor.reset();
  q.from_ms = 5;
  q.to_ms = 5;
  EXPECT_EQ(query_audit_events(*store_, q).error().code, ErrorCode::kInvalidArgument);
}

TEST(AuditCursorTest, RoundTrips) {
  EXPECT_EQ(decode_audit_cursor(encode_audit_cursor(0)).value(), 0);
  EXPECT_EQ(decode_audit_cursor(encode_audit_cursor(9007199254740993)).value(), 9007199254740993);
  EXPECT_FALSE(decode_audit_cursor("").ok());
  EXPECT_FALSE(decode_audit_cursor("s").ok());
  EXPECT_FALSE(decode_audit_cursor("s-1").ok());
  EXPECT_FALSE(decode_audit_cursor("s99999999999999999999999").ok());
}

INSTANTIATE_TEST_SUITE_P(Stores, AuditQueryTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         testing::dialect_param_name);

}  // namespace
}  // namespace wasl::audit
