// EngineFixture: a fresh migrated database on one backend with one facility,
// a deployed-workflow store, the built-in hub actions and a
// ScriptedInvoker (a test double for plugins), plus polling helpers.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "hub/config/config.hpp"
#include "hub/consultations/consultation_actions.hpp"
#include "hub/crypto/keyring.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/plugin_host/call_budget.hpp"
#include "hub/records/cell_cipher.hpp"
#include "hub/storage/migrator.hpp"
#include "hub/workflow/capability_invoker.hpp"
#include "hub/workflow/definition_store.hpp"
#include "hub/workflow/engine.hpp"
#include "hub/workflow/hub_actions.hpp"
#include "tests/unit/crypto/scratch_dir.hpp"
#include "tests/unit/storage/test_database.hpp"

namespace wasl::workflow::testing {

// A CapabilityInvoker test double: answers each method with well-formed
// JSON, records every call, and follows per-method scripts (fail, stall until
// released or cancelled).
// Also checks that no idempotency key is being called twice at once.
class ScriptedInvoker final : public CapabilityInvoker {
 public:
  struct Call {
    std::string facility;
    std::string method;
    nlohmann::json input;
    std::string key;
    std::chrono::steady_clock::time_point at;
  };
  // One scripted answer: an error, or a stall until release_stalls() (or the
  // call's cancellation).
  struct Scripted {
    std::optional<sdk::Error> error;
    bool stall = false;
  };

  sdk::Result<nlohmann::json> invoke(const std::string& facility, const std::string& method,
                                     const nlohmann::json& input, const std::string& key) override {
    std::optional<Scripted> script;
    {
      std::unique_lock lock(mutex_);
      calls_.push_back({facility, method, input, key, std::chrono::steady_clock::now()});
      if (in_flight_.count(key) > 0) ++overlaps_;
      in_flight_.insert(key);
      auto it = scripts_.find(method);
      if (it != scripts_.end() && !it->second.empty()) {
        script = it->second.front();
        it->second.pop_front();
      }
      // A stall lasts until released, or until the call is cancelled (as a
      // plugin's HTTP request waiting on a slow provider is aborted).
      while (script && script->stall && !stalls_released_) {
        if (auto go = plugin_host::call_may_continue("stalled " + method); !go.ok()) {
          in_flight_.erase(in_flight_.find(key));
          return go.error();
        }
        released_.wait_for(lock, std::chrono::milliseconds(5));
      }
    }
    // Simulated work outside the lock, so overlapping calls can be seen.
    if (work_time_.count() > 0) std::this_thread::sleep_for(work_time_);
    {
      std::lock_guard lock(mutex_);
      in_flight_.erase(in_flight_.find(key));
    }
    if (script && script->error) return *script->error;
    return answer(method, input);
  }

  void script(const std::string& method, Scripted s) {
    std::lock_guard lock(mutex_);
    scripts_[method].push_back(std::move(s));
  }
  void fail(const std::string& method, sdk::Error error, int times = 1) {
    for (int i = 0; i < times; ++i) script(method, {error, false});
  }
  void stall(const std::string& method) { script(method, {std::nullopt, true}); }
  void release_stalls() {
    {
      std::lock_guard lock(mutex_);
      stalls_released_ = true;
    }
    released_.notify_all();
  }

  std::vector<Call> calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  std::vector<Call> calls_of(const std::string& method) const {
    std::vector<Call> out;
    for (auto& c : calls()) {
      if (c.method == method) out.push_back(c);
    }
    return out;
  }
  // How long each call takes (simulated provider latency).
  void set_work_time(std::chrono::microseconds t) { work_time_ = t; }
  int overlaps() const {
    std::lock_guard lock(mutex_);
    return overlaps_;
  }

  // Well-formed answers in the SDK's JSON forms, derived from the input.
  static nlohmann::json answer(const std::string& method, const nlohmann::json& input) {
    std::string id = input.value("id", std::string("x"));
    if (method == "ehr.read_appointment") {
      return {{"id", id},
              {"patient_id", "pat-" + id},
              {"practitioner_id", "doc-" + id},
              {"status", "booked"},
              {"start_ms", 1700000000000}};
    }
    if (method == "ehr.read_patient") return {{"id", id}};
    if (method == "video.create_room") {
      std::string name = input.value("name", std::string("room"));
      return {{"provider_room_id", "RM-" + name}, {"name", name}, {"created_at_ms", 1700000000000}};
    }
    if (method == "video.request_composition") {
      std::string room = input.value("room_id", std::string());
      return {{"provider_id", "s3://video-bucket/" + room + "/composition.mp4"},
              {"room_id", room},
              {"kind", "composition"},
              {"status", "processing"}};
    }
    if (method == "video.end_room") {
      return {{"provider_room_id", input.value("room_id", std::string())}, {"status", "ended"}};
    }
    return nlohmann::json{{"ok", true}};
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable released_;
  bool stalls_released_ = false;
  std::vector<Call> calls_;
  std::map<std::string, std::deque<Scripted>> scripts_;
  std::multiset<std::string> in_flight_;
  std::chrono::microseconds work_time_{0};
  int overlaps_ = 0;
};

// A Store test double over a real store: counts the commits of transactions
// that wrote (called exec) and of all read-write ones, and cut() makes every later begin() fail as
// if the process had lost its database (a frozen or dying worker).
class CountingStore final : public storage::Store {
 public:
  explicit CountingStore(storage::Store& inner) : inner_(inner) {}

  storage::Dialect dialect() const override { return inner_.dialect(); }
  sdk::Result<std::unique_ptr<storage::Transaction>> begin(storage::TxMode mode) override {
    if (cut_.load()) {
      return sdk::Error(sdk::ErrorCode::kUnavailable, "the store was cut off by the test", true);
    }
    auto tx = inner_.begin(mode);
    if (!tx.ok()) return std::move(tx).error();
    return std::unique_ptr<storage::Transaction>(
        new Counted(std::move(tx).value(), commits_,
                    mode == storage::TxMode::kReadWrite ? &all_commits_ : nullptr));
  }
  sdk::Status ping() override { return inner_.ping(); }
  storage::PoolStats pool_stats() const override { return inner_.pool_stats(); }

  std::int64_t writing_commits() const { return commits_.load(); }
  std::int64_t all_commits() const { return all_commits_.load(); }
  void cut() { cut_ = true; }

 private:
  class Counted final : public storage::Transaction {
   public:
    Counted(std::unique_ptr<storage::Transaction> inner, std::atomic<std::int64_t>& commits,
            std::atomic<std::int64_t>* all_commits)
        : inner_(std::move(inner)), commits_(commits), all_commits_(all_commits) {}
    storage::Dialect dialect() const override { return inner_->dialect(); }
    sdk::Result<std::int64_t> exec(std::string_view sql, const storage::Params& p) override {
      wrote_ = true;
      return inner_->exec(sql, p);
    }
    sdk::Result<storage::Rows> query(std::string_view sql, const storage::Params& p) override {
      return inner_->query(sql, p);
    }
    sdk::Status exec_script(std::string_view sql) override {
      wrote_ = true;
      return inner_->exec_script(sql);
    }
    sdk::Status commit() override {
      auto s = inner_->commit();
      if (s.ok() && wrote_) commits_.fetch_add(1);
      if (s.ok() && all_commits_ != nullptr) all_commits_->fetch_add(1);
      return s;
    }
    void rollback() noexcept override { inner_->rollback(); }

   private:
    std::unique_ptr<storage::Transaction> inner_;
    std::atomic<std::int64_t>& commits_;
    std::atomic<std::int64_t>* all_commits_;  // null: a read-only transaction
    bool wrote_ = false;
  };

  storage::Store& inner_;
  std::atomic<std::int64_t> commits_{0};
  std::atomic<std::int64_t> all_commits_{0};
  std::atomic<bool> cut_{false};
};

// "waiter": waits for appointment.updated correlated on
// ${trigger.appointment}, then ends (its wait is its last step).
inline constexpr const char* kWaiterWorkflow = R"(name: waiter
version: 1
trigger:
  kind: api
steps:
  - id: updated
    wait_for: appointment.updated
    correlation: ${trigger.appointment}
    timeout: 1h
)";

class EngineFixture : public ::testing::TestWithParam<storage::Dialect> {
 protected:
  void SetUp() override {
    auto db =
        storage::testing::TestDatabase::create(GetParam(), storage::testing::Contents::kMigrated);
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(db).value();
    storage::testing::StoreSettings settings;
    settings.pool_size = 12;
    auto store = db_->open(settings);
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_ = std::move(store).value();
    exec("INSERT INTO facilities (id, name, created_at, updated_at) VALUES ('f1', 'F1', 0, 0)");
    definitions_ = std::make_unique<DefinitionStore>(*store_);
    // The hub actions the test workflows call: the engine's own and
    // hub.set_status / hub.describe_consultation (hub/consultations).
    ASSERT_TRUE(crypto::generate_key_file(scratch_.path() / "keys.json").ok());
    auto ring = crypto::load_keyring(scratch_.path() / "keys.json");
    ASSERT_TRUE(ring.ok()) << ring.error().message;
    cipher_ = std::make_unique<records::CellCipher>(*ring);
    ASSERT_TRUE(add_builtin_hub_actions(actions_).ok());
    ASSERT_TRUE(consultations::add_consultation_actions(actions_, hub_config_, *cipher_).ok());
    invoker_ = std::make_shared<ScriptedInvoker>();
  }

  void TearDown() override {
    if (invoker_) invoker_->release_stalls();
    for (auto& e : engines_) e->stop();
    engines_.clear();
  }

  void exec(const std::string& sql, const storage::Params& params = {}) {
    auto tx = store_->begin();
    ASSERT_TRUE(tx.ok()) << tx.error().message;
    auto done = (*tx)->exec(sql, params);
    ASSERT_TRUE(done.ok()) << done.error().message;
    ASSERT_TRUE((*tx)->commit().ok());
  }

  storage::Rows query(const std::string& sql, const storage::Params& params = {}) {
    auto tx = store_->begin(storage::TxMode::kReadOnly);
    EXPECT_TRUE(tx.ok());
    auto rows = (*tx)->query(sql, params);
    EXPECT_TRUE(rows.ok()) << rows.error().message;
    return rows.ok() ? *rows : storage::Rows{};
  }

  void deploy(const std::string& yaml) {
    auto deployed = definitions_->deploy_source(yaml, "test.yaml", "test");
    ASSERT_TRUE(deployed.ok()) << deployed.error().message;
  }

  static EngineOptions fast_options() {
    EngineOptions o;
    o.workers = 3;
    o.poll_interval = std::chrono::milliseconds(10);
    o.lease = std::chrono::milliseconds(30000);
    o.default_call_timeout = std::chrono::milliseconds(10000);
    return o;
  }

  Engine& engine(EngineOptions options = fast_options(), storage::Store* store = nullptr,
                 std::shared_ptr<CapabilityInvoker> invoker = nullptr) {
    engines_.push_back(std::make_unique<Engine>(store ? *store : *store_, *definitions_,
                                                invoker ? invoker : invoker_, actions_, metrics_,
                                                std::move(options)));
    return *engines_.back();
  }

  // A CountingStore over the test database; it outlives the engines.
  CountingStore& counting_store() {
    counting_stores_.push_back(std::make_unique<CountingStore>(*store_));
    return *counting_stores_.back();
  }

  std::string start(Engine& e, const std::string& workflow, nlohmann::json trigger = {},
                    const std::string& consultation = "") {
    StartRunRequest r;
    r.workflow = workflow;
    r.facility_id = "f1";
    r.consultation_id = consultation;
    r.trigger = trigger.is_null() ? nlohmann::json::object() : trigger;
    auto id = e.start_run(r);
    EXPECT_TRUE(id.ok()) << id.error().message;
    return id.ok() ? *id : "";
  }

  // Polls the run's status until it is one of `statuses` or the deadline passes.
  RunTimeline wait_status(Engine& e, const std::string& run,
                          std::set<std::string> statuses = {"succeeded", "failed", "cancelled"},
                          std::chrono::milliseconds deadline = std::chrono::seconds(20)) {
    auto until = std::chrono::steady_clock::now() + deadline;
    RunTimeline last;
    while (std::chrono::steady_clock::now() < until) {
      auto t = e.timeline(run);
      if (t.ok()) {
        last = *t;
        if (statuses.count(t->status)) return last;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << "run " << run << " still " << last.status << " after the deadline";
    return last;
  }

  static std::vector<std::string> attempt_list(const RunTimeline& t) {
    std::vector<std::string> out;
    for (const auto& a : t.attempts) out.push_back(a.step_id + ":" + a.status);
    return out;
  }

  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::unique_ptr<storage::Store> store_;
  observability::Metrics metrics_;
  std::unique_ptr<DefinitionStore> definitions_;
  crypto::testing::ScratchDir scratch_;
  config::Config hub_config_;
  std::unique_ptr<records::CellCipher> cipher_;
  HubActions actions_;
  std::shared_ptr<ScriptedInvoker> invoker_;
  std::vector<std::unique_ptr<CountingStore>> counting_stores_;
  std::vector<std::unique_ptr<Engine>> engines_;
};

// Polls `done` every 2 ms until it holds or `deadline` passes; its last value.
inline bool eventually(const std::function<bool()>& done,
                       std::chrono::milliseconds deadline = std::chrono::seconds(20)) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return done();
}

}  // namespace wasl::workflow::testing
