// wasl_bench_workflow: runs/s and steps/s of the workflow engine for a
// 10-step workflow of no-op calls into the counting_double test plugin (loaded
// through PluginHost, effects not recorded), beside a raw single-row
// insert-and-commit loop on the same store in the same process. The engine
// is built as `wasl serve` builds it: run, step and event payloads encrypted
// by the records' CellCipher (AES-256-GCM per cell) under a key ring made
// for the run at --key-file.
//
// Prints one line:
//   runs_per_s steps_per_s step_ms raw_commit_ms commits_per_step statements_per_step
//   step_ms             wall time per step (elapsed / steps)
//   raw_commit_ms       wall time per raw insert+commit
//   commits_per_step    read-write commits the engine made / steps
//   statements_per_step SQL statements the engine sent (all transactions) / steps
//
// usage: wasl_bench_workflow (--sqlite PATH | --postgres URL) --plugin SO
//                            --key-file PATH [--runs N] [--workers W]
//                            [--claim-batch B] [--no-chain] [--raw N]
//                            [--commit-group G] [--commit-group-leaders L]
//   --key-file       the key ring (made there when the file does not exist)
//   --no-chain       EngineOptions::chain_steps = false (one claim per step)
//   --commit-group   EngineOptions::commit_group (default as in wasl serve; 1 = off)
//   --commit-group-leaders  EngineOptions::commit_group_leaders
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <string_view>
#include <thread>

#include "hub/crypto/keyring.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/plugin_host/plugin_host.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/storage/migrator.hpp"
#include "hub/storage/store.hpp"
#include "hub/workflow/definition_store.hpp"
#include "hub/workflow/engine.hpp"
#include "hub/workflow/hub_actions.hpp"
#include "hub/workflow/plugin_capability_invoker.hpp"

namespace {

using namespace wasl;
using Clock = std::chrono::steady_clock;

// Counts the commits of read-write transactions made through it, and the
// statements of every transaction.
class CountingStore final : public storage::Store {
 public:
  explicit CountingStore(storage::Store& inner) : inner_(inner) {}

  storage::Dialect dialect() const override { return inner_.dialect(); }
  sdk::Result<std::unique_ptr<storage::Transaction>> begin(storage::TxMode mode) override {
    WASL_ASSIGN_OR_RETURN(auto tx, inner_.begin(mode));
    return std::unique_ptr<storage::Transaction>(new Counted(
        std::move(tx), mode == storage::TxMode::kReadWrite ? &commits_ : nullptr, &statements_));
  }
  sdk::Status ping() override { return inner_.ping(); }
  storage::PoolStats pool_stats() const override { return inner_.pool_stats(); }
  std::int64_t commits() const { return commits_.load(); }
  std::int64_t statements() const { return statements_.load(); }

 private:
  class Counted final : public storage::Transaction {
   public:
    Counted(std::unique_ptr<storage::Transaction> inner, std::atomic<std::int64_t>* commits,
            std::atomic<std::int64_t>* statements)
        : inner_(std::move(inner)), commits_(commits), statements_(statements) {}
    storage::Dialect dialect() const override { return inner_->dialect(); }
    sdk::Result<std::int64_t> exec(std::string_view sql, const storage::Params& p) override {
      statements_->fetch_add(1);
      return inner_->exec(sql, p);
    }
    sdk::Result<storage::Rows> query(std::string_view sql, const storage::Params& p) override {
      statements_->fetch_add(1);
      return inner_->query(sql, p);
    }
    sdk::Status exec_script(std::string_view sql) override { return inner_->exec_script(sql); }
    sdk::Status commit() override {
      auto s = inner_->commit();
      if (s.ok() && commits_ != nullptr) commits_->fetch_add(1);
      return s;
    }
    void rollback() noexcept override { inner_->rollback(); }

   private:
    std::unique_ptr<storage::Transaction> inner_;
    std::atomic<std::int64_t>* commits_;
    std::atomic<std::int64_t>* statements_;
  };

  storage::Store& inner_;
  std::atomic<std::int64_t> commits_{0};
  std::atomic<std::int64_t> statements_{0};
};

[[noreturn]] void die(const std::string& what) {
  std::cerr << "wasl_bench_workflow: " << what << "\n";
  std::exit(1);
}

template <typename T>
T must(sdk::Result<T> r, const char* what) {
  if (!r.ok()) die(std::string(what) + ": " + r.error().message);
  return std::move(r).value();
}

void must(sdk::Status s, const char* what) {
  if (!s.ok()) die(std::string(what) + ": " + s.error().message);
}

std::string workflow_text() {
  std::string text = "name: bench10\nversion: 1\ntrigger:\n  kind: api\nsteps:\n";
  for (int i = 0; i < 10; ++i) {
    text += "  - id: s" + std::to_string(i) +
            "\n    call: ehr.read_patient\n    with:\n      id: p" + std::to_string(i) + "\n";
  }
  return text;
}

double raw_commit_ms(storage::Store& store, int count) {
  {
    auto tx = must(store.begin(), "begin");
    must(tx->exec_script("CREATE TABLE IF NOT EXISTS bench_raw (id BIGINT PRIMARY KEY, v TEXT)"),
         "create bench_raw");
    must(tx->commit(), "commit");
  }
  auto start = Clock::now();
  for (int i = 0; i < count; ++i) {
    auto tx = must(store.begin(), "begin");
    must(tx->exec("INSERT INTO bench_raw (id, v) VALUES ($1, $2)",
                  {std::int64_t{i}, std::string("row")}),
         "insert");
    must(tx->commit(), "commit");
  }
  std::chrono::duration<double, std::milli> elapsed = Clock::now() - start;
  return elapsed.count() / count;
}

}  // namespace

int main(int argc, char** argv) {
  std::string sqlite_path, postgres_url, plugin, key_file;
  int runs = 300, workers = 4, raw = 1000, claim_batch = 1;
  workflow::EngineOptions defaults;
  int commit_group = defaults.commit_group, group_leaders = defaults.commit_group_leaders;
  bool chain = true;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) die("missing value after " + std::string(arg));
      return argv[++i];
    };
    if (arg == "--sqlite")
      sqlite_path = next();
    else if (arg == "--postgres")
      postgres_url = next();
    else if (arg == "--plugin")
      plugin = next();
    else if (arg == "--key-file")
      key_file = next();
    else if (arg == "--runs")
      runs = std::atoi(next().c_str());
    else if (arg == "--workers")
      workers = std::atoi(next().c_str());
    else if (arg == "--raw")
      raw = std::atoi(next().c_str());
    else if (arg == "--claim-batch")
      claim_batch = std::atoi(next().c_str());
    else if (arg == "--no-chain")
      chain = false;
    else if (arg == "--commit-group")
      commit_group = std::atoi(next().c_str());
    else if (arg == "--commit-group-leaders")
      group_leaders = std::atoi(next().c_str());
    else
      die("unknown argument " + std::string(arg));
  }
  if (sqlite_path.empty() == postgres_url.empty()) die("give exactly one of --sqlite, --postgres");
  if (plugin.empty()) die("--plugin (libwasl_counting_double.so) is required");
  if (key_file.empty()) die("--key-file PATH is required (payloads are encrypted as in serve)");
  if (!std::filesystem::exists(key_file))
    must(crypto::generate_key_file(key_file), "make key file");
  auto keyring = must(crypto::load_keyring(key_file), "load key ring");
  records::CellCipher cipher(keyring);

  std::unique_ptr<storage::Store> store;
  if (!sqlite_path.empty()) {
    storage::SqliteOptions o;
    o.path = sqlite_path;
    o.pool_size = workers + 2;
    store = must(storage::open_sqlite(o), "open sqlite");
  } else {
    storage::PostgresOptions o;
    o.url = postgres_url;
    o.pool_size = workers + 2;
    store = must(storage::open_postgres(o), "open postgres");
  }
  must(storage::migrate(*store, storage::embedded_migrations(store->dialect())), "migrate");
  {
    auto tx = must(store->begin(), "begin");
    must(tx->exec("DELETE FROM jobs"), "clean jobs");
    must(tx->exec("DELETE FROM workflow_steps"), "clean steps");
    must(tx->exec("DELETE FROM workflow_events"), "clean events");
    must(tx->exec("DELETE FROM workflow_notes"), "clean notes");
    must(tx->exec("DELETE FROM workflow_runs"), "clean runs");
    must(tx->exec("DELETE FROM provider_resources WHERE facility_id = 'bench'"),
         "clean provider resources");
    must(tx->exec("DELETE FROM facilities WHERE id = 'bench'"), "clean facility");
    must(tx->exec("INSERT INTO facilities (id, name, created_at, updated_at) "
                  "VALUES ('bench', 'Bench', 0, 0)"),
         "facility");
    must(tx->exec_script("DROP TABLE IF EXISTS bench_raw"), "drop bench_raw");
    must(tx->commit(), "commit");
  }
  double raw_ms = raw_commit_ms(*store, raw);

  config::Config config;
  config.plugins.files.push_back({"counting_double", plugin, "", 0});
  config::InstanceConfig instance;
  instance.name = "ehr.noop";
  instance.plugin = "counting_double";
  config.instances[instance.name] = instance;
  config::FacilityConfig facility;
  facility.id = "bench";
  facility.bindings = {{"ehr", "ehr.noop"}};
  config.facilities["bench"] = facility;
  observability::Metrics metrics;
  auto host = must(plugin_host::PluginHost::load(config, metrics), "load plugin");
  auto invoker = std::make_shared<workflow::PluginCapabilityInvoker>(*host, config);

  workflow::DefinitionStore definitions(*store);
  must(definitions.deploy_source(workflow_text(), "bench10.yaml", "bench"), "deploy");
  workflow::HubActions actions;
  workflow::EngineOptions options;
  options.workers = 0;
  {
    workflow::Engine starter(*store, definitions, invoker, actions, metrics, options, &cipher);
    for (int i = 0; i < runs; ++i) {
      workflow::StartRunRequest request;
      request.workflow = "bench10";
      request.facility_id = "bench";
      must(starter.start_run(request), "start run");
    }
  }

  CountingStore counted(*store);
  options.workers = workers;
  options.claim_batch = claim_batch;
  options.chain_steps = chain;
  options.commit_group = commit_group;
  options.commit_group_leaders = group_leaders;
  options.poll_interval = std::chrono::milliseconds(5);
  workflow::Engine engine(counted, definitions, invoker, actions, metrics, options, &cipher);
  auto start = Clock::now();
  must(engine.start(), "start engine");
  auto deadline = start + std::chrono::minutes(5);
  // Every step finishes once here (no failures, no takeovers), so the last
  // of runs*10 finished steps ends the last run; the store is only asked at
  // the end, so polling adds no load to it. Checked against the store below.
  const std::int64_t total_steps = static_cast<std::int64_t>(runs) * 10;
  while (Clock::now() < deadline && engine.stats().steps_finished < total_steps) {
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  std::chrono::duration<double> elapsed = Clock::now() - start;
  engine.stop();
  std::int64_t done = 0;
  {
    auto tx = must(store->begin(storage::TxMode::kReadOnly), "begin");
    auto rows =
        must(tx->query("SELECT COUNT(*) FROM workflow_runs WHERE status = 'succeeded'"), "count");
    done = rows[0].get_int(0).value_or(0);
    auto steps = must(tx->query("SELECT COUNT(*) FROM workflow_steps WHERE status = 'succeeded'"),
                      "count steps");
    if (steps[0].get_int(0).value_or(0) != total_steps) {
      die("the store holds " + std::to_string(steps[0].get_int(0).value_or(0)) +
          " succeeded steps, not " + std::to_string(total_steps));
    }
    // The outputs went through the cipher: no stored output is plain JSON.
    auto outputs =
        must(tx->query("SELECT output_enc FROM workflow_steps WHERE output_enc IS NOT NULL"),
             "read outputs");
    if (outputs.empty()) die("no step output was stored");
    for (const auto& row : outputs) {
      std::string bytes = must(row.get_blob(0), "read output");
      if (!bytes.empty() && (bytes.front() == '{' || bytes.front() == '[')) {
        die("a step output is stored as plain JSON; the payload codec is not on");
      }
    }
  }
  if (done != runs) die("only " + std::to_string(done) + " of the runs succeeded in 5 minutes");
  double steps = runs * 10.0;
  std::fprintf(stderr, "payload encryption: on (CellCipher, key %s, as wasl serve)\n",
               cipher.active_key_id().c_str());
  auto stats = engine.stats();
  std::fprintf(stderr,
               "group commit: up to %d finishes, %d groups in flight; %lld groups held %lld "
               "finishes\n",
               commit_group, group_leaders, static_cast<long long>(stats.group_commits),
               static_cast<long long>(stats.grouped_finishes));
  std::printf("%.1f %.1f %.4f %.4f %.2f %.2f\n", runs / elapsed.count(), steps / elapsed.count(),
              elapsed.count() * 1000.0 / steps, raw_ms,
              static_cast<double>(counted.commits()) / steps,
              static_cast<double>(counted.statements()) / steps);
  return 0;
}
