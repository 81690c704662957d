// PeriodLease and once_per_period on both stores: a period is taken by one
// holder until it finishes or its lease lapses, the next is due an interval
// after the last one started, and two runners on one database (two hubs)
// call their tick once per period between them.
#include "hub/jobs/period_lease.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <sstream>
#include <string>

#include "tests/unit/storage/status_matchers.hpp"
#include "tests/unit/storage/test_database.hpp"

namespace wasl::jobs {
namespace {

using storage::Dialect;
using namespace std::chrono_literals;

// wasl_periodic_job_periods_total of `job` in `metrics` (0 when absent).
double periods_counted(const observability::Metrics& metrics, const std::string& job) {
  const std::string series = "wasl_periodic_job_periods_total{job=\"" + job + "\"} ";
  std::istringstream lines(metrics.render());
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(series, 0) == 0) return std::stod(line.substr(series.size()));
  }
  return 0;
}

class PeriodLeaseTest : public ::testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override {
    auto db =
        storage::testing::TestDatabase::create(GetParam(), storage::testing::Contents::kMigrated);
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(db).value();
    auto store = db_->open();
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(store).value();
  }

  bool take(const std::string& holder, std::int64_t now, std::int64_t until) {
    auto taken = PeriodLease(*store_).take("job.test", holder, now, until);
    EXPECT_TRUE(taken.ok()) << taken.error().message;
    return taken.ok() && *taken;
  }
  bool finish(const std::string& holder, std::int64_t now, std::int64_t next_at) {
    auto finished = PeriodLease(*store_).finish("job.test", holder, now, next_at);
    EXPECT_TRUE(finished.ok()) << finished.error().message;
    return finished.ok() && *finished;
  }

  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::unique_ptr<storage::Store> store_;
};

TEST_P(PeriodLeaseTest, OneHolderAPeriodAndTheNextWhenDue) {
  EXPECT_TRUE(take("hub-a", 1000, 61000));   // never run: due
  EXPECT_FALSE(take("hub-b", 1500, 61500));  // running
  EXPECT_TRUE(finish("hub-a", 2000, 11000));
  EXPECT_FALSE(take("hub-b", 10999, 70999));  // finished, the next not due yet
  EXPECT_TRUE(take("hub-b", 11000, 71000));
  EXPECT_FALSE(finish("hub-a", 12000, 21000));  // not the holder
  EXPECT_TRUE(finish("hub-b", 12000, 21000));
  EXPECT_TRUE(take("hub-a", 21000, 81000));
}

TEST_P(PeriodLeaseTest, ALapsedLeaseIsTakenOverAndItsHolderCannotFinish) {
  EXPECT_TRUE(take("hub-a", 1000, 5000));  // hub-a dies while it runs
  EXPECT_FALSE(take("hub-b", 4999, 64999));
  EXPECT_TRUE(take("hub-b", 5000, 65000));
  EXPECT_FALSE(finish("hub-a", 6000, 11000));
  EXPECT_TRUE(finish("hub-b", 6000, 15000));
  // Other jobs have periods of their own.
  auto other = PeriodLease(*store_).take("job.other", "hub-a", 6000, 66000);
  ASSERT_TRUE(other.ok()) << other.error().message;
  EXPECT_TRUE(*other);
}

TEST_P(PeriodLeaseTest, TwoRunnersTickOncePerPeriodBetweenThem) {
  std::int64_t now = 1'000'000;
  PeriodOptions options;
  options.now_ms = [&now] { return now; };
  int ticks = 0;
  auto tick = [&ticks]() -> sdk::Status {
    ++ticks;
    return {};
  };
  observability::Metrics a_metrics;
  observability::Metrics b_metrics;
  options.metrics = &a_metrics;
  auto a = once_per_period(*store_, "job.test", 10s, tick, options);
  options.metrics = &b_metrics;
  auto b = once_per_period(*store_, "job.test", 10s, tick, options);
  options.metrics = nullptr;
  ASSERT_TRUE(a.ok() && b.ok());
  // Each "hub" wakes every 10 s, b 3 s after a: 20 periods, 20 ticks.
  for (int period = 0; period < 20; ++period) {
    ASSERT_OK((*a)());
    now += 3000;
    ASSERT_OK((*b)());
    now += 7000;
  }
  EXPECT_EQ(ticks, 20);
  // Each process counts the periods it ran.
  EXPECT_EQ(periods_counted(a_metrics, "job.test") + periods_counted(b_metrics, "job.test"), 20);
  EXPECT_GT(periods_counted(a_metrics, "job.test"), 0);
  // A tick's error comes back to its runner; the period counts as run.
  auto failing = once_per_period(
      *store_, "job.failing", 10s,
      []() -> sdk::Status { return sdk::Error(sdk::ErrorCode::kUnavailable, "down", true); },
      options);
  ASSERT_TRUE(failing.ok());
  EXPECT_EQ((*failing)().error().message, "down");
  EXPECT_OK((*failing)());  // within its period: not called again
}

// A period's lease is twice the interval, at least 10 s and at most 15 min:
// what a hub that dies in the middle of one delays the job by.
TEST_P(PeriodLeaseTest, TheLeaseFollowsTheInterval) {
  constexpr std::int64_t kNow = 1'000'000;
  PeriodOptions options;
  options.now_ms = [] { return kNow; };
  for (const auto& [interval, lease] :
       {std::pair{std::chrono::milliseconds(200), std::chrono::milliseconds(10s)},
        std::pair{std::chrono::milliseconds(60s), std::chrono::milliseconds(120s)},
        std::pair{std::chrono::milliseconds(1h), std::chrono::milliseconds(15min)}}) {
    const std::string job = "job.lease." + std::to_string(interval.count());
    std::int64_t expires_at = 0;
    auto tick = once_per_period(
        *store_, job, interval,
        [&]() -> sdk::Status {
          auto tx = store_->begin(storage::TxMode::kReadOnly);
          if (!tx.ok()) return std::move(tx).error();
          WASL_ASSIGN_OR_RETURN(
              storage::Rows rows,
              (*tx)->query("SELECT expires_at FROM periodic_job_leases WHERE job = $1", {job}));
          if (!rows.empty()) {
            WASL_ASSIGN_OR_RETURN(expires_at, rows[0].get_int(0));
          }
          return {};
        },
        options);
    ASSERT_TRUE(tick.ok());
    ASSERT_OK((*tick)());
    EXPECT_EQ(expires_at, kNow + lease.count()) << job;
  }
}

INSTANTIATE_TEST_SUITE_P(Stores, PeriodLeaseTest,
                         ::testing::Values(Dialect::kSqlite, Dialect::kPostgres),
                         [](const auto& info) {
                           return storage::testing::dialect_name(info.param);
                         });

}  // namespace
}  // namespace wasl::jobs
