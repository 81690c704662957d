// AuditVerifier against tampering done directly in SQL on both stores.
#include "hub/audit/audit_verifier.hpp"

#include <gtest/gtest.h>

#include "hub/audit/audit_writer.hpp"
#include "hub/audit/chain_hash.hpp"
#include "hub/audit/event_row.hpp"
#include "tests/unit/audit/audited_database.hpp"

namespace wasl::audit {
namespace {

using storage::TxMode;
using testing::AuditedDatabaseTest;

const std::string kVerifierKey(32, 'a');
constexpr int kEvents = 20;
constexpr std::int64_t kCheckpointEvery = 5;
// Every third event came in on a console session; the others (a bearer key,
// the hub's own work) carry none, as every event written before sessions.
constexpr int kSessionEvery = 3;

class AuditVerifierTest : public AuditedDatabaseTest {
 protected:
  void SetUp() override {
    AuditedDatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    AuditWriter writer(GetParam(), kVerifierKey, AuditWriterOptions{kCheckpointEvery});
    for (int i = 1; i <= kEvents; ++i) {
      auto tx = store_->begin();
      ASSERT_TRUE(tx.ok());
      AuditEvent e;
      e.occurred_at = 1714550400000 + i;
      e.actor = i % 2 ? "apikey:k1" : "system";
      e.facility_id = "fac-a";
      e.action = "consultation.read";
      e.entity_type = "consultation";
      e.entity_id = "c" + std::to_string(i);
      e.outcome = std::string(kOutcomeSuccess);
      if (i % kSessionEvery == 0) {
        e.actor = "person:psn_" + std::string(32, 'b');
        e.session = "ses_" + std::string(24, static_cast<char>('0' + i % 10));
      }
      ASSERT_OK(writer.append(**tx, e));
      ASSERT_OK((*tx)->commit());
    }
  }

  VerifyReport verify(int batch_size = 7, const std::string& key = kVerifierKey) {
    AuditVerifier verifier(key, batch_size);
    auto report = verifier.verify(*store_);
    EXPECT_TRUE(report.ok()) << report.error().message;
    return report.ok() ? *report : VerifyReport{};
  }

  void expect_bad(std::int64_t seq, const std::string& reason_part) {
    VerifyReport report = verify();
    EXPECT_FALSE(report.ok);
    ASSERT_TRUE(report.first_bad_seq.has_value()) << report.reason;
    EXPECT_EQ(*report.first_bad_seq, seq) << report.reason;
    EXPECT_NE(report.reason.find(reason_part), std::string::npos) << report.reason;
  }

  // Rewrites events from `from` on with correct hashes, as an attacker who
  // knows the hash-chain algorithm (but not the audit key) could.
  void rechain_from(std::int64_t from) {
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    std::string prev = kGenesisHash;
    if (from > 1) {
      auto rows = (*tx)->query("SELECT hash FROM audit_events WHERE seq = $1", {from - 1});
      ASSERT_TRUE(rows.ok() && rows->size() == 1);
      prev = (*rows)[0].get_text(0).value();
    }
    auto rows = (*tx)->query(
        "SELECT " + std::string(kEventColumns) + " FROM audit_events WHERE seq >= $1 ORDER BY seq",
        {from});
    ASSERT_TRUE(rows.ok());
    for (const auto& row : *rows) {
      auto stored = read_event_row(row);
      ASSERT_TRUE(stored.ok());
      auto hash = chain_hash(prev, stored->seq, stored->event);
      ASSERT_TRUE(hash.ok());
      ASSERT_OK((*tx)->exec("UPDATE audit_events SET prev_hash = $1, hash = $2 WHERE seq = $3",
                            {prev, *hash, stored->seq}));
      ASSERT_OK((*tx)->exec("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1",
                            {stored->seq, *hash}));
      prev = *hash;
    }
    ASSERT_OK((*tx)->commit());
  }
};

TEST_P(AuditVerifierTest, UntouchedChainVerifies) {
  for (int batch : {1, 7, 20, 1000}) {
    VerifyReport report = verify(batch);
    EXPECT_TRUE(report.ok) << report.reason;
    EXPECT_EQ(report.events_checked, kEvents);
    EXPECT_EQ(report.checkpoints_checked, kEvents / kCheckpointEvery);
    EXPECT_FALSE(report.first_bad_seq.has_value());
  }
}

TEST_P(AuditVerifierTest, EmptyChainVerifies) {
  exec_raw("DELETE FROM audit_checkpoints");
  exec_raw("DELETE FROM audit_events");
  exec_raw("UPDATE audit_head SET seq = 0, hash = $1, mac = NULL WHERE id = 1", {kGenesisHash});
  VerifyReport report = verify();
  EXPECT_TRUE(report.ok) << report.reason;
  EXPECT_EQ(report.events_checked, 0);
}

TEST_P(AuditVerifierTest, DetectsEditedField) {
  exec_raw("UPDATE audit_events SET actor = 'apikey:someone-else' WHERE seq = 8");
  expect_bad(8, "does not match its hash");
}

TEST_P(AuditVerifierTest, SessionsAreStoredOnlyWhereGiven) {
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM audit_events WHERE session_ref IS NOT NULL"),
            kEvents / kSessionEvery);
}

TEST_P(AuditVerifierTest, DetectsEditedSessionRef) {
  exec_raw("UPDATE audit_events SET session_ref = 'ses_ffffffffffffffffffffffff' WHERE seq = 9");
  expect_bad(9, "does not match its hash");
}

TEST_P(AuditVerifierTest, DetectsSessionRefRemoved) {
  exec_raw("UPDATE audit_events SET session_ref = NULL WHERE seq = 12");
  expect_bad(12, "does not match its hash");
}

TEST_P(AuditVerifierTest, DetectsSessionRefGivenToAnEventWithout) {
  exec_raw("UPDATE audit_events SET session_ref = 'ses_ffffffffffffffffffffffff' WHERE seq = 4");
  expect_bad(4, "does not match its hash");
}

TEST_P(AuditVerifierTest, DetectsEditedOutcomeAndTime) {
  exec_raw("UPDATE audit_events SET outcome = 'denied' WHERE seq = 3");
  expect_bad(3, "edited");
}

TEST_P(AuditVerifierTest, DetectsEditedTimeStamp) {
  exec_raw("UPDATE audit_events SET occurred_at = occurred_at + 1 WHERE seq = 17");
  expect_bad(17, "edited");
}

TEST_P(AuditVerifierTest, DetectsDeletedMiddleEvent) {
  exec_raw("DELETE FROM audit_events WHERE seq = 12");
  expect_bad(12, "missing");
}

TEST_P(AuditVerifierTest, DetectsDeletedFirstEvent) {
  exec_raw("DELETE FROM audit_events WHERE seq = 1");
  expect_bad(1, "missing");
}

TEST_P(AuditVerifierTest, DetectsDeletedEventWithRenumbering) {
  // Close the gap by renumbering: the next event no longer links.
  exec_raw("DELETE FROM audit_events WHERE seq = 12");
  for (int seq = 13; seq <= kEvents; ++seq) {
    exec_raw("UPDATE audit_events SET seq = $1 WHERE seq = $2",
             {static_cast<std::int64_t>(seq - 1), static_cast<std::int64_t>(seq)});
  }
  VerifyReport report = verify();
  EXPECT_FALSE(report.ok);
  ASSERT_TRUE(report.first_bad_seq.has_value());
  EXPECT_EQ(*report.first_bad_seq, 12) << report.reason;
}

TEST_P(AuditVerifierTest, DetectsSwappedEvents) {
  // Swap the rows at seq 6 and 9 (contents move, seq stays in place).
  exec_raw("UPDATE audit_events SET seq = -1 WHERE seq = 6");
  exec_raw("UPDATE audit_events SET seq = 6 WHERE seq = 9");
  exec_raw("UPDATE audit_events SET seq = 9 WHERE seq = -1");
  expect_bad(6, "does not match its hash");
}

TEST_P(AuditVerifierTest, DetectsDeletedNewestEventsThroughCheckpoint) {
  // The attacker deletes the newest events and fixes audit_head, but the
  // signed checkpoint at 20 still names them.
  exec_raw("DELETE FROM audit_events WHERE seq > 17");
  exec_raw(
      "UPDATE audit_head SET seq = 17, hash = (SELECT hash FROM audit_events WHERE seq = 17) "
      "WHERE id = 1");
  expect_bad(18, "checkpoint");
}

TEST_P(AuditVerifierTest, DetectsDeletedNewestEventsThroughHead) {
  exec_raw("DELETE FROM audit_checkpoints WHERE seq = 20");
  exec_raw("DELETE FROM audit_events WHERE seq > 18");
  expect_bad(19, "audit_head");
}

// Fewer events than a checkpoint interval deleted from the tail, with
// audit_head moved back to the newest event left: no checkpoint names the
// deleted ones, so only the head's signature can tell.
TEST_P(AuditVerifierTest, DetectsADeletedTailShorterThanACheckpointInterval) {
  AuditWriter writer(GetParam(), kVerifierKey, AuditWriterOptions{kCheckpointEvery});
  for (int i = 1; i <= 3; ++i) {
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok());
    AuditEvent e;
    e.actor = "anonymous";
    e.action = "auth.failed";
    e.outcome = std::string(kOutcomeFailure);
    ASSERT_OK(writer.append(**tx, e));
    ASSERT_OK((*tx)->commit());
  }
  ASSERT_TRUE(verify().ok);
  exec_raw("DELETE FROM audit_events WHERE seq > 21");
  exec_raw(
      "UPDATE audit_head SET seq = 21, hash = (SELECT hash FROM audit_events WHERE seq = 21) "
      "WHERE id = 1");
  expect_bad(22, "audit_head");
}

TEST_P(AuditVerifierTest, DetectsRewrittenChainThroughCheckpoint) {
  // Edit event 12 and recompute every hash after it: the chain is
  // self-consistent again, but the signed checkpoint at 15 no longer matches.
  exec_raw("UPDATE audit_events SET entity_id = 'someone-else' WHERE seq = 12");
  rechain_from(12);
  expect_bad(15, "checkpoint");
}

TEST_P(AuditVerifierTest, DetectsForgedCheckpoint) {
  exec_raw("UPDATE audit_checkpoints SET created_at = created_at + 1 WHERE seq = 10");
  expect_bad(10, "invalid signature");
}

TEST_P(AuditVerifierTest, WrongKeyFailsAtFirstCheckpoint) {
  VerifyReport report = verify(7, std::string(32, 'b'));
  EXPECT_FALSE(report.ok);
  ASSERT_TRUE(report.first_bad_seq.has_value());
  EXPECT_EQ(*report.first_bad_seq, kCheckpointEvery);
}

TEST_P(AuditVerifierTest, DetectsMissingHeadRow) {
  exec_raw("DELETE FROM audit_head");
  VerifyReport report = verify();
  EXPECT_FALSE(report.ok);
  EXPECT_NE(report.reason.find("audit_head"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Stores, AuditVerifierTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         testing::dialect_param_name);

}  // namespace
}  // namespace wasl::audit
