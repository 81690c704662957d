// Bulkheads on both stores: the engine over the real PluginCapabilityInvoker
// and two instances of the counting_double plugin, ehr.a for facility f1
// and ehr.b for facility f2, each counting its calls in a file of its own.
// While every call into ehr.b hangs, the workers wait on at most half their
// number of its calls: f2's other steps are deferred (their jobs given back,
// no attempt counted), and f1's runs go on at about the pace they had
// alone. When ehr.b answers again, f2's runs resume and finish, each step
// called once. And an instance's gate refuses a call beyond its limit and
// queue without reaching the plugin or its health.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include "hub/plugin_host/plugin_host.hpp"
#include "hub/storage/sqlite/sqlite_store.hpp"
#include "hub/workflow/plugin_capability_invoker.hpp"
#include "tests/unit/workflow/engine_fixture.hpp"

namespace wasl::workflow::testing {
namespace {

using nlohmann::json;
using storage::Dialect;
using Clock = std::chrono::steady_clock;

const char* kChart = R"(name: chart
version: 1
trigger:
  kind: api
steps:
  - id: one
    call: ehr.read_patient
    with:
      id: ${trigger.patient}
  - id: two
    call: ehr.read_patient
    with:
      id: ${trigger.patient}
  - id: three
    call: ehr.read_patient
    with:
      id: ${trigger.patient}
)";

class BulkheadTest : public EngineFixture {
 protected:
  void SetUp() override {
    EngineFixture::SetUp();
    exec("INSERT INTO facilities (id, name, created_at, updated_at) VALUES ('f2', 'F2', 0, 0)");
    dir_ = std::filesystem::temp_directory_path() /
           ("wasl_bulkhead_" + std::to_string(::getpid()) + "_" +
            std::to_string(Clock::now().time_since_epoch().count()));
    std::filesystem::create_directories(dir_);
    ASSERT_NO_FATAL_FAILURE(load_host(8, 16));
    for (const char* name : {"ehr.a", "ehr.b"}) {
      storage::SqliteOptions options;
      options.path = effects_path(name);
      auto opened = storage::SqliteStore::open(options);
      ASSERT_TRUE(opened.ok()) << opened.error().message;
      effects_[name] = std::move(opened).value();
    }
    deploy(kChart);
  }

  void TearDown() override {
    release_b();
    EngineFixture::TearDown();
    effects_.clear();
    host_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // The plugin host with ehr.a and ehr.b, each with this bulkhead.
  void load_host(int max_concurrent_calls, int max_queued_calls) {
    config::Config config;
    config.plugins.files.push_back(
        {"counting_double", std::string(WASL_WORKFLOW_DOUBLES_DIR) + "/libwasl_counting_double.so",
         "", 0});
    for (const char* name : {"ehr.a", "ehr.b"}) {
      config::InstanceConfig instance;
      instance.name = name;
      instance.plugin = "counting_double";
      instance.settings = {{"effects_db", effects_path(name)}};
      instance.max_concurrent_calls = max_concurrent_calls;
      instance.max_queued_calls = max_queued_calls;
      config.instances[name] = instance;
    }
    host_.reset();
    auto host = plugin_host::PluginHost::load(config, metrics_);
    ASSERT_TRUE(host.ok()) << host.error().message;
    host_ = std::move(host).value();
  }

  std::string effects_path(const std::string& instance) const {
    return (dir_ / (instance + ".db")).string();
  }

  sdk::Result<storage::Rows> effects(const std::string& instance, const std::string& sql) {
    WASL_ASSIGN_OR_RETURN(auto tx, effects_.at(instance)->begin());
    WASL_ASSIGN_OR_RETURN(auto rows, tx->query(sql, {}));
    WASL_RETURN_IF_ERROR(tx->commit());
    return rows;
  }

  // Every call into ehr.b blocks until release_b().
  void hang_b() {
    auto done = effects("ehr.b",
                        "INSERT INTO control (method, mode, remaining) VALUES "
                        "('*', 'stall', 1)");
    ASSERT_TRUE(done.ok()) << done.error().message;
  }
  void release_b() {
    if (effects_.count("ehr.b") == 0) return;
    auto done = effects("ehr.b", "DELETE FROM control");
    EXPECT_TRUE(done.ok()) << done.error().message;
  }

  Engine& bulkhead_engine() {
    EngineOptions o = fast_options();
    o.workers = 4;  // at most 2 of them wait on one instance
    o.default_call_timeout = std::chrono::seconds(120);
    o.slow_call = std::chrono::milliseconds(300);
    o.busy_retry = std::chrono::milliseconds(200);
    o.busy_recheck = std::chrono::milliseconds(10);
    return engine(o, nullptr,
                  std::make_shared<PluginCapabilityInvoker>(
                      *host_, PluginCapabilityInvoker::Bindings{{"f1", {{"ehr", "ehr.a"}}},
                                                                {"f2", {{"ehr", "ehr.b"}}}}));
  }

  std::vector<std::string> start_runs(Engine& e, const std::string& facility, int count,
                                      const std::string& prefix) {
    std::vector<std::string> ids;
    for (int i = 0; i < count; ++i) {
      StartRunRequest r;
      r.workflow = "chart";
      r.facility_id = facility;
      r.trigger = json{{"patient", prefix + std::to_string(i)}};
      auto id = e.start_run(r);
      EXPECT_TRUE(id.ok()) << id.error().message;
      if (id.ok()) ids.push_back(*id);
    }
    return ids;
  }

  std::int64_t count(const std::string& sql, const storage::Params& params = {}) {
    auto rows = query(sql, params);
    return rows.empty() ? -1 : rows.front().get_int(0).value_or(-1);
  }

  // Waits until at least `runs` runs of `facility` succeeded; false when
  // they have not by the deadline.
  bool succeeded_within(const std::string& facility, std::int64_t runs,
                        std::chrono::milliseconds deadline) {
    const auto until = Clock::now() + deadline;
    while (Clock::now() < until) {
      if (count("SELECT COUNT(*) FROM workflow_runs WHERE facility_id = $1 AND status = "
                "'succeeded'",
                {facility}) >= runs) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }

  plugin_host::CallLoad load_of(const std::string& instance) {
    auto loaded = host_->instance(instance);
    EXPECT_TRUE(loaded.ok());
    return loaded.ok() ? (*loaded)->load() : plugin_host::CallLoad{};
  }

  std::filesystem::path dir_;
  std::unique_ptr<plugin_host::PluginHost> host_;
  std::map<std::string, std::unique_ptr<storage::Store>> effects_;
};

TEST_P(BulkheadTest, AHangingInstanceHoldsHalfTheWorkersAndTheOtherFacilityGoesOn) {
  constexpr int kRuns = 30;
  constexpr int kHung = 12;
  Engine& e = bulkhead_engine();
  ASSERT_TRUE(e.start().ok());

  // f1 alone.
  auto started = Clock::now();
  start_runs(e, "f1", kRuns, "alone-");
  ASSERT_TRUE(succeeded_within("f1", kRuns, std::chrono::seconds(60)));
  const auto alone = Clock::now() - started;

  // ehr.b hangs; f2's runs take the workers' share of it and wait there.
  hang_b();
  const auto hung = start_runs(e, "f2", kHung, "hung-");
  const auto until = Clock::now() + std::chrono::seconds(20);
  while (load_of("ehr.b").in_flight < 2 && Clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(load_of("ehr.b").in_flight, 2);

  // f1 again, beside the hanging instance.
  started = Clock::now();
  start_runs(e, "f1", kRuns, "beside-");
  ASSERT_TRUE(succeeded_within("f1", 2 * kRuns, std::chrono::seconds(60)))
      << "f1's runs did not finish while ehr.b hung";
  const auto beside = Clock::now() - started;
  std::cout << "[ bulkhead ] " << kRuns << " runs alone "
            << std::chrono::duration_cast<std::chrono::milliseconds>(alone).count()
            << " ms, beside a hanging instance "
            << std::chrono::duration_cast<std::chrono::milliseconds>(beside).count() << " ms\n";
  // A generous bound for a loaded machine; without the bulkhead the four
  // workers wait on ehr.b and f1's runs do not finish at all.
  EXPECT_LT(beside, 4 * alone + std::chrono::seconds(3))
      << "alone " << std::chrono::duration_cast<std::chrono::milliseconds>(alone).count()
      << " ms, beside a hanging instance "
      << std::chrono::duration_cast<std::chrono::milliseconds>(beside).count() << " ms";
  // The workers never waited on more than half their number of ehr.b's calls.
  EXPECT_EQ(load_of("ehr.b").in_flight, 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM workflow_runs WHERE facility_id = 'f2' AND status = "
                  "'succeeded'"),
            0);
  EXPECT_NE(metrics_.render().find("wasl_workflow_steps_deferred_total{instance=\"ehr.b\"}"),
            std::string::npos);

  // ehr.b answers again: f2's runs resume and finish, each step called once.
  release_b();
  ASSERT_TRUE(succeeded_within("f2", kHung, std::chrono::seconds(60)));
  for (const auto& run : hung) {
    EXPECT_EQ(wait_status(e, run).status, "succeeded") << run;
  }
  auto calls = effects("ehr.b", "SELECT COUNT(*), COALESCE(MAX(calls), 0) FROM effects");
  ASSERT_TRUE(calls.ok()) << calls.error().message;
  EXPECT_EQ(calls->front().get_int(0).value_or(-1), kHung * 3);
  EXPECT_EQ(calls->front().get_int(1).value_or(-1), 1);
  // Deferred steps were never attempts: each step has one.
  EXPECT_EQ(count("SELECT COUNT(*) FROM workflow_steps s JOIN workflow_runs r ON r.id = s.run_id "
                  "WHERE r.facility_id = 'f2'"),
            kHung * 3);
}

TEST_P(BulkheadTest, AnInstanceRefusesACallBeyondItsLimitAndQueueWithoutCallingIt) {
  ASSERT_NO_FATAL_FAILURE(load_host(1, 0));
  auto b = host_->instance("ehr.b");
  ASSERT_TRUE(b.ok()) << b.error().message;
  hang_b();
  std::thread first([&] {
    auto answered = (*b)->call("ehr.read_patient", json{{"id", "p1"}, {"idempotency_key", "k1"}});
    EXPECT_TRUE(answered.ok()) << answered.error().message;
  });
  const auto until = Clock::now() + std::chrono::seconds(20);
  while ((*b)->load().in_flight < 1 && Clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ((*b)->load().in_flight, 1);

  auto refused = (*b)->call("ehr.read_patient", json{{"id", "p2"}, {"idempotency_key", "k2"}});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, sdk::ErrorCode::kUnavailable);
  EXPECT_TRUE(refused.error().retryable);
  EXPECT_TRUE(refused.error().deferred);
  EXPECT_EQ(refused.error().retry_after, std::chrono::milliseconds(1000));
  EXPECT_NE(refused.error().message.find("instances.ehr.b.max_concurrent_calls"), std::string::npos)
      << refused.error().message;
  // Busy is not failing: the refusal is not in the instance's health, and
  // another instance is not affected.
  EXPECT_EQ(host_->health().view("ehr.b").state, "unknown");
  EXPECT_NE(metrics_.render().find("wasl_plugin_calls_refused_total{instance=\"ehr.b\"} 1"),
            std::string::npos);
  auto other = host_->instance("ehr.a");
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(
      (*other)->call("ehr.read_patient", json{{"id", "p3"}, {"idempotency_key", "k3"}}).ok());

  release_b();
  first.join();
  auto calls = effects("ehr.b", "SELECT key FROM effects ORDER BY key");
  ASSERT_TRUE(calls.ok()) << calls.error().message;
  ASSERT_EQ(calls->size(), 1u) << "the refused call never reached the plugin";
  EXPECT_EQ(calls->front().get_text(0).value_or(""), "k1");
}

INSTANTIATE_TEST_SUITE_P(Stores, BulkheadTest,
                         ::testing::Values(Dialect::kSqlite, Dialect::kPostgres),
                         [](const auto& info) {
                           return storage::testing::dialect_name(info.param);
                         });

}  // namespace
}  // namespace wasl::workflow::testing
