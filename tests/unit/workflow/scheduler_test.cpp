// Scheduled workflows (hub/workflow/scheduler.hpp) on both stores: one run
// per (workflow, facility, period) with two hubs on one database, each
// missed period run once after downtime, run-now, and the periods overdue
// (a scheduled report missed).
#include "hub/workflow/scheduler.hpp"

#include <thread>

#include "tests/unit/workflow/engine_fixture.hpp"

namespace wasl::workflow::testing {
namespace {

using storage::Dialect;
using Clock = std::chrono::system_clock;

const char* kDaily = R"(name: daily
version: 1
trigger:
  kind: schedule
  every: 1d at 02:00
  period: day
steps:
  - id: read
    call: ehr.read_patient
    with:
      id: ${trigger.period}
)";

// 2025-03-01T09:00:00Z = 12:00 in Riyadh.
constexpr std::int64_t kMarch1Noon = 1740819600000;
constexpr std::int64_t kDay = 24 * 3600 * 1000;

class SchedulerTest : public EngineFixture {
 protected:
  void SetUp() override {
    EngineFixture::SetUp();
    deploy(kDaily);
  }

  Scheduler& scheduler(Engine& e, storage::Store* store = nullptr,
                       std::set<std::string> roles = {"ehr"}) {
    SchedulerOptions options;
    options.clock = [this] { return Clock::time_point(std::chrono::milliseconds(now_ms_.load())); };
    ScheduledFacility f1{"f1", "Asia/Riyadh", {}, std::move(roles)};
    schedulers_.push_back(std::make_unique<Scheduler>(store ? *store : *store_, *definitions_, e,
                                                      std::vector<ScheduledFacility>{f1}, options));
    return *schedulers_.back();
  }

  std::vector<std::string> periods() {
    std::vector<std::string> out;
    for (const auto& row : query("SELECT period FROM workflow_schedule_runs WHERE workflow = "
                                 "'daily' ORDER BY period")) {
      out.push_back(*row.get_text(0));
    }
    return out;
  }

  std::int64_t runs_of_daily() {
    return *query("SELECT COUNT(*) FROM workflow_runs WHERE workflow_name = 'daily'")
                .front()
                .get_int(0);
  }

  // The periods the ehr.read_patient calls were made for, once each succeeded.
  std::multiset<std::string> called_periods() {
    std::multiset<std::string> out;
    for (const auto& c : invoker_->calls_of("ehr.read_patient"))
      out.insert(c.input.value("id", ""));
    return out;
  }

  std::atomic<std::int64_t> now_ms_{kMarch1Noon};
  // A second hub's store; a member, so it outlives the engines TearDown stops.
  std::unique_ptr<storage::Store> other_store_;
  std::vector<std::unique_ptr<Scheduler>> schedulers_;
};

TEST_P(SchedulerTest, TwoHubsOnOneDatabaseStartOneRunPerPeriod) {
  // A second hub process: its own store (connections) on the same database.
  auto other_store = db_->open();
  ASSERT_TRUE(other_store.ok()) << other_store.error().message;
  other_store_ = std::move(*other_store);
  Engine& a = engine();
  Engine& b = engine(fast_options(), other_store_.get());
  Scheduler& first = scheduler(a);
  Scheduler& second = scheduler(b, other_store_.get());
  ASSERT_TRUE(a.start().ok());
  ASSERT_TRUE(b.start().ok());

  std::atomic<int> started{0}, failed{0};
  auto pass = [&started, &failed](Scheduler& s) {
    for (int i = 0; i < 5; ++i) {
      auto runs = s.run_due();
      if (!runs.ok()) {
        ++failed;
        continue;
      }
      started += static_cast<int>(runs->size());
    }
  };
  std::thread t1(pass, std::ref(first));
  std::thread t2(pass, std::ref(second));
  t1.join();
  t2.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(started.load(), 1);
  // The firing of 2025-03-01 02:00 Riyadh covers 2025-02-28.
  EXPECT_EQ(periods(), std::vector<std::string>{"2025-02-28"});
  EXPECT_EQ(runs_of_daily(), 1);
  ASSERT_TRUE(eventually([this] { return called_periods().size() == 1; }));
  EXPECT_EQ(called_periods(), std::multiset<std::string>{"2025-02-28"});
}

TEST_P(SchedulerTest, EachMissedPeriodRunsOnceAfterDowntime) {
  Engine& e = engine();
  ASSERT_TRUE(e.start().ok());
  auto first = scheduler(e).run_due();
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ(first->front().period, "2025-02-28");

  // Down for three days; a restarted hub (a new scheduler) runs the three
  // periods it missed, oldest first, once each.
  now_ms_ = kMarch1Noon + 3 * kDay;
  auto restarted = scheduler(e).run_due();
  ASSERT_TRUE(restarted.ok()) << restarted.error().message;
  std::vector<std::string> started;
  for (const auto& r : *restarted) started.push_back(r.period);
  EXPECT_EQ(started, (std::vector<std::string>{"2025-03-01", "2025-03-02", "2025-03-03"}));
  auto again = scheduler(e).run_due();
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());
  EXPECT_EQ(runs_of_daily(), 4);
  ASSERT_TRUE(eventually([this] { return called_periods().size() == 4; }));
  EXPECT_EQ(called_periods(),
            (std::multiset<std::string>{"2025-02-28", "2025-03-01", "2025-03-02", "2025-03-03"}));
}

TEST_P(SchedulerTest, RunNowStartsAPeriodOnceAndTheScheduleKeepsItsKey) {
  Engine& e = engine(EngineOptions{.workers = 0});
  Scheduler& s = scheduler(e);
  auto now = s.run_now("daily", "f1", "");
  ASSERT_TRUE(now.ok()) << now.error().message;
  EXPECT_TRUE(now->started);
  EXPECT_EQ(now->period, "2025-02-28");
  // The schedule finds the period taken: no second run.
  auto due = s.run_due();
  ASSERT_TRUE(due.ok());
  EXPECT_TRUE(due->empty());
  auto repeat = s.run_now("daily", "f1", "2025-02-28");
  ASSERT_TRUE(repeat.ok());
  EXPECT_FALSE(repeat->started);
  EXPECT_EQ(repeat->run_id, now->run_id);
  auto older = s.run_now("daily", "f1", "2025-02-10");
  ASSERT_TRUE(older.ok());
  EXPECT_TRUE(older->started);
  EXPECT_EQ(runs_of_daily(), 2);

  EXPECT_EQ(s.run_now("daily", "f1", "2025-02").error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.run_now("daily", "f9", "").error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_EQ(s.run_now("nothing", "f1", "").error().code, sdk::ErrorCode::kNotFound);
}

TEST_P(SchedulerTest, AFacilityWithoutTheRolesBoundIsNotScheduled) {
  Engine& e = engine(EngineOptions{.workers = 0});
  auto due = scheduler(e, nullptr, {"video"}).run_due();
  ASSERT_TRUE(due.ok());
  EXPECT_TRUE(due->empty());
  EXPECT_TRUE(periods().empty());
}

TEST_P(SchedulerTest, OverdueNamesTheLatestDuePeriodWithoutASucceededRun) {
  using std::chrono::hours;
  EngineOptions options{.workers = 0};
  options.clock = [this] { return Clock::time_point(std::chrono::milliseconds(now_ms_.load())); };
  Engine& e = engine(options);
  Scheduler& s = scheduler(e);
  // Never fired on this database: nothing is overdue.
  auto none = s.overdue(hours(2));
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_TRUE(none->empty());

  // March 1, noon in Riyadh: the 02:00 firing (for February 28) is claimed
  // and its run waits for a worker (this engine has none). Started just now,
  // it is late, not missed; three hours on, it is missed.
  ASSERT_TRUE(s.run_due().ok());
  auto late = s.overdue(hours(2));
  ASSERT_TRUE(late.ok()) << late.error().message;
  EXPECT_TRUE(late->empty());
  // With a grace of 12 hours the latest due firing is the one before: it
  // came before the schedule's first firing here, so it was never due.
  auto earlier = s.overdue(hours(12));
  ASSERT_TRUE(earlier.ok());
  EXPECT_TRUE(earlier->empty());
  now_ms_ += 3 * 3600 * 1000;
  auto waiting = s.overdue(hours(2));
  ASSERT_TRUE(waiting.ok()) << waiting.error().message;
  ASSERT_EQ(waiting->size(), 1u);
  const OverdueSchedule o = waiting->front();
  EXPECT_EQ(o.workflow, "daily");
  EXPECT_EQ(o.facility_id, "f1");
  EXPECT_EQ(o.period, "2025-02-28");
  EXPECT_FALSE(o.run_id.empty());
  EXPECT_FALSE(o.status.empty());
  EXPECT_NE(o.status, "succeeded");

  exec("UPDATE workflow_runs SET status = 'succeeded' WHERE id = $1", {o.run_id});
  auto succeeded = s.overdue(hours(2));
  ASSERT_TRUE(succeeded.ok());
  EXPECT_TRUE(succeeded->empty());
  exec("UPDATE workflow_runs SET status = 'failed' WHERE id = $1", {o.run_id});
  auto failed = s.overdue(hours(2));
  ASSERT_TRUE(failed.ok());
  ASSERT_EQ(failed->size(), 1u);
  EXPECT_EQ(failed->front().status, "failed");
  EXPECT_EQ(failed->front().run_id, o.run_id);

  // A day on and no scheduler ran: March 1's period has no run at all.
  now_ms_ = kMarch1Noon + kDay;
  auto missed = s.overdue(hours(2));
  ASSERT_TRUE(missed.ok());
  ASSERT_EQ(missed->size(), 1u);
  EXPECT_EQ(missed->front().period, "2025-03-01");
  EXPECT_TRUE(missed->front().run_id.empty());
  EXPECT_TRUE(missed->front().status.empty());
}

INSTANTIATE_TEST_SUITE_P(Stores, SchedulerTest,
                         ::testing::Values(Dialect::kSqlite, Dialect::kPostgres),
                         [](const auto& info) {
                           return storage::testing::dialect_name(info.param);
                         });

}  // namespace
}  // namespace wasl::workflow::testing
