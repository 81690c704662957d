// The workflow engine's crash proof, on the real `wasl serve`: a few hundred
// runs in flight, the hub killed with SIGKILL mid-way, restarted, and every
// run completes with each outside effect counted exactly once by the
// counting_double test plugin (one effects row per idempotency key, one
// succeeded attempt per step). Once on SQLite, once on PostgreSQL. On
// PostgreSQL also two hubs sharing the work, and one of them cut off from
// the database past its lease (a fault of the reliability suite, kept here
// beside its kill -9 sibling).
//
// Runs are started through Engine::start_run on the database the binary uses
// (the same rows POST /v1/workflows/{name}/runs writes).
#include <signal.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "hub/crypto/keyring.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/storage/migrator.hpp"
#include "hub/storage/store.hpp"
#include "hub/workflow/definition_store.hpp"
#include "hub/workflow/engine.hpp"
#include "hub/workflow/hub_actions.hpp"
#include "hub/workflow/idempotency_key.hpp"
#include "tests/integration/hub_process.hpp"
#include "tests/unit/storage/tcp_proxy.hpp"

namespace wasl::workflow {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using wasl::testing::CommandResult;
using wasl::testing::HubProcess;
using wasl::testing::run_wasl;
using wasl::testing::TempDir;

constexpr int kRuns = 300;
constexpr int kPluginSteps = 5;

const char* kWorkflow = R"(name: crashproof
version: 1
trigger:
  kind: api
steps:
  - id: appointment
    call: ehr.read_appointment
    with:
      id: ${trigger.appointment_id}
  - id: patient
    call: ehr.read_patient
    with:
      id: ${steps.appointment.output.patient_id}
  - id: room
    call: video.create_room
    with:
      name: c-${trigger.appointment_id}
  - id: arrived
    call: ehr.update_appointment_status
    with:
      appointment_id: ${steps.appointment.output.id}
      status: arrived
  - id: encounter
    call: ehr.create_encounter
    with:
      appointment_id: ${steps.appointment.output.id}
      patient_id: ${steps.appointment.output.patient_id}
)";

// Never called: the engine here only starts runs (workers = 0).
class NoInvoker final : public CapabilityInvoker {
 public:
  sdk::Result<nlohmann::json> invoke(const std::string&, const std::string&, const nlohmann::json&,
                                     const std::string&) override {
    return sdk::Error(sdk::ErrorCode::kInternal, "not used");
  }
};

std::int64_t count(storage::Store& store, const std::string& sql) {
  auto tx = store.begin(storage::TxMode::kReadOnly);
  if (!tx.ok()) return -1;
  auto rows = (*tx)->query(sql);
  if (!rows.ok() || rows->empty()) return -1;
  return (*rows)[0].get_int(0).value_or(-1);
}

// The workflow's steps' effects: the billing instance is also polled for
// queued messages (billing.poll_messages, then billing.poll from a plugin
// without it) each time a hub starts, and the hub
// probes video and EHR instances for their health with calls that carry no
// idempotency key (the double files them under "none-<method>"): not steps.
constexpr char kStepEffects[] =
    "SELECT COUNT(*) FROM effects WHERE method NOT IN ('billing.poll', 'billing.poll_messages') "
    "AND key NOT LIKE 'none-%'";
constexpr char kRepeatedStepEffects[] =
    "SELECT COUNT(*) FROM effects WHERE calls > 1 AND method NOT IN ('billing.poll', "
    "'billing.poll_messages') AND key NOT LIKE 'none-%'";

std::int64_t effects_count(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return -1;
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* stmt = nullptr;
  std::int64_t out = -1;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    out = sqlite3_column_int64(stmt, 0);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

std::string keys_config(const TempDir& dir) {
  std::string path = dir.file("keys.json");
  CommandResult r = run_wasl({"keys", "generate", "--file", path});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return "security:\n  key_file: " + path + "\n";
}

// Every plugin call takes 2 ms, video calls `video_delay_ms`.
std::string plugins_config(const std::string& effects, int video_delay_ms) {
  std::string so = std::string(WASL_WORKFLOW_DOUBLES_DIR) + "/libwasl_counting_double.so";
  std::string out =
      "plugins:\n"
      "  files:\n"
      "    - name: counting_double\n"
      "      file: " +
      so +
      "\n"
      "instances:\n";
  for (const char* role : {"video", "ehr", "billing", "reporting"}) {
    out += std::string("  ") + role +
           ".double:\n"
           "    plugin: counting_double\n"
           "    settings:\n"
           "      effects_db: " +
           effects +
           "\n"
           "      delay_ms: " +
           std::to_string(std::string(role) == "video" ? video_delay_ms : 2) + "\n";
  }
  out +=
      "facilities:\n"
      "  f1:\n"
      "    name: Facility One\n"
      "    bindings:\n"
      "      video: video.double\n"
      "      ehr: ehr.double\n"
      "      billing: billing.double\n"
      "      reporting: reporting.double\n"
      "    billing:\n"
      "      provider_license: PR-FHIR\n"
      "      service_code: \"83600-00-10\"\n"
      "      price: 150\n"
      "      diagnosis_code: Z71.9\n"
      "workflow:\n"
      "  workers: 4\n"
      "  calls_per_instance: 4\n"  // each worker in a video call at once (the lease tests)
      "  lease: 2s\n"
      "  poll_interval: 50ms\n"
      "  no_show_interval: 500ms\n"
      "archive:\n"
      "  reconcile_interval: 500ms\n";
  return out;
}

class WorkflowCrashTest : public ::testing::TestWithParam<storage::Dialect> {
 protected:
  // Opens the hub's database from this process, applies migrations, deploys
  // the workflow, adds the facility and starts kRuns runs.
  void seed(storage::Store& store, const std::string& key_file, int runs) {
    auto migrated = storage::migrate(store, storage::embedded_migrations(store.dialect()));
    ASSERT_TRUE(migrated.ok()) << migrated.error().message;
    {
      auto tx = store.begin();
      ASSERT_TRUE(tx.ok());
      ASSERT_TRUE((*tx)
                      ->exec("INSERT INTO facilities (id, name, created_at, updated_at) "
                             "SELECT 'f1', 'Facility One', 0, 0 WHERE NOT EXISTS "
                             "(SELECT 1 FROM facilities WHERE id = 'f1')")
                      .ok());
      ASSERT_TRUE((*tx)->commit().ok());
    }
    DefinitionStore definitions(store);
    ASSERT_TRUE(definitions.deploy_source(kWorkflow, "crashproof.yaml", "test").ok());
    HubActions actions;
    observability::Metrics metrics;
    EngineOptions options;
    options.workers = 0;
    // Runs are written as the hub writes them: payloads encrypted under the
    // hub's key ring.
    auto keyring = crypto::load_keyring(key_file);
    ASSERT_TRUE(keyring.ok()) << keyring.error().message;
    records::CellCipher cipher(*keyring);
    Engine engine(store, definitions, std::make_shared<NoInvoker>(), actions, metrics, options,
                  &cipher);
    for (int i = 0; i < runs; ++i) {
      StartRunRequest request;
      request.workflow = "crashproof";
      request.facility_id = "f1";
      request.trigger = {{"appointment_id", "A" + std::to_string(i)}};
      auto id = engine.start_run(request);
      ASSERT_TRUE(id.ok()) << id.error().message;
    }
  }

  void crash_and_recover(const std::string& config_path, storage::Store& store,
                         const std::string& effects) {
    const std::int64_t total_steps = std::int64_t{kRuns} * kPluginSteps;
    {
      HubProcess hub(config_path);
      ASSERT_TRUE(hub.wait_until_listening(milliseconds(30000))) << hub.log();
      // Kill it once a third of the steps have succeeded.
      auto until = std::chrono::steady_clock::now() + seconds(120);
      std::int64_t done = 0;
      while (std::chrono::steady_clock::now() < until) {
        done = count(store, "SELECT COUNT(*) FROM workflow_steps WHERE status = 'succeeded'");
        if (done >= total_steps / 3) break;
        std::this_thread::sleep_for(milliseconds(10));
      }
      ASSERT_GE(done, total_steps / 3) << "the hub ran no workflow steps:\n" << hub.log();
      ASSERT_LT(done, total_steps) << "every run finished before the kill";
      hub.signal(SIGKILL);
      ASSERT_TRUE(hub.wait_for_exit(milliseconds(10000)).has_value());
    }
    EXPECT_LT(count(store, "SELECT COUNT(*) FROM workflow_runs WHERE status = 'succeeded'"), kRuns);
    {
      HubProcess hub(config_path);
      ASSERT_TRUE(hub.wait_until_listening(milliseconds(30000))) << hub.log();
      auto until = std::chrono::steady_clock::now() + seconds(180);
      std::int64_t succeeded = 0;
      while (std::chrono::steady_clock::now() < until) {
        succeeded = count(store, "SELECT COUNT(*) FROM workflow_runs WHERE status = 'succeeded'");
        if (succeeded == kRuns) break;
        std::this_thread::sleep_for(milliseconds(50));
      }
      EXPECT_EQ(succeeded, kRuns) << hub.log();
      hub.signal(SIGTERM);
      hub.wait_for_exit(milliseconds(30000));
    }
    // Every step of every run succeeded exactly once…
    EXPECT_EQ(count(store, "SELECT COUNT(*) FROM workflow_steps WHERE status = 'succeeded'"),
              total_steps);
    EXPECT_EQ(count(store,
                    "SELECT COUNT(*) FROM (SELECT run_id, step_id FROM workflow_steps "
                    "WHERE status = 'succeeded' GROUP BY run_id, step_id "
                    "HAVING COUNT(*) > 1) AS doubled"),
              0);
    EXPECT_EQ(count(store, "SELECT COUNT(*) FROM jobs"), 0);
    // …and the plugin saw one key per (run, step): each effect exactly once,
    // however many times an interrupted call was repeated.
    EXPECT_EQ(effects_count(effects, kStepEffects), total_steps);
    std::int64_t calls = effects_count(effects, "SELECT COUNT(*) FROM calls");
    EXPECT_GE(calls, total_steps);
    std::int64_t repeated = effects_count(effects, kRepeatedStepEffects);
    std::cout << "[ crash    ] " << kRuns << " runs, " << total_steps << " effects, " << calls
              << " plugin calls, " << repeated << " keys repeated after the kill, "
              << count(store, "SELECT COUNT(*) FROM workflow_steps WHERE status = 'lost'")
              << " attempts lost to the kill\n";
  }
  // Writes dir/wasl.yaml for the store under test (a fresh PostgreSQL schema
  // or SQLite file), seeds `runs` runs and returns a store on the same
  // database. `postgres_extra`: more lines of storage.postgres.
  std::unique_ptr<storage::Store> prepare(const TempDir& dir, const std::string& effects,
                                          int runs = kRuns, int video_delay_ms = 2,
                                          const std::string& postgres_extra = "") {
    std::string config = keys_config(dir);
    std::unique_ptr<storage::Store> store;
    if (GetParam() == storage::Dialect::kSqlite) {
      std::string db = dir.file("var/wasl.db");
      config +=
          "server:\n  host: 127.0.0.1\n  port: 0\n"
          "storage:\n  backend: sqlite\n  migrate_on_start: true\n  sqlite:\n    path: " +
          db + "\n";
      storage::SqliteOptions o;
      o.path = db;
      auto opened = storage::open_sqlite(o);
      EXPECT_TRUE(opened.ok()) << opened.error().message;
      if (!opened.ok()) return nullptr;
      store = std::move(opened).value();
    } else {
      std::string base = wasl::testing::postgres_test_url();
      std::string schema =
          "wasl_crash_" + std::to_string(::getpid()) + "_" + std::to_string(++schemas_);
      {
        storage::PostgresOptions admin;
        admin.url = base;
        auto opened = storage::open_postgres(admin);
        EXPECT_TRUE(opened.ok()) << opened.error().message;
        if (!opened.ok()) return nullptr;
        auto tx = (*opened)->begin();
        EXPECT_TRUE(tx.ok());
        if (!tx.ok()) return nullptr;
        EXPECT_TRUE((*tx)
                        ->exec_script("DROP SCHEMA IF EXISTS " + schema +
                                      " CASCADE; "
                                      "CREATE SCHEMA " +
                                      schema)
                        .ok());
        EXPECT_TRUE((*tx)->commit().ok());
      }
      std::string url = base + (base.find('?') == std::string::npos ? "?" : "&") +
                        "options=-c%20search_path%3D" + schema;
      config +=
          "server:\n  host: 127.0.0.1\n  port: 0\n"
          "storage:\n  backend: postgres\n  migrate_on_start: true\n  postgres:\n    url: \"" +
          url + "\"\n    pool_size: 6\n" + postgres_extra;
      storage::PostgresOptions o;
      o.url = url;
      auto opened = storage::open_postgres(o);
      EXPECT_TRUE(opened.ok()) << opened.error().message;
      if (!opened.ok()) return nullptr;
      store = std::move(opened).value();
    }
    config += plugins_config(effects, video_delay_ms);
    config += "workflows_dir: " + dir.file("workflows") + "\n";
    std::filesystem::create_directories(dir.file("workflows"));
    dir.write("workflows/crashproof.yaml", kWorkflow);
    dir.write("wasl.yaml", config);
    seed(*store, dir.file("keys.json"), runs);
    return store;
  }

  int schemas_ = 0;
};

TEST_P(WorkflowCrashTest, KillNineMidwayEveryRunCompletesEachEffectOnce) {
  TempDir dir;
  std::string effects = dir.file("effects.db");
  auto store = prepare(dir, effects);
  if (HasFailure() || !store) return;
  crash_and_recover(dir.file("wasl.yaml"), *store, effects);
}

// A metric of one hub, summed over its label sets, from its /metrics.
double metric_total(int port, const std::string& name) {
  wasl::testing::HttpAnswer metrics = wasl::testing::http_get(port, "/metrics");
  double total = 0;
  std::istringstream lines(metrics.body);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(name + "{", 0) == 0 || line.rfind(name + " ", 0) == 0) {
      total += std::stod(line.substr(line.rfind(' ') + 1));
    }
  }
  return total;
}

// Steps one hub executed.
double steps_executed(int port) {
  return metric_total(port, "wasl_workflow_step_duration_seconds_count");
}

// Periods of periodic job `job` one hub ran.
double periods_run(int port, const std::string& job) {
  const std::string series = "wasl_periodic_job_periods_total{job=\"" + job + "\"} ";
  wasl::testing::HttpAnswer metrics = wasl::testing::http_get(port, "/metrics");
  std::istringstream lines(metrics.body);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(series, 0) == 0) return std::stod(line.substr(series.size()));
  }
  return 0;
}

// Two `wasl serve` processes on one database share the runs: every run
// completes, both execute steps, and no step is run twice (each idempotency
// key reaches the plugin once, as nothing crashed); their periodic jobs run
// each period once between them (PeriodLease).
// Several hub processes share PostgreSQL; a SQLite file belongs to one.
class TwoHubsTest : public WorkflowCrashTest {};

TEST_P(TwoHubsTest, TwoHubsOnOneDatabaseShareTheWork) {
  TempDir dir;
  std::string effects = dir.file("effects.db");
  auto store = prepare(dir, effects);
  if (HasFailure() || !store) return;
  // One after the other: the test double's own effects file is created by
  // the first.
  HubProcess first(dir.file("wasl.yaml"));
  auto first_port = first.wait_until_listening(milliseconds(30000));
  ASSERT_TRUE(first_port) << first.log();
  HubProcess second(dir.file("wasl.yaml"));
  auto second_port = second.wait_until_listening(milliseconds(30000));
  ASSERT_TRUE(second_port) << second.log();
  auto until = std::chrono::steady_clock::now() + seconds(180);
  std::int64_t succeeded = 0;
  while (std::chrono::steady_clock::now() < until) {
    succeeded = count(*store, "SELECT COUNT(*) FROM workflow_runs WHERE status = 'succeeded'");
    if (succeeded == kRuns) break;
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_EQ(succeeded, kRuns);
  double a = steps_executed(*first_port);
  double b = steps_executed(*second_port);
  EXPECT_GT(a, 0) << "the first hub executed no step";
  EXPECT_GT(b, 0) << "the second hub executed no step";

  // The periodic jobs of the two hubs (here every 500 ms) run one period
  // at a time between them: over a span, about one period per interval in
  // all, where each hub on its own rhythm would run two.
  for (const std::string& job :
       {std::string("archive.reconcile"), std::string("consultations.no_show")}) {
    auto periods = [&] { return periods_run(*first_port, job) + periods_run(*second_port, job); };
    const auto from = std::chrono::steady_clock::now();
    const double before = periods();
    double now = before;
    while (now - before < 10 && std::chrono::steady_clock::now() - from < seconds(30)) {
      std::this_thread::sleep_for(milliseconds(100));
      now = periods();
    }
    const double span =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - from).count();
    EXPECT_GE(now - before, 10) << job << ": too few periods in " << span << " s";
    EXPECT_LE(now - before, span / 0.5 + 2)
        << job << ": " << (now - before) << " periods in " << span << " s of 500 ms";
    std::cout << "[ periods  ] " << job << ": " << (now - before) << " in " << span << " s\n";
  }
  first.signal(SIGTERM);
  second.signal(SIGTERM);
  first.wait_for_exit(milliseconds(30000));
  second.wait_for_exit(milliseconds(30000));

  const std::int64_t total_steps = std::int64_t{kRuns} * kPluginSteps;
  EXPECT_EQ(effects_count(effects, kStepEffects), total_steps);
  EXPECT_EQ(effects_count(effects, kRepeatedStepEffects), 0) << "a step ran twice";
  EXPECT_EQ(count(*store,
                  "SELECT COUNT(*) FROM (SELECT run_id, step_id FROM workflow_steps "
                  "WHERE status = 'succeeded' GROUP BY run_id, step_id "
                  "HAVING COUNT(*) > 1) AS doubled"),
            0);
  std::cout << "[ share    ] " << kRuns << " runs: " << a << " steps in one hub, " << b
            << " in the other\n";
}

// One hub of two is cut off from the database (its connections and any it
// opens are frozen by a proxy: a partition, sockets left open) while each of
// its workers is in a video call that takes longer than the lease, and stays
// cut off for three leases. The other hub takes those jobs over once their
// leases lapse and finishes the runs; the cut-off hub cancels the calls
// whose leases it cannot renew, and when the partition heals, whatever it
// still had to write finds its job taken over and is dropped. No step
// succeeds twice, and each step reaches the plugin under one idempotency key
// (one effect at a provider that deduplicates by it), however many times an
// interrupted call was repeated.
TEST_P(TwoHubsTest, OneHubCutOffFromTheDatabasePastItsLease) {
  constexpr int kRunsHere = 4;    // one per worker
  constexpr int kVideoMs = 4000;  // twice the lease
  TempDir dir;
  std::string effects = dir.file("effects.db");
  // A statement on a frozen connection gives up after about 2 s (1 s
  // statement timeout plus the client's margin): the renewal a third into
  // the lease fails at about 2.7 s, while the video call is still running.
  auto store = prepare(dir, effects, kRunsHere, kVideoMs,
                       "    statement_timeout: 1s\n    acquire_timeout: 1s\n"
                       "    connect_timeout: 2s\n");
  if (HasFailure() || !store) return;
  const std::string base = wasl::testing::postgres_test_url();
  const std::size_t colon = base.rfind(':');
  const int pg_port = std::stoi(base.substr(colon + 1, base.find('/', colon) - colon - 1));
  storage::testing::TcpProxy proxy(pg_port);
  std::string config;
  {
    std::ifstream in(dir.file("wasl.yaml"));
    std::stringstream text;
    text << in.rdbuf();
    config = text.str();
  }
  const std::string direct = "127.0.0.1:" + std::to_string(pg_port) + "/";
  const std::size_t at = config.find(direct);
  ASSERT_NE(at, std::string::npos) << config;
  dir.write("wasl-a.yaml",
            config.replace(at, direct.size(), "127.0.0.1:" + std::to_string(proxy.port()) + "/"));

  auto steps_succeeded = [&] {
    return count(*store, "SELECT COUNT(*) FROM workflow_steps WHERE status = 'succeeded'");
  };
  HubProcess a(dir.file("wasl-a.yaml"));
  auto a_port = a.wait_until_listening(milliseconds(30000));
  ASSERT_TRUE(a_port) << a.log();
  // Once every run's video call has started at A, cut A off.
  auto in_video = [&] {
    return count(*store,
                 "SELECT COUNT(*) FROM workflow_steps WHERE step_id = 'room' AND "
                 "status = 'running'");
  };
  auto until = std::chrono::steady_clock::now() + seconds(60);
  while (in_video() < kRunsHere && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  ASSERT_EQ(in_video(), kRunsHere) << "the first hub's runs did not reach the video step:\n"
                                   << a.log();
  proxy.isolate();
  const auto cut_at = std::chrono::steady_clock::now();
  const std::int64_t steps_before_cut = steps_succeeded();

  HubProcess b(dir.file("wasl.yaml"));
  auto b_port = b.wait_until_listening(milliseconds(30000));
  ASSERT_TRUE(b_port) << b.log();
  double takeovers = 0;
  until = cut_at + seconds(60);
  while ((takeovers = metric_total(*b_port, "wasl_workflow_lease_takeovers_total")) < 1 &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_GE(takeovers, 1) << "the second hub took no job over:\n" << b.log();
  // The partition lasts three leases, then heals.
  while (std::chrono::steady_clock::now() < cut_at + seconds(6)) {
    std::this_thread::sleep_for(milliseconds(50));
  }
  proxy.thaw();

  until = std::chrono::steady_clock::now() + seconds(120);
  std::int64_t succeeded = 0;
  while (std::chrono::steady_clock::now() < until) {
    succeeded = count(*store, "SELECT COUNT(*) FROM workflow_runs WHERE status = 'succeeded'");
    if (succeeded == kRunsHere) break;
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_EQ(succeeded, kRunsHere) << a.log() << b.log();
  // A works again once it reaches the database.
  int ready = 0;
  until = std::chrono::steady_clock::now() + seconds(20);
  while ((ready = wasl::testing::http_get(*a_port, "/readyz").status) != 200 &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_EQ(ready, 200) << a.log();
  const double dropped = metric_total(*a_port, "wasl_workflow_results_dropped_total");
  takeovers = metric_total(*b_port, "wasl_workflow_lease_takeovers_total");
  const bool cancelled =
      a.log().find("could not be renewed before it lapses; the call is cancelled") !=
      std::string::npos;
  a.signal(SIGTERM);
  b.signal(SIGTERM);
  EXPECT_TRUE(a.wait_for_exit(milliseconds(30000)).has_value());
  EXPECT_TRUE(b.wait_for_exit(milliseconds(30000)).has_value());

  const std::int64_t total_steps = std::int64_t{kRunsHere} * kPluginSteps;
  EXPECT_EQ(effects_count(effects, kStepEffects), total_steps);
  EXPECT_EQ(count(*store,
                  "SELECT COUNT(*) FROM (SELECT run_id, step_id FROM workflow_steps "
                  "WHERE status = 'succeeded' GROUP BY run_id, step_id "
                  "HAVING COUNT(*) > 1) AS doubled"),
            0);
  EXPECT_EQ(steps_succeeded(), total_steps);
  EXPECT_EQ(count(*store, "SELECT COUNT(*) FROM jobs"), 0);
  const std::int64_t lost =
      count(*store, "SELECT COUNT(*) FROM workflow_steps WHERE status = 'lost'");
  EXPECT_EQ(lost, kRunsHere) << "every video call of the cut-off hub is taken over";
  EXPECT_TRUE(cancelled) << "the cut-off hub did not cancel its calls:\n" << a.log();
  std::cout << "[ cut off  ] " << kRunsHere << " runs, " << steps_before_cut
            << " steps done before the cut; " << takeovers << " jobs taken over, " << lost
            << " attempts lost, " << effects_count(effects, kRepeatedStepEffects)
            << " keys called again; the cut-off hub " << (cancelled ? "cancelled" : "cancelled no")
            << " calls it could not renew and dropped " << dropped << " late results\n";
}

INSTANTIATE_TEST_SUITE_P(Stores, TwoHubsTest, ::testing::Values(storage::Dialect::kPostgres),
                         [](const auto& info) {
                           return std::string(storage::to_string(info.param));
                         });

INSTANTIATE_TEST_SUITE_P(Stores, WorkflowCrashTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         [](const auto& info) {
                           return std::string(storage::to_string(info.param));
                         });

}  // namespace
}  // namespace wasl::workflow
