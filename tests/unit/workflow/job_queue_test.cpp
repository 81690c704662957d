// JobQueue on both stores: a held job kept by continue_held() stays leased
// and is only taken over once its extended lease lapses; release() makes it
// due at once without a takeover; both are fenced by the lease token.
#include "hub/workflow/job_queue.hpp"

#include "tests/unit/workflow/engine_fixture.hpp"

namespace wasl::workflow::testing {
namespace {

using storage::Dialect;
using storage::Params;

const char* kOne = R"(name: one
version: 1
trigger:
  kind: api
steps:
  - id: s1
    call: ehr.read_patient
    with:
      id: p1
)";

class JobQueueTest : public EngineFixture {
 protected:
  // A run whose only job is due at `now_ms_`.
  void SetUp() override {
    EngineFixture::SetUp();
    if (HasFatalFailure()) return;
    deploy(kOne);
    auto options = fast_options();
    options.workers = 0;
    auto clock_now = std::chrono::system_clock::time_point(std::chrono::milliseconds(now_ms_));
    options.clock = [clock_now] { return clock_now; };
    run_ = start(engine(options), "one");
  }

  std::vector<ClaimedJob> claim(std::int64_t at_ms) {
    auto tx = store_->begin();
    EXPECT_TRUE(tx.ok());
    auto jobs = JobQueue::claim(**tx, GetParam(), "test", at_ms, lease_, 10);
    EXPECT_TRUE(jobs.ok()) << jobs.error().message;
    EXPECT_TRUE((*tx)->commit().ok());
    return jobs.ok() ? *jobs : std::vector<ClaimedJob>{};
  }

  template <typename F>
  bool in_tx(F f) {
    auto tx = store_->begin();
    EXPECT_TRUE(tx.ok());
    auto done = f(**tx);
    EXPECT_TRUE(done.ok()) << done.error().message;
    EXPECT_TRUE((*tx)->commit().ok());
    return done.ok() && *done;
  }

  const std::int64_t now_ms_ = 1'700'000'000'000;
  const std::chrono::milliseconds lease_{1000};
  std::string run_;
};

TEST_P(JobQueueTest, ContinueHeldKeepsTheLeaseUntilItsNewExpiry) {
  auto jobs = claim(now_ms_);
  ASSERT_EQ(jobs.size(), 1u);
  HeldJob held{jobs[0].id, jobs[0].lease_token};
  nlohmann::json next = {{"step", "s2"}, {"first_attempt", 1}};
  std::int64_t expires = now_ms_ + 5000;
  EXPECT_FALSE(in_tx([&](storage::Transaction& tx) {
    return JobQueue::continue_held(tx, {held.id, "someone-else"}, kCallJob, next, expires);
  }));
  EXPECT_TRUE(in_tx([&](storage::Transaction& tx) {
    return JobQueue::continue_held(tx, held, kCallJob, next, expires);
  }));
  // Past the claim's lease but before the extended one: nobody can take it.
  EXPECT_TRUE(claim(now_ms_ + lease_.count() + 1).empty());
  auto rows = query("SELECT lease_owner, lease_expires_at, payload FROM jobs WHERE id = $1",
                    Params{held.id});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(*rows[0].get_text(0), held.lease_token);
  EXPECT_EQ(*rows[0].get_int(1), expires);
  EXPECT_EQ(nlohmann::json::parse(*rows[0].get_text(2)), next);
  // After it, the next claim is a takeover of the new work.
  auto taken = claim(expires);
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_TRUE(taken[0].takeover);
  EXPECT_EQ(taken[0].previous_owner, held.lease_token);
  EXPECT_EQ(taken[0].payload, next);
  EXPECT_FALSE(in_tx([&](storage::Transaction& tx) {
    return JobQueue::continue_held(tx, held, kCallJob, next, expires + 5000);
  }));
}

TEST_P(JobQueueTest, ReleaseMakesTheJobDueWithoutATakeover) {
  auto jobs = claim(now_ms_);
  ASSERT_EQ(jobs.size(), 1u);
  HeldJob held{jobs[0].id, jobs[0].lease_token};
  EXPECT_FALSE(in_tx([&](storage::Transaction& tx) {
    return JobQueue::release(tx, {held.id, "someone-else"}, now_ms_);
  }));
  EXPECT_TRUE(claim(now_ms_ + 1).empty());  // still held
  EXPECT_TRUE(in_tx([&](storage::Transaction& tx) {
    return JobQueue::release(tx, held, now_ms_ + 1);
  }));
  EXPECT_FALSE(in_tx([&](storage::Transaction& tx) {
    return JobQueue::release(tx, held, now_ms_ + 1);
  }));
  auto again = claim(now_ms_ + 1);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_FALSE(again[0].takeover);
  EXPECT_EQ(again[0].claims, 1);  // a given-back claim does not count
  EXPECT_EQ(again[0].run_id, run_);
}

INSTANTIATE_TEST_SUITE_P(Stores, JobQueueTest,
                         ::testing::Values(Dialect::kSqlite, Dialect::kPostgres),
                         [](const auto& info) {
                           return storage::testing::dialect_name(info.param);
                         });

}  // namespace
}  // namespace wasl::workflow::testing
