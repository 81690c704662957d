// PluginCapabilityInvoker with the counting_double test plugin (a real .so
// loaded by PluginHost): bindings, the idempotency key reaching the plugin,
// scripted failures, and a full engine run counted by the double.
#include "hub/workflow/plugin_capability_invoker.hpp"

#include <sqlite3.h>

#include <filesystem>

#include "hub/plugin_host/plugin_host.hpp"
#include "hub/workflow/idempotency_key.hpp"
#include "tests/unit/workflow/engine_fixture.hpp"

namespace wasl::workflow::testing {
namespace {

using nlohmann::json;
using sdk::ErrorCode;
using storage::Dialect;

// Reads the double's effects file.
std::int64_t sqlite_count(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
  std::int64_t out = -1;
  if (sqlite3_step(stmt) == SQLITE_ROW) out = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

void sqlite_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  char* message = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message), SQLITE_OK)
      << (message ? message : "");
  sqlite3_free(message);
  sqlite3_close(db);
}

class PluginInvokerTest : public EngineFixture {
 protected:
  void SetUp() override {
    EngineFixture::SetUp();
    dir_ = std::filesystem::temp_directory_path() / ("wasl_double_" + new_dir_suffix());
    std::filesystem::create_directories(dir_);
    effects_ = (dir_ / "effects.db").string();
    config::Config config;
    config.plugins.files.push_back(
        {"counting_double", std::string(WASL_WORKFLOW_DOUBLES_DIR) + "/libwasl_counting_double.so",
         "", 0});
    for (const char* role : {"video", "ehr", "billing", "reporting"}) {
      config::InstanceConfig instance;
      instance.name = std::string(role) + ".double";
      instance.plugin = "counting_double";
      instance.settings = {{"effects_db", effects_}};
      config.instances[instance.name] = instance;
    }
    config::FacilityConfig facility;
    facility.id = "f1";
    facility.bindings = {{"video", "video.double"}, {"ehr", "ehr.double"}};
    config.facilities["f1"] = facility;
    auto host = plugin_host::PluginHost::load(config, metrics_);
    ASSERT_TRUE(host.ok()) << host.error().message;
    host_ = std::move(host).value();
    plugin_invoker_ = std::make_shared<PluginCapabilityInvoker>(*host_, config);
  }
  void TearDown() override {
    EngineFixture::TearDown();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  static std::string new_dir_suffix() {
    return std::to_string(::getpid()) + "_" +
           std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  }

  std::filesystem::path dir_;
  std::string effects_;
  std::unique_ptr<plugin_host::PluginHost> host_;
  std::shared_ptr<PluginCapabilityInvoker> plugin_invoker_;
};

TEST_P(PluginInvokerTest, UnboundRoleIsAFailedPreconditionNamingFacilityAndRole) {
  auto r = plugin_invoker_->invoke("f1", "billing.check_eligibility", json::object(), "k");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(r.error().message.find("f1"), std::string::npos);
  EXPECT_NE(r.error().message.find("billing"), std::string::npos);
  EXPECT_FALSE(plugin_invoker_->invoke("nowhere", "video.create_room", json::object(), "k").ok());
}

TEST_P(PluginInvokerTest, ScriptedFailuresComeBackAsErrors) {
  sqlite_exec(effects_,
              "INSERT INTO control VALUES ('video.create_room', 'retryable', 1), "
              "('video.end_room', 'permanent', 1), ('ehr.read_patient', 'throw', 1)");
  auto first =
      plugin_invoker_->invoke("f1", "video.create_room", {{"idempotency_key", "k1"}}, "k1");
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().code, ErrorCode::kUnavailable);
  EXPECT_TRUE(first.error().retryable);
  EXPECT_TRUE(
      plugin_invoker_->invoke("f1", "video.create_room", {{"idempotency_key", "k1"}}, "k1").ok());
  auto permanent = plugin_invoker_->invoke("f1", "video.end_room", json::object(), "k2");
  ASSERT_FALSE(permanent.ok());
  EXPECT_FALSE(permanent.error().retryable);
  auto thrown = plugin_invoker_->invoke("f1", "ehr.read_patient", json::object(), "k3");
  ASSERT_FALSE(thrown.ok());
  EXPECT_EQ(thrown.error().code, ErrorCode::kInternal);
  EXPECT_EQ(sqlite_count(effects_, "SELECT calls FROM effects WHERE key = 'k1'"), 1);
}

TEST_P(PluginInvokerTest, EngineRunThroughThePluginCountsOneEffectPerKeyDespiteRetries) {
  deploy(R"(name: plugged
version: 1
trigger:
  kind: api
steps:
  - id: appointment
    call: ehr.read_appointment
    with:
      id: ${trigger.appointment_id}
  - id: room
    call: video.create_room
    with:
      name: ${steps.appointment.output.patient_id}
    retry:
      max_attempts: 5
      initial_delay: 10ms
)");
  // The first two create_room calls fail before any effect; the third succeeds.
  sqlite_exec(effects_, "INSERT INTO control VALUES ('video.create_room', 'retryable', 2)");
  auto& e = engine(fast_options(), nullptr, plugin_invoker_);
  ASSERT_TRUE(e.start().ok());
  std::string run = start(e, "plugged", {{"appointment_id", "P1"}});
  auto t = wait_status(e, run);
  EXPECT_EQ(t.status, "succeeded") << t.error;
  EXPECT_EQ(t.attempts.size(), 4u);
  std::string key = step_idempotency_key(run, "room");
  EXPECT_EQ(sqlite_count(effects_, "SELECT calls FROM effects WHERE key = '" + key + "'"), 1);
  EXPECT_EQ(sqlite_count(effects_, "SELECT COUNT(*) FROM effects"), 2);
}

INSTANTIATE_TEST_SUITE_P(Stores, PluginInvokerTest,
                         ::testing::Values(Dialect::kSqlite, Dialect::kPostgres),
                         [](const auto& info) {
                           return storage::testing::dialect_name(info.param);
                         });

}  // namespace
}  // namespace wasl::workflow::testing
