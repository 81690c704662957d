// The shipped daily ministry report (workflows/moh_daily_report.yaml) on the
// real `wasl serve`, reporting through the MOH plugin to the MOH peer, on
// SQLite and PostgreSQL: the schedule sends the period of its latest firing
// once when the hub starts, a restarted hub sends it no second time,
// `wasl workflow run-now` finds that period taken and starts an earlier one,
// and the file drop holds each report as JSON and as CSV with Arabic labels.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "hub/calendar/recurrence.hpp"
#include "hub/calendar/report_period.hpp"
#include "hub/storage/store.hpp"
#include "tests/integration/hub_process.hpp"
#include "tests/peers/support/peer_process.hpp"

namespace wasl::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kZone = "Asia/Riyadh";

std::string quoted(const std::string& text) { return json(text).dump(); }

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The day the schedule's latest firing (every day at 02:00 in Riyadh) covers.
std::string latest_scheduled_day() {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  auto every = calendar::parse_every("1d at 02:00");
  EXPECT_TRUE(every.ok());
  auto fired = calendar::firings(*every, kZone, std::nullopt, now, 1);
  EXPECT_TRUE(fired.ok() && fired->size() == 1);
  auto day = calendar::period_containing(fired->front(), calendar::PeriodKind::kDay, kZone);
  auto before = calendar::previous_period(*day);
  return before->label;
}

// `predicate` polled every 50 ms until it holds or `deadline` passes.
bool eventually(const std::function<bool()>& predicate, std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (predicate()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return predicate();
}

class DailyReportTest : public ::testing::TestWithParam<storage::Dialect> {
 protected:
  static void SetUpTestSuite() { peer_.start("moh"); }
  static void TearDownTestSuite() { peer_.stop(); }

  void SetUp() override {
    ASSERT_TRUE(peer_.ok()) << peer_.error();
    ASSERT_TRUE(peer_->post("/_peer/reset").ok());
    CommandResult keys = run_wasl({"keys", "generate", "--file", dir_.file("keys.json")});
    ASSERT_EQ(keys.exit_code, 0) << keys.err;
    std::filesystem::create_directories(dir_.file("workflows"));
    std::string workflow =
        read_text(std::string(WASL_SOURCE_DIR) + "/workflows/moh_daily_report.yaml");
    if (fast_retries_) {
      // The shipped retry waits 10 s, then more: the same file with a short first delay.
      const std::string shipped = "initial_delay: 10s";
      const auto at = workflow.find(shipped);
      ASSERT_NE(at, std::string::npos) << "the shipped retry changed; update this test";
      workflow.replace(at, shipped.size(), "initial_delay: 200ms");
    }
    dir_.write("workflows/moh_daily_report.yaml", workflow);
    std::string storage;
    if (GetParam() == storage::Dialect::kPostgres) {
      storage = "storage:\n  backend: postgres\n  migrate_on_start: true\n  postgres:\n    url: " +
                quoted(fresh_postgres_schema(postgres_test_url())) + "\n";
    } else {
      storage = "storage:\n  backend: sqlite\n  migrate_on_start: true\n  sqlite:\n    path: " +
                quoted(dir_.file("wasl.db")) + "\n";
    }
    dir_.write(
        "wasl.yaml",
        "server:\n  host: 127.0.0.1\n  port: 0\n" + storage +
            "security:\n  key_file: " + quoted(dir_.file("keys.json")) +
            "\nworkflow:\n  poll_interval: 50ms\n  schedule_interval: 200ms\n"
            "plugins:\n  files:\n    - name: moh\n      file: " +
            quoted(WASL_MOH_PLUGIN_FILE) +
            "\ninstances:\n  reporting.moh:\n    plugin: moh\n    settings:\n"
            "      base_url: " +
            quoted(peer_->url() + "/fhir") +
            "\n      bearer_token: moh-sandbox-token\n      file_drop_directory: " +
            quoted(dir_.file("drop")) +
            "\nfacilities:\n  hospital-a:\n    name: مستشفى أ\n    bindings:\n"
            "      reporting: reporting.moh\n    reporting:\n      licence: \"10000000000001\"\n"
            "      language: ar\n      hijri_dates: true\n"
            "workflows_dir: " +
            quoted(dir_.file("workflows")) + "\n");
    config_ = dir_.file("wasl.yaml");
  }

  // The hub, listening; null (with a test failure) when it did not start.
  std::unique_ptr<HubProcess> start_hub() {
    auto hub = std::make_unique<HubProcess>(config_);
    if (hub->wait_until_listening(60s)) return hub;
    ADD_FAILURE() << "the hub did not start:\n" << hub->log();
    return nullptr;
  }

  // The MeasureReports the peer accepted, by the day their period starts.
  std::map<std::string, json> measure_reports() {
    std::map<std::string, json> out;
    auto reports = peer_->get("/_peer/reports");
    EXPECT_TRUE(reports.ok()) << reports.error().message;
    if (!reports.ok()) return out;
    for (const auto& r : (*reports)["measureReports"]) {
      out[r["resource"]["period"].value("start", "").substr(0, 10)] = r["resource"];
    }
    return out;
  }

  static SuitePeer peer_;
  bool fast_retries_ = false;  // set by a test before SetUp
  TempDir dir_;
  std::string config_;
};

SuitePeer DailyReportTest::peer_;

TEST_P(DailyReportTest, OneReportPerDayAcrossARestartAndRunNow) {
  const std::string day = latest_scheduled_day();
  auto hub = start_hub();
  ASSERT_TRUE(hub);
  ASSERT_TRUE(eventually([this] { return !measure_reports().empty(); }, 60s)) << hub->log();
  auto reports = measure_reports();
  ASSERT_EQ(reports.size(), 1u);
  ASSERT_EQ(reports.count(day), 1u) << "expected the day " << day;
  const json& report = reports[day];
  EXPECT_EQ(report.value("type", ""), "summary");
  EXPECT_NE(report.dump().find("hijri"), std::string::npos) << "the facility asks for Hijri dates";

  // The same report as files: JSON and CSV with the Arabic header.
  const std::filesystem::path drop = dir_.file("drop");
  const auto csv = drop / ("hospital-a_" + day + "_measure-report.csv");
  ASSERT_TRUE(eventually([&] { return std::filesystem::exists(csv); }, 10s));
  EXPECT_TRUE(std::filesystem::exists(drop / ("hospital-a_" + day + "_measure-report.json")));
  const std::string text = read_text(csv);
  const std::string header = text.substr(0, text.find("\r\n"));
  EXPECT_EQ(header.find("facility_id"), std::string::npos) << header;
  EXPECT_NE(text.find("\r\nhospital-a,10000000000001," + day + ","), std::string::npos) << text;

  // Killed and started again: the day has its run; nothing is sent twice.
  hub->signal(SIGKILL);
  ASSERT_TRUE(hub->wait_for_exit(10s).has_value());
  hub = start_hub();
  ASSERT_TRUE(hub);
  CommandResult taken = run_wasl({"workflow", "run-now", "moh_daily_report", "--facility",
                                  "hospital-a", "--period", day, "--config", config_});
  ASSERT_EQ(taken.exit_code, 0) << taken.err;
  EXPECT_NE(taken.out.find("has its run already"), std::string::npos) << taken.out;

  // run-now starts an earlier day; the serving hub's workers deliver it.
  auto earlier = calendar::previous_period(*calendar::period_from_label(day, kZone));
  ASSERT_TRUE(earlier.ok());
  CommandResult started = run_wasl({"workflow", "run-now", "moh_daily_report", "--facility",
                                    "hospital-a", "--period", earlier->label, "--config", config_});
  ASSERT_EQ(started.exit_code, 0) << started.err;
  EXPECT_NE(started.out.find("started run"), std::string::npos) << started.out;
  ASSERT_TRUE(eventually([&] { return measure_reports().count(earlier->label) == 1; }, 60s))
      << hub->log();
  auto effects = peer_->get("/_peer/effects");
  ASSERT_TRUE(effects.ok());
  EXPECT_EQ((*effects)["measureReports"], 2) << effects->dump();
  EXPECT_EQ((*effects)["duplicates"], 0) << effects->dump();
  hub->signal(SIGTERM);
  EXPECT_TRUE(hub->wait_for_exit(30s).has_value());
}

// The value of an unlabelled counter in a hub's /metrics, 0 when absent.
double counter(int port, const std::string& name) {
  HttpAnswer metrics = http_get(port, "/metrics");
  std::istringstream lines(metrics.body);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  }
  return 0;
}

// The sum of a counter over its labels (if it has any) in a hub's /metrics.
double counter_sum(int port, const std::string& name) {
  HttpAnswer metrics = http_get(port, "/metrics");
  std::istringstream lines(metrics.body);
  double sum = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(name + "{", 0) == 0 || line.rfind(name + " ", 0) == 0) {
      sum += std::stod(line.substr(line.rfind(' ') + 1));
    }
  }
  return sum;
}

TEST_P(DailyReportTest, TwoHubsOnOneDatabaseSendOneReport) {
  const std::string day = latest_scheduled_day();
  CommandResult migrated = run_wasl({"migrate", "--config", config_});
  ASSERT_EQ(migrated.exit_code, 0) << migrated.err;
  // Both start at once; each one's scheduler looks at start and every 200 ms.
  auto first = std::make_unique<HubProcess>(config_);
  auto second = std::make_unique<HubProcess>(config_);
  auto first_port = first->wait_until_listening(60s);
  auto second_port = second->wait_until_listening(60s);
  ASSERT_TRUE(first_port) << first->log();
  ASSERT_TRUE(second_port) << second->log();
  ASSERT_TRUE(eventually(
      [&] {
        return counter(*first_port, "wasl_schedule_passes_total") >= 3 &&
               counter(*second_port, "wasl_schedule_passes_total") >= 3;
      },
      60s))
      << first->log() << second->log();
  ASSERT_TRUE(eventually([this] { return !measure_reports().empty(); }, 60s));
  EXPECT_EQ(counter_sum(*first_port, "wasl_schedule_runs_started_total") +
                counter_sum(*second_port, "wasl_schedule_runs_started_total"),
            1);
  auto reports = measure_reports();
  EXPECT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports.count(day), 1u);
  auto effects = peer_->get("/_peer/effects");
  ASSERT_TRUE(effects.ok());
  EXPECT_EQ((*effects)["measureReports"], 1) << effects->dump();
  EXPECT_EQ((*effects)["duplicates"], 0) << effects->dump();
  for (auto* hub : {first.get(), second.get()}) {
    hub->signal(SIGTERM);
    EXPECT_TRUE(hub->wait_for_exit(30s).has_value());
  }
}

// The same report delivered by the engine's retries: the receiver fails
// twice (the first time after storing it, a lost answer) and then accepts.
class DailyReportRetryTest : public DailyReportTest {
 protected:
  void SetUp() override {
    fast_retries_ = true;
    DailyReportTest::SetUp();
  }
};

TEST_P(DailyReportRetryTest, AReceiverFailingTwiceThenAcceptingHoldsOneReport) {
  ASSERT_TRUE(
      peer_
          ->post(
              "/_peer/faults",
              json::array({{{"operation", "MeasureReport"}, {"status", 503}, {"afterEffect", true}},
                           {{"operation", "MeasureReport"}, {"status", 500}}}))
          .ok());
  const std::string day = latest_scheduled_day();
  auto hub = start_hub();
  ASSERT_TRUE(hub);
  // Three POSTs: two failures, then the one answered (from the stored report).
  ASSERT_TRUE(eventually(
      [] {
        auto e = peer_->get("/_peer/effects");
        return e.ok() && (*e).value("requests", 0) >= 3;
      },
      60s))
      << hub->log();
  auto reports = measure_reports();
  EXPECT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports.count(day), 1u);
  auto effects = peer_->get("/_peer/effects");
  ASSERT_TRUE(effects.ok());
  EXPECT_EQ((*effects)["measureReports"], 1) << effects->dump();
  EXPECT_EQ((*effects)["requests"], 3) << effects->dump();
  hub->signal(SIGTERM);
  EXPECT_TRUE(hub->wait_for_exit(30s).has_value());
}

INSTANTIATE_TEST_SUITE_P(Stores, DailyReportRetryTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         [](const auto& info) {
                           return info.param == storage::Dialect::kSqlite ? std::string("sqlite")
                                                                          : std::string("postgres");
                         });

INSTANTIATE_TEST_SUITE_P(Stores, DailyReportTest,
                         ::testing::Values(storage::Dialect::kSqlite, storage::Dialect::kPostgres),
                         [](const auto& info) {
                           return info.param == storage::Dialect::kSqlite ? std::string("sqlite")
                                                                          : std::string("postgres");
                         });

}  // namespace
}  // namespace wasl::testing
