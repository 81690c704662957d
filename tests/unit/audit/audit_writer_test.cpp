// AuditWriter against both stores: an event exists iff its transaction
// commits, and the chain stays one line under concurrent writers.
#include "hub/audit/audit_writer.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <set>
#include <thread>
#include <vector>

#include "hub/audit/audit_verifier.hpp"
#include "hub/audit/chain_hash.hpp"
#include "hub/audit/checkpoint.hpp"
#include "hub/audit/head_signature.hpp"
#include "tests/unit/audit/audited_database.hpp"

namespace wasl::audit {
namespace {

using sdk::ErrorCode;
using storage::TxMode;
using testing::AuditedDatabaseTest;

const std::string kKey(32, 'k');

AuditEvent sample_event(const std::string& entity_id) {
  AuditEvent e;
  e.occurred_at = 1714550400000;
  e.actor = "apikey:7d1c";
  e.facility_id = "fac-a";
  e.action = "consultation.create";
  e.entity_type = "consultation";
  e.entity_id = entity_id;
  e.outcome = std::string(kOutcomeSuccess);
  e.request_id = "req-" + entity_id;
  e.source_address = "127.0.0.1";
  e.detail = R"({"workflow":"consultation"})";
  return e;
}

class AuditWriterTest : public AuditedDatabaseTest {
 protected:
  AuditWriter writer(std::int64_t checkpoint_every = 1000) {
    return AuditWriter(GetParam(), kKey, AuditWriterOptions{checkpoint_every});
  }

  // One audited change: a facility row and its audit event, committed or not.
  sdk::Status audited_change(const AuditWriter& w, const std::string& id, bool commit) {
    WASL_ASSIGN_OR_RETURN(auto tx, store_->begin());
    WASL_RETURN_IF_ERROR(tx->exec(
        "INSERT INTO facilities (id, name, created_at, updated_at) VALUES ($1, 'x', 1, 1)", {id}));
    WASL_RETURN_IF_ERROR(w.append(*tx, sample_event(id)));
    if (!commit) {
      tx->rollback();
      return sdk::ok_status();
    }
    return tx->commit();
  }
};

TEST_P(AuditWriterTest, CommittedChangeHasItsEventAndRolledBackChangeHasNone) {
  AuditWriter w = writer();
  ASSERT_OK(audited_change(w, "fac-rolled-back", /*commit=*/false));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events"), 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM facilities"), 0);
  EXPECT_EQ(scalar("SELECT seq FROM audit_head WHERE id = 1"), 0);

  ASSERT_OK(audited_change(w, "fac-committed", /*commit=*/true));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events"), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE entity_id = 'fac-committed'"), 1);
  EXPECT_EQ(scalar("SELECT seq FROM audit_head WHERE id = 1"), 1);
}

TEST_P(AuditWriterTest, FailedStatementAfterAppendLeavesNoEvent) {
  AuditWriter w = writer();
  ASSERT_OK(audited_change(w, "fac-1", true));
  {
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    ASSERT_OK(w.append(**tx, sample_event("fac-1-again")));
    // Duplicate key: the unit of work fails after its audit event was written.
    auto dup = (*tx)->exec(
        "INSERT INTO facilities (id, name, created_at, updated_at) VALUES ('fac-1', 'x', 1, 1)");
    ASSERT_FALSE(dup.ok());
    EXPECT_EQ(dup.error().code, ErrorCode::kAlreadyExists);
    (*tx)->rollback();
  }
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events"), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE entity_id = 'fac-1-again'"), 0);
}

TEST_P(AuditWriterTest, EventsLinkIntoOneChain) {
  AuditWriter w = writer();
  std::vector<AppendedEvent> appended;
  for (int i = 0; i < 3; ++i) {
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    auto a = w.append(**tx, sample_event("c" + std::to_string(i)));
    ASSERT_TRUE(a.ok()) << a.error().message;
    ASSERT_OK((*tx)->commit());
    appended.push_back(*a);
  }
  EXPECT_EQ(appended[0].seq, 1);
  EXPECT_EQ(appended[1].seq, 2);
  EXPECT_EQ(appended[2].seq, 3);
  auto expected1 = chain_hash(kGenesisHash, 1, sample_event("c0"));
  ASSERT_TRUE(expected1.ok());
  EXPECT_EQ(appended[0].hash, *expected1);
  auto expected2 = chain_hash(appended[0].hash, 2, sample_event("c1"));
  ASSERT_TRUE(expected2.ok());
  EXPECT_EQ(appended[1].hash, *expected2);

  auto tx = store_->begin(TxMode::kReadOnly);
  ASSERT_TRUE(tx.ok());
  auto rows = (*tx)->query("SELECT prev_hash, hash, actor, detail FROM audit_events WHERE seq = 2");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].get_text(0).value(), appended[0].hash);
  EXPECT_EQ((*rows)[0].get_text(1).value(), appended[1].hash);
  EXPECT_EQ((*rows)[0].get_text(2).value(), "apikey:7d1c");
  EXPECT_EQ((*rows)[0].get_text(3).value(), R"({"workflow":"consultation"})");
}

TEST_P(AuditWriterTest, NonAsciiFieldsHashAsChainHashDoes) {
  AuditWriter w = writer();
  AuditEvent e = sample_event("c-\xd9\x88\xd8\xb5\xd9\x84");  // "c-وصل"
  e.detail = "{\"label\":\"\xd8\xb9\xd9\x8a\xd8\xa7\xd8\xaf\xd8\xa9\"}";
  auto tx = store_->begin();
  ASSERT_TRUE(tx.ok());
  auto a = w.append(**tx, e);
  ASSERT_TRUE(a.ok()) << a.error().message;
  ASSERT_OK((*tx)->commit());
  auto expected = chain_hash(kGenesisHash, 1, e);
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(a->hash, *expected);
  AuditVerifier verifier(kKey);
  auto report = verifier.verify(*store_);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->reason;
}

// PostgreSQL finishes the canonical form in SQL from canonical_tail(): the
// session must reach both the column and the hash on both stores.
TEST_P(AuditWriterTest, SessionIsStoredAndHashedAsChainHashDoes) {
  AuditWriter w = writer();
  AuditEvent plain = sample_event("c1");
  AuditEvent signed_in = sample_event("c2");
  signed_in.actor = "person:psn_00112233445566778899aabbccddeeff";
  signed_in.session = "ses_0123456789abcdef01234567";
  auto tx = store_->begin();
  ASSERT_TRUE(tx.ok());
  auto a = w.append(**tx, plain);
  auto b = w.append(**tx, signed_in);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_OK((*tx)->commit());
  auto expected_a = chain_hash(kGenesisHash, 1, plain);
  ASSERT_TRUE(expected_a.ok());
  EXPECT_EQ(a->hash, *expected_a);
  auto expected_b = chain_hash(a->hash, 2, signed_in);
  ASSERT_TRUE(expected_b.ok());
  EXPECT_EQ(b->hash, *expected_b);

  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE seq = 1 AND session_ref IS NULL"), 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE seq = 2 AND session_ref = $1",
                   {signed_in.session}),
            1);
  AuditVerifier verifier(kKey);
  auto report = verifier.verify(*store_);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->reason;
}

TEST_P(AuditWriterTest, SeveralAppendsInOneTransactionChain) {
  AuditWriter w = writer();
  auto tx = store_->begin();
  ASSERT_TRUE(tx.ok());
  auto a = w.append(**tx, sample_event("a"));
  auto b = w.append(**tx, sample_event("b"));
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_OK((*tx)->commit());
  EXPECT_EQ(b->seq, a->seq + 1);
  AuditVerifier verifier(kKey);
  auto report = verifier.verify(*store_);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->reason;
  EXPECT_EQ(report->events_checked, 2);
}

TEST_P(AuditWriterTest, RejectsInvalidEventsWithoutWriting) {
  AuditWriter w = writer();
  auto tx = store_->begin();
  ASSERT_TRUE(tx.ok());
  AuditEvent no_actor = sample_event("x");
  no_actor.actor.clear();
  AuditEvent bad_outcome = sample_event("x");
  bad_outcome.outcome = "maybe";
  AuditEvent bad_detail = sample_event("x");
  bad_detail.detail = "not json";
  AuditEvent array_detail = sample_event("x");
  array_detail.detail = "[1,2]";
  for (const auto& e : {no_actor, bad_outcome, bad_detail, array_detail}) {
    auto r = w.append(**tx, e);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  }
  ASSERT_OK((*tx)->commit());
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events"), 0);
}

TEST_P(AuditWriterTest, StampsTimeWhenNoneGiven) {
  AuditWriter w = writer();
  AuditEvent e = sample_event("t");
  e.occurred_at = 0;
  const std::int64_t before = now_epoch_ms();
  auto tx = store_->begin();
  ASSERT_TRUE(tx.ok());
  ASSERT_OK(w.append(**tx, e));
  ASSERT_OK((*tx)->commit());
  const std::int64_t at = scalar("SELECT occurred_at FROM audit_events WHERE seq = 1");
  EXPECT_GE(at, before);
  EXPECT_LE(at, now_epoch_ms());
}

TEST_P(AuditWriterTest, WritesSignedCheckpointEveryNEvents) {
  AuditWriter w = writer(/*checkpoint_every=*/4);
  for (int i = 0; i < 9; ++i) ASSERT_OK(audited_change(w, "f" + std::to_string(i), true));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_checkpoints"), 2);
  EXPECT_EQ(scalar("SELECT MIN(seq) FROM audit_checkpoints"), 4);
  EXPECT_EQ(scalar("SELECT MAX(seq) FROM audit_checkpoints"), 8);

  auto tx = store_->begin(TxMode::kReadOnly);
  ASSERT_TRUE(tx.ok());
  auto rows = (*tx)->query(
      "SELECT c.seq, c.head_hash, c.mac, c.created_at, e.hash FROM audit_checkpoints c "
      "JOIN audit_events e ON e.seq = c.seq WHERE c.seq = 8");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  Checkpoint c{(*rows)[0].get_int(0).value(), (*rows)[0].get_text(1).value(),
               (*rows)[0].get_text(2).value(), (*rows)[0].get_int(3).value()};
  EXPECT_EQ(c.head_hash, (*rows)[0].get_text(4).value());
  EXPECT_TRUE(checkpoint_mac_valid(kKey, c));
  EXPECT_FALSE(checkpoint_mac_valid(std::string(32, 'x'), c));
  c.seq = 7;
  EXPECT_FALSE(checkpoint_mac_valid(kKey, c));
}

// Every append signs the head it moves, on PostgreSQL inside the append
// statement: the signature is head_mac() of the newest event's seq and hash.
TEST_P(AuditWriterTest, EachAppendSignsTheHead) {
  AuditWriter w = writer();
  auto key = head_key(kKey);
  ASSERT_TRUE(key.ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK(audited_change(w, "h" + std::to_string(i), true));
    auto tx = store_->begin(TxMode::kReadOnly);
    ASSERT_TRUE(tx.ok());
    auto rows = (*tx)->query("SELECT seq, hash, mac FROM audit_head WHERE id = 1");
    ASSERT_TRUE(rows.ok());
    ASSERT_EQ(rows->size(), 1u);
    const std::int64_t seq = (*rows)[0].get_int(0).value();
    const std::string hash = (*rows)[0].get_text(1).value();
    EXPECT_EQ(seq, i + 1);
    auto expected = head_mac(*key, seq, hash);
    ASSERT_TRUE(expected.ok());
    EXPECT_EQ((*rows)[0].get_text(2).value(), *expected);
  }
  // An unsigned head (a database just migrated to version 20) fails
  // verification until the hub signs it at start.
  exec_raw("UPDATE audit_head SET mac = NULL WHERE id = 1");
  AuditVerifier verifier(kKey);
  auto unsigned_report = verifier.verify(*store_);
  ASSERT_TRUE(unsigned_report.ok());
  EXPECT_FALSE(unsigned_report->ok);
  EXPECT_NE(unsigned_report->reason.find("no signature"), std::string::npos);
  {
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    auto signed_now = w.sign_unsigned_head(**tx);
    ASSERT_TRUE(signed_now.ok()) << signed_now.error().message;
    EXPECT_TRUE(*signed_now);
    ASSERT_OK((*tx)->commit());
  }
  auto report = verifier.verify(*store_);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->reason;
}

TEST_P(AuditWriterTest, CheckpointOnDemandIsWrittenOncePerHead) {
  AuditWriter w = writer(/*checkpoint_every=*/0);
  {
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    auto empty = w.checkpoint(**tx);
    ASSERT_TRUE(empty.ok()) << empty.error().message;
    EXPECT_FALSE(empty->has_value());
    ASSERT_OK((*tx)->commit());
  }
  for (int i = 0; i < 3; ++i) ASSERT_OK(audited_change(w, "f" + std::to_string(i), true));
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_checkpoints"), 0);
  for (int round = 0; round < 2; ++round) {
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    auto seq = w.checkpoint(**tx);
    ASSERT_TRUE(seq.ok()) << seq.error().message;
    ASSERT_TRUE(seq->has_value());
    EXPECT_EQ(**seq, 3);
    ASSERT_OK((*tx)->commit());
  }
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_checkpoints"), 1);
}

// Two threads × 200 audited transactions: seq 1..400 without gaps or
// duplicates, every event linked to its predecessor, verify passes.
TEST_P(AuditWriterTest, ConcurrentWritersKeepOneChain) {
  constexpr int kThreads = 2;
  constexpr int kPerThread = 200;
  AuditWriter w = writer(/*checkpoint_every=*/50);
  std::atomic<int> failures{0};
  std::atomic<int> retries{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (int i = 0; i < kPerThread; ++i) {
        const std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
        sdk::Status s = audited_change(w, id, true);
        // A busy or serialization error is retryable by contract; bounded.
        for (int attempt = 0; !s.ok() && s.error().retryable && attempt < 20; ++attempt) {
          ++retries;
          s = audited_change(w, id, true);
        }
        if (!s.ok()) {
          ++failures;
          ADD_FAILURE() << id << ": " << s.error().message;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(failures.load(), 0);

  constexpr int kTotal = kThreads * kPerThread;
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events"), kTotal);
  EXPECT_EQ(scalar("SELECT MIN(seq) FROM audit_events"), 1);
  EXPECT_EQ(scalar("SELECT MAX(seq) FROM audit_events"), kTotal);
  EXPECT_EQ(scalar("SELECT COUNT(DISTINCT prev_hash) FROM audit_events"), kTotal);
  // Every event but the first links to an existing event one seq earlier.
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events e JOIN audit_events p "
                   "ON p.seq = e.seq - 1 AND p.hash = e.prev_hash"),
            kTotal - 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_checkpoints"), kTotal / 50);
  EXPECT_EQ(scalar("SELECT seq FROM audit_head WHERE id = 1"), kTotal);

  AuditVerifier verifier(kKey, /*batch_size=*/64);
  auto report = verifier.verify(*store_);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_TRUE(report->ok) << report->reason;
  EXPECT_EQ(report->events_checked, kTotal);
  EXPECT_EQ(report->checkpoints_checked, kTotal / 50);
}

INSTANTIATE_TEST_SUITE_P(Stores, AuditWriterTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         testing::dialect_param_name);

}  // namespace
}  // namespace wasl::audit
