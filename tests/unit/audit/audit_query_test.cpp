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

TEST_P(AuditQueryTest, FiltersCombine) {
  AuditQuery q;
  q.facility_id = "fac-a";
  q.actor = "apikey:k2";
  EXPECT_EQ(seqs(q), (std::vector<std::int64_t>{3, 9, 15, 21, 27}));
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
