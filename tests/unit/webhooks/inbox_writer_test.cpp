#include "hub/webhooks/inbox_writer.hpp"

#include <future>

#include "hub/storage/row_id.hpp"
#include "tests/unit/records/records_database.hpp"

namespace wasl::webhooks {
namespace {

using records::InboxEntry;
using records::InboxInsertOutcome;
using records::testing::kFacilityA;

class InboxWriterTest : public records::testing::RecordsDatabaseTest {
 protected:
  void SetUp() override {
    RecordsDatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    inbox_ = std::make_unique<records::InboxStore>(*cipher_);
  }
  void TearDown() override {
    writer_.reset();
    RecordsDatabaseTest::TearDown();
  }

  static InboxEntry entry(const std::string& dedupe,
                          std::optional<std::string> facility = kFacilityA) {
    InboxEntry e;
    e.id = storage::new_row_id().value();
    e.instance = "hospital.fac-a";
    e.dedupe_key = dedupe;
    e.facility_id = std::move(facility);
    e.received_at = 1'700'000'000'000;
    e.body = "{\"dedupe\":\"" + dedupe + "\"}";
    e.headers = {{"webhook-id", dedupe}};
    e.event_type = "appointment.updated";
    e.correlation = "Appointment/" + dedupe;
    return e;
  }

  // Writes each request on a thread of its own; with max_batch equal to the
  // number of requests and a long linger they form exactly one batch.
  std::vector<sdk::Result<std::vector<InboxInsertOutcome>>> write_together(
      std::vector<std::vector<InboxEntry>> requests) {
    std::vector<std::future<sdk::Result<std::vector<InboxInsertOutcome>>>> futures;
    for (auto& r : requests) {
      futures.push_back(std::async(std::launch::async, [this, r = std::move(r)]() mutable {
        return writer_->write(std::move(r));
      }));
    }
    std::vector<sdk::Result<std::vector<InboxInsertOutcome>>> out;
    for (auto& f : futures) out.push_back(f.get());
    return out;
  }

  void insert_directly(const InboxEntry& e) {
    auto tx = begin();
    ASSERT_NE(tx, nullptr);
    ASSERT_TRUE(inbox_->insert(*tx, e).ok());
    ASSERT_TRUE(tx->commit().ok());
  }

  void make_writer(int max_batch, std::chrono::microseconds linger, int writers = 1) {
    writer_ = std::make_unique<InboxWriter>(*store_, *cipher_,
                                            InboxWriterOptions{writers, max_batch, linger});
  }

  std::unique_ptr<records::InboxStore> inbox_;
  std::unique_ptr<InboxWriter> writer_;
};

TEST_P(InboxWriterTest, ABatchIsOneTransaction) {
  make_writer(4, std::chrono::seconds(30));
  auto results = write_together({{entry("a")}, {entry("b")}, {entry("c")}, {entry("d")}});
  for (auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->at(0), InboxInsertOutcome::kInserted);
  }
  auto stats = writer_->stats();
  EXPECT_EQ(stats.transactions, 1);
  EXPECT_EQ(stats.batches, 1);
  EXPECT_EQ(stats.largest_batch, 4);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM inbox"), 4);
  // The rows read back through InboxStore: same encryption binding and encoding.
  auto tx = begin();
  ASSERT_NE(tx, nullptr);
  auto rows = inbox_->list(*tx, kFacilityA, records::InboxState::kReceived, 10);
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 4u);
  for (const auto& r : *rows) {
    EXPECT_EQ(r.body, "{\"dedupe\":\"" + r.dedupe_key + "\"}");
    EXPECT_EQ(r.headers.at("webhook-id"), r.dedupe_key);
    EXPECT_EQ(r.correlation, "Appointment/" + r.dedupe_key);
  }
  EXPECT_EQ(raw_bytes("SELECT body_enc FROM inbox").find("dedupe"), std::string::npos);
}

TEST_P(InboxWriterTest, RefusesAnEntryWithoutIdOrKey) {
  make_writer(1, std::chrono::microseconds(0));
  auto e = entry("x");
  e.dedupe_key.clear();
  auto r = writer_->write({e});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, sdk::ErrorCode::kInvalidArgument);
}

TEST_P(InboxWriterTest, ADuplicateInsideABatchIsReportedAndTheBatchCommits) {
  make_writer(3, std::chrono::seconds(30));
  insert_directly(entry("old"));
  auto results = write_together({{entry("old")}, {entry("twice")}, {entry("twice")}});
  ASSERT_TRUE(results[0].ok());
  EXPECT_EQ(results[0]->at(0), InboxInsertOutcome::kDuplicate);
  int inserted = 0;
  for (int i : {1, 2}) {
    ASSERT_TRUE(results[i].ok());
    if (results[i]->at(0) == InboxInsertOutcome::kInserted) ++inserted;
  }
  EXPECT_EQ(inserted, 1);
  EXPECT_EQ(writer_->stats().fallbacks, 0);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM inbox"), 2);
}

TEST_P(InboxWriterTest, AFailingRequestFailsAloneAndTheOthersAreStored) {
  make_writer(4, std::chrono::seconds(30));
  insert_directly(entry("dup"));
  // "no-such-facility" breaks the foreign key: the batch fails, then each
  // request is retried in its own transaction.
  auto results = write_together({{entry("good-1")},
                                 {entry("dup")},
                                 {entry("bad", std::string("no-such-facility"))},
                                 {entry("good-2")}});
  ASSERT_TRUE(results[0].ok()) << results[0].error().message;
  EXPECT_EQ(results[0]->at(0), InboxInsertOutcome::kInserted);
  ASSERT_TRUE(results[1].ok());
  EXPECT_EQ(results[1]->at(0), InboxInsertOutcome::kDuplicate);
  ASSERT_FALSE(results[2].ok());
  EXPECT_EQ(results[2].error().code, sdk::ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(results[3].ok());
  EXPECT_EQ(results[3]->at(0), InboxInsertOutcome::kInserted);
  EXPECT_EQ(writer_->stats().fallbacks, 1);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM inbox WHERE dedupe_key IN ('good-1', 'good-2', 'dup')"),
            3);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM inbox WHERE dedupe_key = 'bad'"), 0);
}

TEST_P(InboxWriterTest, ARequestsRowsCommitTogetherOrNotAtAll) {
  make_writer(8, std::chrono::microseconds(0));
  auto r = writer_->write({entry("first"), entry("second", std::string("no-such-facility"))});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM inbox"), 0);
  auto both = writer_->write({entry("first"), entry("second")});
  ASSERT_TRUE(both.ok()) << both.error().message;
  EXPECT_EQ(both->size(), 2u);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM inbox"), 2);
}

TEST_P(InboxWriterTest, ManyConcurrentWritersAreAllStored) {
  make_writer(32, std::chrono::microseconds(500), 2);
  constexpr int kThreads = 16;
  constexpr int kEach = 20;
  std::vector<std::future<int>> done;
  for (int t = 0; t < kThreads; ++t) {
    done.push_back(std::async(std::launch::async, [this, t] {
      int ok = 0;
      for (int i = 0; i < kEach; ++i) {
        auto r = writer_->write({entry("k-" + std::to_string(t) + "-" + std::to_string(i))});
        if (r.ok() && r->at(0) == InboxInsertOutcome::kInserted) ++ok;
      }
      return ok;
    }));
  }
  int total = 0;
  for (auto& f : done) total += f.get();
  EXPECT_EQ(total, kThreads * kEach);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM inbox"), kThreads * kEach);
  EXPECT_LT(writer_->stats().transactions, kThreads * kEach);  // some commits carried several
}

TEST_P(InboxWriterTest, StopCommitsWhatIsQueuedThenRefuses) {
  make_writer(100, std::chrono::seconds(30));
  auto pending = std::async(std::launch::async, [this] { return writer_->write({entry("q")}); });
  // The request lingers (batch not full); stop() must still commit it.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (writer_->queue_depth() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  ASSERT_EQ(writer_->queue_depth(), 1u);
  writer_->stop();
  auto r = pending.get();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM inbox"), 1);
  auto after = writer_->write({entry("late")});
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().code, sdk::ErrorCode::kUnavailable);
}

WASL_RECORDS_INSTANTIATE(InboxWriterTest);

}  // namespace
}  // namespace wasl::webhooks
