#include "hub/records/idempotency_store.hpp"

#include <gtest/gtest.h>

#include "tests/unit/records/records_database.hpp"

namespace wasl::records::testing {
namespace {

class IdempotencyStoreTest : public RecordsDatabaseTest {};

TEST_P(IdempotencyStoreTest, ReplayReturnsTheFirstAnswerAndAnotherBodyConflicts) {
  IdempotencyStore store(*cipher_);
  const StoredResponse answer{201, R"({"id":"c-1","patient":{"name":")" + kArabicName + R"("}})"};
  {
    auto tx = begin();
    ASSERT_OK_AND_ASSIGN(auto begun, store.begin(*tx, kFacilityA, "key-1", "hash-A", 10));
    EXPECT_EQ(begun.outcome, IdempotencyOutcome::kNew);
    ASSERT_OK(store.complete(*tx, kFacilityA, "key-1", answer));
    ASSERT_OK(tx->commit());
  }
  EXPECT_EQ(raw_bytes("SELECT * FROM idempotency_keys").find(kArabicName), std::string::npos);
  {
    auto tx = begin();
    ASSERT_OK_AND_ASSIGN(auto replay, store.begin(*tx, kFacilityA, "key-1", "hash-A", 20));
    EXPECT_EQ(replay.outcome, IdempotencyOutcome::kReplay);
    ASSERT_TRUE(replay.response.has_value());
    EXPECT_EQ(*replay.response, answer);

    ASSERT_OK_AND_ASSIGN(auto conflict, store.begin(*tx, kFacilityA, "key-1", "hash-B", 30));
    EXPECT_EQ(conflict.outcome, IdempotencyOutcome::kConflict);
    EXPECT_FALSE(conflict.response.has_value());

    // The same key in another facility is unrelated.
    ASSERT_OK_AND_ASSIGN(auto other, store.begin(*tx, kFacilityB, "key-1", "hash-B", 40));
    EXPECT_EQ(other.outcome, IdempotencyOutcome::kNew);
    ASSERT_OK(tx->commit());
  }
  // Claimed but not completed yet (another request still working on it).
  auto tx = begin();
  ASSERT_OK_AND_ASSIGN(auto pending, store.begin(*tx, kFacilityB, "key-1", "hash-B", 50));
  EXPECT_EQ(pending.outcome, IdempotencyOutcome::kInProgress);
}

TEST_P(IdempotencyStoreTest, NothingIsKeptWhenTheRequestRollsBack) {
  IdempotencyStore store(*cipher_);
  {
    auto tx = begin();
    ASSERT_OK(store.begin(*tx, kFacilityA, "key-1", "hash-A", 10));
    tx->rollback();
  }
  auto tx = begin();
  ASSERT_OK_AND_ASSIGN(auto again, store.begin(*tx, kFacilityA, "key-1", "hash-B", 20));
  EXPECT_EQ(again.outcome, IdempotencyOutcome::kNew);
  EXPECT_EQ(store.complete(*tx, kFacilityA, "never-begun", {200, "{}"}).error().code,
            sdk::ErrorCode::kNotFound);
}

WASL_RECORDS_INSTANTIATE(IdempotencyStoreTest);

}  // namespace
}  // namespace wasl::records::testing
