// TaskRunner and the task functions of JobQueue on both stores: a task asked
// for twice is one row, asked again while it runs it runs once more, its
// settlement commits with its deletion (and not at all when the task was
// taken over), a retryable failure is retried after its backoff and given up
// after the last attempt, and stop() cancels a run in progress through its
// call budget.
#include "hub/jobs/task_runner.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "hub/jobs/job_queue.hpp"
#include "hub/plugin_host/call_budget.hpp"
#include "hub/storage/migrator.hpp"
#include "tests/unit/storage/status_matchers.hpp"
#include "tests/unit/storage/test_database.hpp"

namespace wasl::jobs {
namespace {

using storage::Dialect;
using storage::Params;
using namespace std::chrono_literals;

constexpr const char* kKind = "task.test";

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A handler whose run() does what the test says; every run is counted, and
// give_up() and the settlements write rows of task_effects, so the test sees
// what committed.
class ScriptedHandler final : public TaskHandler {
 public:
  std::function<sdk::Status(const Task&)> on_run = [](const Task&) { return sdk::Status(); };
  // The settlement's note; a settlement error when `settlement_fails`.
  bool settlement_fails = false;

  sdk::Result<TaskSettlement> run(const Task& task) override {
    {
      std::lock_guard lock(mutex_);
      ++runs_;
      last_ = task;
    }
    runs_changed_.notify_all();
    WASL_RETURN_IF_ERROR(on_run(task));
    const bool fail = settlement_fails;
    return TaskSettlement([task, fail](storage::Transaction& tx) -> sdk::Status {
      WASL_RETURN_IF_ERROR(tx.exec("INSERT INTO task_effects (id, note) VALUES ($1, $2)",
                                   Params{task.key, "done " + task.payload.dump()}));
      if (fail) return sdk::Error(sdk::ErrorCode::kConflict, "settlement failed", true);
      return {};
    });
  }
  sdk::Status give_up(storage::Transaction& tx, const Task& task,
                      const sdk::Error& error) override {
    WASL_RETURN_IF_ERROR(tx.exec("INSERT INTO task_effects (id, note) VALUES ($1, $2)",
                                 Params{task.key, "gave up: " + error.message}));
    return {};
  }
  void settled(const Task&) override { settled_.fetch_add(1); }

  int runs() {
    std::lock_guard lock(mutex_);
    return runs_;
  }
  Task last() {
    std::lock_guard lock(mutex_);
    return last_;
  }
  // Waits until run() has been entered `n` times; false after 10 s.
  bool wait_runs(int n) {
    std::unique_lock lock(mutex_);
    return runs_changed_.wait_for(lock, 10s, [&] { return runs_ >= n; });
  }
  int settled() const { return settled_.load(); }

 private:
  std::mutex mutex_;
  std::condition_variable runs_changed_;
  int runs_ = 0;
  Task last_;
  std::atomic<int> settled_{0};
};

class TaskRunnerTest : public ::testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override {
    auto db =
        storage::testing::TestDatabase::create(GetParam(), storage::testing::Contents::kMigrated);
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(db).value();
    auto store = db_->open();
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(store).value();
    exec("CREATE TABLE task_effects (id TEXT NOT NULL, note TEXT NOT NULL)");
    handler_ = std::make_shared<ScriptedHandler>();
  }

  std::unique_ptr<TaskRunner> runner(int max_attempts = 3) {
    TaskRunnerOptions options;
    options.threads = 1;
    options.max_attempts = max_attempts;
    options.initial_backoff = 60s;
    options.poll_interval = 50ms;
    auto r = std::make_unique<TaskRunner>(*store_, options);
    EXPECT_OK(r->handle(kKind, handler_));
    return r;
  }

  void request(const std::string& key, const nlohmann::json& payload, std::int64_t at = 0) {
    auto tx = store_->begin(storage::TxMode::kReadWrite);
    ASSERT_TRUE(tx.ok()) << tx.error().message;
    const std::int64_t now = at != 0 ? at : wall_ms();
    ASSERT_OK(JobQueue::request_task(**tx, kKind, key, payload, now, now));
    ASSERT_OK((*tx)->commit());
  }

  void exec(const std::string& sql, const Params& params = {}) {
    auto tx = store_->begin(storage::TxMode::kReadWrite);
    ASSERT_TRUE(tx.ok()) << tx.error().message;
    ASSERT_OK((*tx)->exec(sql, params));
    ASSERT_OK((*tx)->commit());
  }

  storage::Rows query(const std::string& sql, const Params& params = {}) {
    auto tx = store_->begin(storage::TxMode::kReadOnly);
    EXPECT_TRUE(tx.ok());
    if (!tx.ok()) return {};
    auto rows = (*tx)->query(sql, params);
    EXPECT_TRUE(rows.ok()) << rows.error().message;
    return rows.ok() ? *rows : storage::Rows{};
  }

  std::int64_t count(const std::string& sql, const Params& params = {}) {
    auto rows = query(sql, params);
    if (rows.empty()) return -1;
    auto n = rows[0].get_int(0);
    return n.ok() ? *n : -1;
  }

  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::unique_ptr<storage::Store> store_;
  std::shared_ptr<ScriptedHandler> handler_;
};

TEST_P(TaskRunnerTest, ATaskAskedForTwiceIsOneRowRunOnceWithTheLatestPayload) {
  request("task.test/a", {{"n", 1}});
  request("task.test/a", {{"n", 2}});
  EXPECT_EQ(count("SELECT COUNT(*) FROM jobs WHERE id = 'task.test/a'"), 1);
  EXPECT_EQ(count("SELECT requests FROM jobs WHERE id = 'task.test/a'"), 1);

  auto r = runner();
  ASSERT_OK_AND_ASSIGN(bool ran, r->run_once());
  EXPECT_TRUE(ran);
  EXPECT_EQ(handler_->runs(), 1);
  EXPECT_EQ(handler_->last().payload, nlohmann::json({{"n", 2}}));
  EXPECT_EQ(handler_->last().attempt, 1);
  EXPECT_EQ(handler_->settled(), 1);
  // The settlement committed with the row's deletion.
  EXPECT_EQ(count("SELECT COUNT(*) FROM jobs"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM task_effects WHERE note = 'done {\"n\":2}'"), 1);
  ASSERT_OK_AND_ASSIGN(bool again, r->run_once());
  EXPECT_FALSE(again);
}

TEST_P(TaskRunnerTest, ATaskAskedForAgainWhileItRunsRunsOnceMore) {
  request("task.test/b", {{"n", 1}});
  handler_->on_run = [this](const Task& task) -> sdk::Status {
    if (task.payload["n"] == 1) request("task.test/b", {{"n", 2}});
    return {};
  };
  auto r = runner();
  ASSERT_OK_AND_ASSIGN(bool first, r->run_once());
  ASSERT_TRUE(first);
  // Its first run settled, but the row stays, released and due now.
  EXPECT_EQ(count("SELECT COUNT(*) FROM task_effects"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM jobs WHERE id = 'task.test/b' AND lease_owner IS NULL"), 1);
  ASSERT_OK_AND_ASSIGN(bool second, r->run_once());
  ASSERT_TRUE(second);
  EXPECT_EQ(handler_->runs(), 2);
  EXPECT_EQ(handler_->last().payload, nlohmann::json({{"n", 2}}));
  EXPECT_EQ(count("SELECT COUNT(*) FROM jobs"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM task_effects"), 2);
}

TEST_P(TaskRunnerTest, ARetryableFailureWaitsItsBackoffAndTheLastAttemptGivesUp) {
  request("task.test/c", {{"n", 1}});
  handler_->on_run = [](const Task&) -> sdk::Status {
    return sdk::Error(sdk::ErrorCode::kUnavailable, "the provider is down", true);
  };
  auto r = runner(/*max_attempts=*/2);
  const std::int64_t before = wall_ms();
  ASSERT_OK_AND_ASSIGN(bool ran, r->run_once());
  ASSERT_TRUE(ran);
  // Retried no sooner than the first backoff (60 s), its error kept.
  auto rows = query("SELECT run_at, last_error, lease_owner FROM jobs WHERE id = 'task.test/c'");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_GE(*rows[0].get_int("run_at"), before + 60'000);
  EXPECT_EQ(*rows[0].get_text("last_error"), "the provider is down");
  EXPECT_TRUE(rows[0].is_null("lease_owner"));
  ASSERT_OK_AND_ASSIGN(bool early, r->run_once());
  EXPECT_FALSE(early);
  EXPECT_EQ(count("SELECT COUNT(*) FROM task_effects"), 0);

  exec("UPDATE jobs SET run_at = 0 WHERE id = 'task.test/c'");
  ASSERT_OK_AND_ASSIGN(bool last, r->run_once());
  ASSERT_TRUE(last);
  EXPECT_EQ(handler_->runs(), 2);
  EXPECT_EQ(handler_->last().attempt, 2);
  // Given up: give_up() wrote in the transaction that deleted the row.
  EXPECT_EQ(count("SELECT COUNT(*) FROM jobs"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM task_effects WHERE note = 'gave up: the provider is down'"),
            1);
  EXPECT_EQ(handler_->settled(), 0);
}

TEST_P(TaskRunnerTest, AnErrorThatIsNotRetryableGivesUpAtOnce) {
  request("task.test/d", {{"n", 1}});
  handler_->on_run = [](const Task&) -> sdk::Status {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument, "the answer cannot be read", false);
  };
  auto r = runner();
  ASSERT_OK_AND_ASSIGN(bool ran, r->run_once());
  ASSERT_TRUE(ran);
  EXPECT_EQ(count("SELECT COUNT(*) FROM jobs"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM task_effects WHERE note LIKE 'gave up:%'"), 1);
}

TEST_P(TaskRunnerTest, ASettlementThatFailsWritesNothingAndTheTaskIsTriedAgain) {
  request("task.test/e", {{"n", 1}});
  handler_->settlement_fails = true;
  auto r = runner();
  ASSERT_OK_AND_ASSIGN(bool ran, r->run_once());
  ASSERT_TRUE(ran);
  EXPECT_EQ(count("SELECT COUNT(*) FROM task_effects"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM jobs WHERE last_error = 'settlement failed'"), 1);
  EXPECT_EQ(handler_->settled(), 0);
}

TEST_P(TaskRunnerTest, ATaskTakenOverMeanwhileIsLeftToItsNewHolder) {
  request("task.test/f", {{"n", 1}});
  handler_->on_run = [this](const Task&) -> sdk::Status {
    // Another runner's claim after this one's lease lapsed.
    exec("UPDATE jobs SET lease_owner = 'another-runner/1' WHERE id = 'task.test/f'");
    return {};
  };
  auto r = runner();
  ASSERT_OK_AND_ASSIGN(bool ran, r->run_once());
  ASSERT_TRUE(ran);
  EXPECT_EQ(count("SELECT COUNT(*) FROM task_effects"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM jobs WHERE lease_owner = 'another-runner/1'"), 1);
  EXPECT_EQ(handler_->settled(), 0);
}

TEST_P(TaskRunnerTest, StopCancelsARunInProgressAndLeavesItsTaskDue) {
  std::atomic<bool> saw_cancel{false};
  handler_->on_run = [&saw_cancel](const Task&) -> sdk::Status {
    // A plugin call honouring its budget: it ends once the hub stops.
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (std::chrono::steady_clock::now() < deadline) {
      sdk::Status may = plugin_host::call_may_continue("the test's call");
      if (!may.ok()) {
        saw_cancel = may.error().code == sdk::ErrorCode::kCancelled;
        return may;
      }
      std::this_thread::sleep_for(5ms);
    }
    return sdk::Error(sdk::ErrorCode::kDeadlineExceeded, "never cancelled", false);
  };
  auto r = runner();
  ASSERT_OK(r->start());
  request("task.test/g", {{"n", 1}});
  r->wake();
  ASSERT_TRUE(handler_->wait_runs(1));
  r->stop();
  EXPECT_TRUE(saw_cancel.load());
  // Not given up: released, due at once for the next runner.
  EXPECT_EQ(count("SELECT COUNT(*) FROM task_effects"), 0);
  auto rows = query("SELECT run_at, lease_owner FROM jobs WHERE id = 'task.test/g'");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(rows[0].is_null("lease_owner"));
  EXPECT_LE(*rows[0].get_int("run_at"), wall_ms());
}

TEST_P(TaskRunnerTest, AStartedRunnerTakesATaskAsSoonAsItIsWoken) {
  auto r = runner();
  ASSERT_OK(r->start());
  request("task.test/h", {{"n", 1}});
  r->wake();
  ASSERT_TRUE(handler_->wait_runs(1));
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (count("SELECT COUNT(*) FROM jobs") != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM jobs"), 0);
  r->stop();
}

// A provider that hangs holds only its instance's share of the runner: with
// two threads (a share of one each), every task of another instance runs
// while one of the hanging instance's is held, and its other tasks wait,
// deferred, their attempts not spent.
TEST_P(TaskRunnerTest, AHangingInstanceHoldsOnlyItsShareOfTheThreads) {
  std::mutex mutex;
  std::condition_variable released_cv;
  bool released = false;
  std::atomic<int> hanging_now{0};
  std::atomic<int> hanging_most{0};
  handler_->on_run = [&](const Task& task) -> sdk::Status {
    if (task.payload.value("instance", "") != "ehr.hanging") return {};
    const int now = ++hanging_now;
    int most = hanging_most.load();
    while (now > most && !hanging_most.compare_exchange_weak(most, now)) {
    }
    std::unique_lock lock(mutex);
    released_cv.wait_for(lock, 20s, [&] { return released; });
    --hanging_now;
    return {};
  };
  TaskRunnerOptions options;
  options.threads = 2;
  options.poll_interval = 20ms;
  options.busy_retry = 50ms;
  options.initial_backoff = 60s;
  TaskRunner r(*store_, options);
  ASSERT_OK(r.handle(kKind, handler_));
  for (int i = 0; i < 3; ++i) {
    request("task.test/hang-" + std::to_string(i), {{"instance", "ehr.hanging"}});
  }
  ASSERT_OK(r.start());
  for (int i = 0; i < 10; ++i) {
    request("task.test/ok-" + std::to_string(i), {{"instance", "ehr.fine"}});
  }
  r.wake();
  auto until = [&](const std::string& sql, std::int64_t n) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (count(sql) != n && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(10ms);
    }
    return count(sql) == n;
  };
  EXPECT_TRUE(until("SELECT COUNT(*) FROM task_effects WHERE id LIKE 'task.test/ok-%'", 10));
  EXPECT_EQ(hanging_now.load(), 1);
  // The hanging instance's others are waiting, none of their runs spent.
  EXPECT_TRUE(
      until("SELECT COUNT(*) FROM jobs WHERE id LIKE 'task.test/hang-%' "
            "AND lease_owner IS NULL AND attempts = 0",
            2));
  {
    std::lock_guard lock(mutex);
    released = true;
  }
  released_cv.notify_all();
  EXPECT_TRUE(until("SELECT COUNT(*) FROM task_effects WHERE id LIKE 'task.test/hang-%'", 3));
  EXPECT_EQ(hanging_most.load(), 1);
  r.stop();
}

TEST_P(TaskRunnerTest, HandlersAreOnePerTaskKind) {
  TaskRunner r(*store_, {});
  EXPECT_OK(r.handle("task.one", handler_));
  EXPECT_EQ(r.handle("task.one", handler_).error().code, sdk::ErrorCode::kAlreadyExists);
  EXPECT_EQ(r.handle("workflow.call", handler_).error().code, sdk::ErrorCode::kInvalidArgument);
  ASSERT_OK(r.start());
  EXPECT_EQ(r.handle("task.two", handler_).error().code, sdk::ErrorCode::kFailedPrecondition);
  r.stop();
}

INSTANTIATE_TEST_SUITE_P(Stores, TaskRunnerTest,
                         ::testing::Values(Dialect::kSqlite, Dialect::kPostgres),
                         [](const auto& info) {
                           return storage::testing::dialect_name(info.param);
                         });

}  // namespace
}  // namespace wasl::jobs
