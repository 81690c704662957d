// JobQueue on both stores: a held job kept by continue_held() stays leased
// and is only taken over once its extended lease lapses; release() makes it
// due at once without a takeover; both are fenced by the lease token.
// hold_idle() holds unleased jobs by the transaction alone: no lease is
// written, a worker's claim passes them over until the commit, and the
// holder's changes are fenced by the lease being still unset.
#include "hub/jobs/job_queue.hpp"

#include "tests/unit/workflow/engine_fixture.hpp"

namespace wasl::workflow::testing {
namespace {

using jobs::ClaimedJob;
using jobs::HeldJob;
using jobs::JobQueue;
using jobs::kCallJob;
using jobs::kWaitJob;

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
  EXPECT_TRUE(
      in_tx([&](storage::Transaction& tx) { return JobQueue::release(tx, held, now_ms_ + 1); }));
  EXPECT_FALSE(
      in_tx([&](storage::Transaction& tx) { return JobQueue::release(tx, held, now_ms_ + 1); }));
  auto again = claim(now_ms_ + 1);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_FALSE(again[0].takeover);
  EXPECT_EQ(again[0].claims, 1);  // a given-back claim does not count
  EXPECT_EQ(again[0].run_id, run_);
}

TEST_P(JobQueueTest, HoldIdleHoldsUnleasedJobsForItsTransactionWithoutWritingALease) {
  auto tx = store_->begin();
  ASSERT_TRUE(tx.ok());
  auto held = JobQueue::hold_idle(**tx, GetParam(), {run_, "no-such-run"});
  ASSERT_TRUE(held.ok()) << held.error().message;
  ASSERT_EQ(held->size(), 1u);
  const ClaimedJob& job = held->front();
  EXPECT_TRUE(job.locked);
  EXPECT_EQ(job.run_id, run_);
  EXPECT_EQ(job.claims, 0);  // a hold is not a claim
  auto lease = (*tx)->query("SELECT lease_owner FROM jobs WHERE id = $1", Params{job.id});
  ASSERT_TRUE(lease.ok());
  ASSERT_EQ(lease->size(), 1u);
  EXPECT_TRUE((*lease)[0].is_null(0));
  // It has no lease to keep or extend; it can be replaced, once.
  EXPECT_FALSE(JobQueue::extend(**tx, held_job(job), now_ms_ + 5000).ok());
  EXPECT_FALSE(JobQueue::continue_held(**tx, held_job(job), kCallJob, {}, now_ms_ + 5000).ok());
  auto replaced = JobQueue::replace(**tx, held_job(job), kWaitJob, {{"step", "s1"}}, now_ms_ + 1);
  ASSERT_TRUE(replaced.ok());
  EXPECT_TRUE(*replaced);
  ASSERT_TRUE((*tx)->commit().ok());

  // A job a worker leased is not held; once given back, it is, and removing
  // it is fenced by its lease being unset.
  auto claimed = claim(now_ms_ + 1);
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_FALSE(in_tx([&](storage::Transaction& tx) -> sdk::Result<bool> {
    WASL_ASSIGN_OR_RETURN(auto none, JobQueue::hold_idle(tx, GetParam(), {run_}));
    return !none.empty();
  }));
  EXPECT_TRUE(in_tx([&](storage::Transaction& tx) {
    return JobQueue::release(tx, held_job(claimed[0]), now_ms_ + 1);
  }));
  EXPECT_TRUE(in_tx([&](storage::Transaction& tx) -> sdk::Result<bool> {
    WASL_ASSIGN_OR_RETURN(auto again, JobQueue::hold_idle(tx, GetParam(), {run_}));
    if (again.size() != 1) return false;
    HeldJob leased = held_job(claimed[0]);
    WASL_ASSIGN_OR_RETURN(bool wrong, JobQueue::remove(tx, std::vector<HeldJob>{leased}));
    if (wrong) return false;  // its lease is gone: the token no longer fences it
    return JobQueue::remove(tx, std::vector<HeldJob>{held_job(again[0])});
  }));
  EXPECT_TRUE(query("SELECT id FROM jobs WHERE run_id = $1", Params{run_}).empty());
}

TEST_P(JobQueueTest, LockHeldNamesTheRunOnlyWhileTheHoldLasts) {
  auto lock_held = [&](const HeldJob& job) -> std::optional<std::string> {
    auto tx = store_->begin();
    EXPECT_TRUE(tx.ok());
    auto run = JobQueue::lock_held(**tx, job);
    EXPECT_TRUE(run.ok()) << run.error().message;
    (*tx)->rollback();
    return run.ok() ? *run : std::nullopt;
  };
  auto jobs = claim(now_ms_);
  ASSERT_EQ(jobs.size(), 1u);
  HeldJob held = held_job(jobs[0]);
  EXPECT_EQ(lock_held(held), run_);
  EXPECT_EQ(lock_held({held.id, "someone-else"}), std::nullopt);
  EXPECT_TRUE(
      in_tx([&](storage::Transaction& tx) { return JobQueue::release(tx, held, now_ms_ + 1); }));
  EXPECT_EQ(lock_held(held), std::nullopt);  // given back: no longer held by its lease
  EXPECT_EQ(lock_held({held.id, "", /*locked=*/true}), run_);  // held by a row lock alone
}

TEST_P(JobQueueTest, FirstOfKindReadsTheQueuedJobWithoutClaimingIt) {
  auto first = [&](const std::string& run, const std::string& kind) {
    auto tx = store_->begin(storage::TxMode::kReadOnly);
    EXPECT_TRUE(tx.ok());
    auto job = JobQueue::first_of_kind(**tx, run, kind);
    EXPECT_TRUE(job.ok()) << job.error().message;
    return job.ok() ? *job : std::nullopt;
  };
  auto call = first(run_, kCallJob);
  ASSERT_TRUE(call.has_value());
  EXPECT_EQ(call->payload.value("step", ""), "s1");
  auto rows = query("SELECT run_at, lease_owner FROM jobs WHERE run_id = $1", Params{run_});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(call->run_at_ms, *rows[0].get_int(0));
  EXPECT_TRUE(rows[0].is_null(1));  // not claimed
  EXPECT_FALSE(first(run_, kWaitJob).has_value());
  EXPECT_FALSE(first("no-such-run", kCallJob).has_value());
  exec("UPDATE jobs SET payload = 'not json' WHERE run_id = $1", Params{run_});
  call = first(run_, kCallJob);
  ASSERT_TRUE(call.has_value());
  EXPECT_TRUE(call->payload.is_null());
}

// Two writers at once: PostgreSQL only (SQLite has one writer at a time).
class JobQueuePostgresTest : public JobQueueTest {};

TEST_P(JobQueuePostgresTest, LockHeldKeepsATakeoverOutUntilTheHolderEnds) {
  auto jobs = claim(now_ms_);
  ASSERT_EQ(jobs.size(), 1u);
  auto holder = store_->begin();
  ASSERT_TRUE(holder.ok());
  auto run = JobQueue::lock_held(**holder, held_job(jobs[0]));
  ASSERT_TRUE(run.ok()) << run.error().message;
  EXPECT_EQ(*run, run_);
  const std::int64_t lapsed = now_ms_ + lease_.count() + 1;
  EXPECT_TRUE(claim(lapsed).empty());  // the lease lapsed, but the row is locked
  (*holder)->rollback();
  auto taken = claim(lapsed);
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_TRUE(taken[0].takeover);
}

TEST_P(JobQueuePostgresTest, AClaimPassesOverAJobHeldByAnotherTransaction) {
  auto holder = store_->begin();
  ASSERT_TRUE(holder.ok());
  auto held = JobQueue::hold_idle(**holder, GetParam(), {run_});
  ASSERT_TRUE(held.ok()) << held.error().message;
  ASSERT_EQ(held->size(), 1u);
  EXPECT_TRUE(claim(now_ms_).empty());  // skipped while the hold lasts
  (*holder)->rollback();
  auto claimed = claim(now_ms_);
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_FALSE(claimed[0].takeover);
  EXPECT_EQ(claimed[0].claims, 1);
}

INSTANTIATE_TEST_SUITE_P(Stores, JobQueueTest,
                         ::testing::Values(Dialect::kSqlite, Dialect::kPostgres),
                         [](const auto& info) {
                           return storage::testing::dialect_name(info.param);
                         });
INSTANTIATE_TEST_SUITE_P(Postgres, JobQueuePostgresTest, ::testing::Values(Dialect::kPostgres),
                         [](const auto& info) {
                           return storage::testing::dialect_name(info.param);
                         });

}  // namespace
}  // namespace wasl::workflow::testing
