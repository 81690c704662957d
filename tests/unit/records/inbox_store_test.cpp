#include "hub/records/inbox_store.hpp"

#include <gtest/gtest.h>

#include "tests/unit/records/records_database.hpp"

namespace wasl::records::testing {
namespace {

class InboxStoreTest : public RecordsDatabaseTest {
 protected:
  static InboxEntry sample(const std::string& id, const std::string& dedupe,
                           const std::string& facility = kFacilityA) {
    InboxEntry e;
    e.id = id;
    e.instance = "ehr.kfsh";
    e.dedupe_key = dedupe;
    e.facility_id = facility;
    e.received_at = 1000;
    e.body = R"({"patient":")" + kArabicName + R"(","national_id":"1098765432"})";
    e.headers = {{"webhook-id", "msg_" + dedupe}, {"webhook-timestamp", "1700000000"}};
    e.event_type = "appointment.booked";
    e.correlation = "Appointment/9";
    return e;
  }
};

TEST_P(InboxStoreTest, StoresTheBodyEncryptedAndAnswersDuplicateCleanly) {
  InboxStore store(*cipher_);
  auto tx = begin();
  ASSERT_OK_AND_ASSIGN(auto first, store.insert(*tx, sample("i-1", "evt-1")));
  EXPECT_EQ(first, InboxInsertOutcome::kInserted);
  ASSERT_OK_AND_ASSIGN(auto second, store.insert(*tx, sample("i-2", "evt-1")));
  EXPECT_EQ(second, InboxInsertOutcome::kDuplicate);
  // The transaction is still usable after a duplicate.
  ASSERT_OK_AND_ASSIGN(auto third, store.insert(*tx, sample("i-3", "evt-3")));
  EXPECT_EQ(third, InboxInsertOutcome::kInserted);
  ASSERT_OK(tx->commit());
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM inbox"), 2);

  std::string raw = raw_bytes("SELECT * FROM inbox");
  EXPECT_EQ(raw.find(kArabicName), std::string::npos);
  EXPECT_EQ(raw.find("1098765432"), std::string::npos);
  EXPECT_EQ(raw.find("msg_evt-1"), std::string::npos);

  tx = begin();
  ASSERT_OK_AND_ASSIGN(InboxEntry back, store.get(*tx, kFacilityA, "i-1"));
  EXPECT_EQ(back.body, sample("i-1", "evt-1").body);
  EXPECT_EQ(back.headers, sample("i-1", "evt-1").headers);
  EXPECT_EQ(back.state, InboxState::kReceived);
}

TEST_P(InboxStoreTest, EncryptedRowsGoInOneStatementAndDuplicatesAreLeftOut) {
  InboxStore store(*cipher_);
  auto tx = begin();
  ASSERT_OK(store.insert(*tx, sample("i-1", "evt-1")));
  ASSERT_OK_AND_ASSIGN(EncryptedInboxEntry stored_before, store.encrypt(sample("i-2", "evt-1")));
  ASSERT_OK_AND_ASSIGN(EncryptedInboxEntry fresh, store.encrypt(sample("i-3", "evt-3")));
  EXPECT_EQ(fresh.body_enc.find("1098765432"), std::string::npos);
  ASSERT_OK_AND_ASSIGN(auto inserted, store.insert_encrypted(*tx, {&stored_before, &fresh}));
  EXPECT_EQ(inserted, (std::vector<std::string>{"i-3"}));
  ASSERT_OK(tx->commit());
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM inbox"), 2);

  tx = begin();
  ASSERT_OK_AND_ASSIGN(InboxEntry back, store.get(*tx, kFacilityA, "i-3"));
  EXPECT_EQ(back.body, sample("i-3", "evt-3").body);
  EXPECT_EQ(back.headers, sample("i-3", "evt-3").headers);
  EXPECT_EQ(back.correlation, "Appointment/9");
  EXPECT_EQ(store.encrypt(sample("i-4", "")).error().code, sdk::ErrorCode::kInvalidArgument);
}

constexpr std::int64_t kNow = 4'000'000'000'000;

TEST_P(InboxStoreTest, DispatchStateAndFacilityListing) {
  InboxStore store(*cipher_);
  auto tx = begin();
  ASSERT_OK(store.insert(*tx, sample("i-1", "evt-1")));
  ASSERT_OK(store.insert(*tx, sample("i-2", "evt-2")));
  ASSERT_OK(tx->commit());

  tx = begin();
  ASSERT_OK_AND_ASSIGN(auto due, store.fetch_for_dispatch(*tx, GetParam(), 10, kNow));
  ASSERT_EQ(due.size(), 2u);
  ASSERT_OK(store.set_dispatch_state(*tx, "i-1", InboxState::kUnmatched, "no run waits for it"));
  ASSERT_OK(store.set_dispatch_state(*tx, "i-2", InboxState::kDispatched));
  ASSERT_OK(tx->commit());

  tx = begin();
  ASSERT_OK_AND_ASSIGN(auto unmatched, store.list(*tx, kFacilityA, InboxState::kUnmatched, 10));
  ASSERT_EQ(unmatched.size(), 1u);
  EXPECT_EQ(unmatched[0].id, "i-1");
  EXPECT_EQ(unmatched[0].attempts, 1);
  EXPECT_EQ(unmatched[0].last_error, "no run waits for it");
  ASSERT_OK(store.mark(*tx, kFacilityA, "i-1", InboxState::kParked));
  ASSERT_OK_AND_ASSIGN(auto again, store.fetch_for_dispatch(*tx, GetParam(), 10, kNow));
  EXPECT_TRUE(again.empty());
}

// A delivery error may quote the event it failed on: last_error is stored in
// clear, so it is redacted first (records/stored_text.hpp).
TEST_P(InboxStoreTest, TheErrorTextIsStoredRedacted) {
  InboxStore store(*cipher_);
  auto tx = begin();
  ASSERT_OK(store.insert(*tx, sample("i-1", "evt-1")));
  ASSERT_OK(store.set_dispatch_state(
      *tx, "i-1", InboxState::kUnmatched,
      R"(the workflow refused {"display_name":"Dr. Leaked"} for 1098765432, call +966501234567)"));
  ASSERT_OK(tx->commit());
  const std::string stored = raw_bytes("SELECT last_error FROM inbox");
  for (const char* phi : {"Dr. Leaked", "1098765432", "966501234567"}) {
    EXPECT_EQ(stored.find(phi), std::string::npos) << phi << " in " << stored;
  }
  EXPECT_NE(stored.find("the workflow refused"), std::string::npos) << stored;
}

TEST_P(InboxStoreTest, ARowInBackoffIsNotDueBeforeItsTime) {
  InboxStore store(*cipher_);
  auto tx = begin();
  ASSERT_OK(store.insert(*tx, sample("i-1", "evt-1")));
  ASSERT_OK(store.set_dispatch_state(*tx, "i-1", InboxState::kReceived, "engine busy", kNow + 500));
  ASSERT_OK(tx->commit());

  tx = begin();
  ASSERT_OK_AND_ASSIGN(auto early, store.fetch_for_dispatch(*tx, GetParam(), 10, kNow + 499));
  EXPECT_TRUE(early.empty());
  ASSERT_OK_AND_ASSIGN(auto due, store.fetch_for_dispatch(*tx, GetParam(), 10, kNow + 500));
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].entry.attempts, 1);
  EXPECT_EQ(due[0].entry.next_attempt_at, kNow + 500);
  // A replay makes it due at once with a fresh count.
  ASSERT_OK(store.mark(*tx, kFacilityA, "i-1", InboxState::kReceived));
  ASSERT_OK_AND_ASSIGN(auto replayed, store.fetch_for_dispatch(*tx, GetParam(), 10, 0));
  ASSERT_EQ(replayed.size(), 1u);
  EXPECT_EQ(replayed[0].entry.attempts, 0);
}

TEST_P(InboxStoreTest, AnUnreadableRowIsFetchedAsSuchAndDoesNotHideTheOthers) {
  InboxStore store(*cipher_);
  auto tx = begin();
  ASSERT_OK(store.insert(*tx, sample("i-1", "evt-1")));
  ASSERT_OK(store.insert(*tx, sample("i-2", "evt-2")));
  ASSERT_OK(tx->exec("UPDATE inbox SET body_enc = $1 WHERE id = 'i-1'",
                     {storage::Blob{std::string(1, '\x01')}}));
  ASSERT_OK(tx->commit());

  tx = begin();
  ASSERT_OK_AND_ASSIGN(auto due, store.fetch_for_dispatch(*tx, GetParam(), 10, kNow));
  ASSERT_EQ(due.size(), 2u);
  for (const auto& candidate : due) {
    if (candidate.entry.id == "i-1") {
      ASSERT_TRUE(candidate.unreadable.has_value());
      EXPECT_TRUE(candidate.entry.body.empty());
      EXPECT_EQ(candidate.entry.dedupe_key, "evt-1");
    } else {
      EXPECT_FALSE(candidate.unreadable.has_value());
      EXPECT_EQ(candidate.entry.body, sample("i-2", "evt-2").body);
    }
  }
}

TEST_P(InboxStoreTest, AnotherFacilityCannotReachInboxEntries) {
  InboxStore store(*cipher_);
  auto tx = begin();
  ASSERT_OK(store.insert(*tx, sample("i-1", "evt-1")));
  ASSERT_OK(tx->commit());

  tx = begin();
  EXPECT_EQ(store.get(*tx, kFacilityB, "i-1").error().code, sdk::ErrorCode::kNotFound);
  ASSERT_OK_AND_ASSIGN(auto listed, store.list(*tx, kFacilityB, InboxState::kReceived, 10));
  EXPECT_TRUE(listed.empty());
  EXPECT_EQ(store.mark(*tx, kFacilityB, "i-1", InboxState::kParked).error().code,
            sdk::ErrorCode::kNotFound);
  ASSERT_OK(tx->commit());
  tx = begin();
  ASSERT_OK_AND_ASSIGN(InboxEntry e, store.get(*tx, kFacilityA, "i-1"));
  EXPECT_EQ(e.state, InboxState::kReceived);
}

WASL_RECORDS_INSTANTIATE(InboxStoreTest);

}  // namespace
}  // namespace wasl::records::testing
