// A run keeps the role bindings it started with: the engine over the real
// PluginCapabilityInvoker and two instances of the counting_double plugin
// (video.a, video.b). A "restart" is a new engine over the same database
// with an invoker built from different bindings, as after an operator
// rebinds facilities.f1.bindings.video and restarts the hub.
#include <filesystem>

#include "hub/plugin_host/plugin_host.hpp"
#include "hub/storage/sqlite/sqlite_store.hpp"
#include "hub/workflow/idempotency_key.hpp"
#include "hub/workflow/plugin_capability_invoker.hpp"
#include "tests/unit/workflow/engine_fixture.hpp"

namespace wasl::workflow::testing {
namespace {

using nlohmann::json;
using storage::Dialect;

const char* kPinned = R"(name: pinned
version: 1
trigger:
  kind: api
steps:
  - id: room
    call: video.create_room
    with:
      name: ${trigger.name}
  - id: ended
    wait_for: room.ended
    correlation: ${trigger.name}
    timeout: 1h
  - id: note
    call: hub.record_event
    with:
      type: session.done
  - id: end
    call: video.end_room
    with:
      room_id: ${steps.room.output.provider_room_id}
)";

class RunBindingsTest : public EngineFixture {
 protected:
  void SetUp() override {
    EngineFixture::SetUp();
    dir_ = std::filesystem::temp_directory_path() /
           ("wasl_bindings_" + std::to_string(::getpid()) + "_" +
            std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    std::filesystem::create_directories(dir_);
    std::string effects = (dir_ / "effects.db").string();
    config::Config config;
    config.plugins.files.push_back(
        {"counting_double", std::string(WASL_WORKFLOW_DOUBLES_DIR) + "/libwasl_counting_double.so",
         "", 0});
    for (const char* name : {"video.a", "video.b"}) {
      config::InstanceConfig instance;
      instance.name = name;
      instance.plugin = "counting_double";
      instance.settings = {{"effects_db", effects}};
      config.instances[name] = instance;
    }
    auto host = plugin_host::PluginHost::load(config, metrics_);
    ASSERT_TRUE(host.ok()) << host.error().message;
    host_ = std::move(host).value();
    storage::SqliteOptions options;
    options.path = effects;
    auto opened = storage::SqliteStore::open(options);
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    effects_ = std::move(opened).value();
    // hub.record_event, standalone, notes which video instance its run
    // resolves to (in place of the engine's own).
    actions_ = HubActions();
    ASSERT_TRUE(actions_
                    .add("hub.record_event", HubActionMode::kStandalone,
                         [this](const HubActionContext& ctx, const json&) -> sdk::Result<json> {
                           std::lock_guard lock(seen_mutex_);
                           seen_video_[ctx.run_id] = bound_instance(ctx.bindings, {}, "video");
                           return json{{"event_id", "e-" + ctx.run_id}};
                         })
                    .ok());
    deploy(kPinned);
  }
  void TearDown() override {
    EngineFixture::TearDown();
    effects_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // An invoker over the loaded instances with f1's video role bound to `video`.
  std::shared_ptr<PluginCapabilityInvoker> invoker_binding(const std::string& video) {
    return std::make_shared<PluginCapabilityInvoker>(
        *host_, PluginCapabilityInvoker::Bindings{{"f1", {{"video", video}}}});
  }

  // The instance that received the call made under `key`, or "" if none.
  std::string instance_called(const std::string& key) {
    auto tx = effects_->begin(storage::TxMode::kReadOnly);
    EXPECT_TRUE(tx.ok());
    if (!tx.ok()) return "";
    auto rows = (*tx)->query("SELECT instance FROM calls WHERE key = $1", {key});
    EXPECT_TRUE(rows.ok()) << rows.error().message;
    if (!rows.ok() || rows->empty()) return "";
    EXPECT_EQ(rows->size(), 1u) << key;
    return rows->front().get_text(0).value_or("");
  }

  std::string seen_video(const std::string& run) {
    std::lock_guard lock(seen_mutex_);
    return seen_video_.count(run) ? seen_video_[run] : "";
  }

  void end_room(Engine& e, const std::string& name) {
    auto delivered =
        e.deliver_event("f1", "room.ended", name, json{{"room_id", name}}, "ended:" + name);
    ASSERT_TRUE(delivered.ok()) << delivered.error().message;
  }

  std::filesystem::path dir_;
  std::unique_ptr<plugin_host::PluginHost> host_;
  std::unique_ptr<storage::Store> effects_;
  std::mutex seen_mutex_;
  std::map<std::string, std::string> seen_video_;
};

TEST_P(RunBindingsTest, RunKeepsItsBindingsAcrossARebindAndNewRunsTakeTheNewOne) {
  Engine& before = engine(fast_options(), nullptr, invoker_binding("video.a"));
  ASSERT_TRUE(before.start().ok());
  std::string old_run = start(before, "pinned", {{"name", "r-old"}});
  wait_status(before, old_run, {"waiting"});
  before.stop();
  auto stored = query("SELECT bindings FROM workflow_runs WHERE id = $1", {old_run});
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(json::parse(stored[0].get_text(0).value_or("null")), (json{{"video", "video.a"}}));

  // The operator rebinds video to video.b and restarts.
  Engine& after = engine(fast_options(), nullptr, invoker_binding("video.b"));
  ASSERT_TRUE(after.start().ok());
  std::string new_run = start(after, "pinned", {{"name", "r-new"}});
  wait_status(after, new_run, {"waiting"});
  end_room(after, "r-old");
  end_room(after, "r-new");
  EXPECT_EQ(wait_status(after, old_run).status, "succeeded");
  EXPECT_EQ(wait_status(after, new_run).status, "succeeded");

  EXPECT_EQ(instance_called(step_idempotency_key(old_run, "room")), "video.a");
  EXPECT_EQ(instance_called(step_idempotency_key(old_run, "end")), "video.a");
  EXPECT_EQ(seen_video(old_run), "video.a");
  EXPECT_EQ(instance_called(step_idempotency_key(new_run, "room")), "video.b");
  EXPECT_EQ(instance_called(step_idempotency_key(new_run, "end")), "video.b");
  EXPECT_EQ(seen_video(new_run), "video.b");
}

TEST_P(RunBindingsTest, RunWithoutASnapshotUsesTheCurrentBindings) {
  Engine& before = engine(fast_options(), nullptr, invoker_binding("video.a"));
  ASSERT_TRUE(before.start().ok());
  std::string run = start(before, "pinned", {{"name", "r-legacy"}});
  wait_status(before, run, {"waiting"});
  before.stop();
  // As a run created before workflow_runs.bindings existed.
  exec("UPDATE workflow_runs SET bindings = NULL WHERE id = $1", {run});

  Engine& after = engine(fast_options(), nullptr, invoker_binding("video.b"));
  ASSERT_TRUE(after.start().ok());
  end_room(after, "r-legacy");
  EXPECT_EQ(wait_status(after, run).status, "succeeded");
  EXPECT_EQ(instance_called(step_idempotency_key(run, "room")), "video.a");
  EXPECT_EQ(instance_called(step_idempotency_key(run, "end")), "video.b");
  EXPECT_EQ(seen_video(run), "video.b");
}

TEST_P(RunBindingsTest, PinnedInstanceNoLongerLoadedFailsNamingIt) {
  Engine& before = engine(fast_options(), nullptr, invoker_binding("video.a"));
  ASSERT_TRUE(before.start().ok());
  std::string run = start(before, "pinned", {{"name", "r-gone"}});
  wait_status(before, run, {"waiting"});
  before.stop();
  exec("UPDATE workflow_runs SET bindings = $1 WHERE id = $2",
       {std::string(R"({"video":"video.removed"})"), run});

  Engine& after = engine(fast_options(), nullptr, invoker_binding("video.b"));
  ASSERT_TRUE(after.start().ok());
  end_room(after, "r-gone");
  auto t = wait_status(after, run);
  EXPECT_EQ(t.status, "failed");
  EXPECT_NE(t.error.find("video.removed"), std::string::npos) << t.error;
  EXPECT_EQ(instance_called(step_idempotency_key(run, "end")), "");
}

INSTANTIATE_TEST_SUITE_P(Stores, RunBindingsTest,
                         ::testing::Values(Dialect::kSqlite, Dialect::kPostgres),
                         [](const auto& info) {
                           return storage::testing::dialect_name(info.param);
                         });

}  // namespace
}  // namespace wasl::workflow::testing
