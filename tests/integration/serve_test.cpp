// A real `wasl serve` on SQLite and on PostgreSQL: it migrates, answers the
// system routes and stops cleanly on SIGTERM and SIGINT.
#include <signal.h>
#include <sqlite3.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/integration/hub_process.hpp"

namespace wasl::testing {
namespace {

using namespace std::chrono_literals;

// A key ring for the hub under test, made by the real `wasl keys generate`.
std::string make_keys(const TempDir& dir) {
  std::string path = dir.file("keys.json");
  CommandResult r = run_wasl({"keys", "generate", "--file", path});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return "security:\n  key_file: " + path + "\n" +
         "workflows_dir: " + std::string(WASL_SOURCE_DIR) + "/workflows\n";
}

std::string sqlite_config(const TempDir& dir) {
  return make_keys(dir) +
         "server:\n"
         "  host: 127.0.0.1\n"
         "  port: 0\n"
         "storage:\n"
         "  backend: sqlite\n"
         "  sqlite:\n"
         "    path: " +
         dir.file("var/wasl.db") +
         "\n"
         "log:\n"
         "  level: info\n";
}

std::string postgres_config(const TempDir& dir, bool migrate_on_start) {
  return make_keys(dir) +
         "server:\n"
         "  host: 127.0.0.1\n"
         "  port: 0\n"
         "storage:\n"
         "  backend: postgres\n"
         "  migrate_on_start: " +
         std::string(migrate_on_start ? "true" : "false") +
         "\n"
         "  postgres:\n"
         "    url: ${env:WASL_TEST_DATABASE_URL}\n"
         "    pool_size: 4\n";
}

int count_sqlite_migrations(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return -1;
  }
  sqlite3_stmt* stmt = nullptr;
  int count = -1;
  if (sqlite3_prepare_v2(db, "SELECT count(*) FROM schema_migrations", -1, &stmt, nullptr) ==
          SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    count = sqlite3_column_int(stmt, 0);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return count;
}

void expect_system_routes(int port) {
  HttpAnswer health = http_get(port, "/healthz");
  EXPECT_EQ(health.status, 200);
  HttpAnswer ready = http_get(port, "/readyz");
  EXPECT_EQ(ready.status, 200) << ready.body;
  HttpAnswer missing = http_get(port, "/no/such/route");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.content_type, "application/problem+json");
  HttpAnswer metrics = http_get(port, "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("wasl_http_requests_total{"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("route=\"/healthz\""), std::string::npos);
  EXPECT_NE(metrics.body.find("wasl_store_pool_connections"), std::string::npos);
}

TEST(Serve, SqliteMigratesServesAndStopsOnSigterm) {
  TempDir dir;
  dir.write("wasl.yaml", sqlite_config(dir));
  HubProcess hub(dir.file("wasl.yaml"));
  auto port = hub.wait_until_listening(30s);
  ASSERT_TRUE(port) << hub.log();

  EXPECT_TRUE(std::filesystem::exists(dir.file("var/wasl.db")));
  EXPECT_GE(count_sqlite_migrations(dir.file("var/wasl.db")), 1);
  expect_system_routes(*port);

  hub.signal(SIGTERM);
  auto code = hub.wait_for_exit(30s);
  ASSERT_TRUE(code) << "still running after SIGTERM\n" << hub.log();
  EXPECT_EQ(*code, 0) << hub.log();
  EXPECT_NE(hub.log().find("SIGTERM received"), std::string::npos);
}

TEST(Serve, TheTaskRunnerTakesItsThreadsAndShareFromTheConfig) {
  TempDir dir;
  const std::string config = sqlite_config(dir);
  dir.write("wasl.yaml", config);
  {
    HubProcess hub(dir.file("wasl.yaml"));
    auto port = hub.wait_until_listening(30s);
    ASSERT_TRUE(port) << hub.log();
    HttpAnswer metrics = http_get(*port, "/metrics");
    EXPECT_NE(metrics.body.find("\nwasl_task_runner_threads 4\n"), std::string::npos)
        << metrics.body;
    EXPECT_NE(metrics.body.find("\nwasl_task_runner_calls_per_instance 2\n"), std::string::npos);
    hub.signal(SIGTERM);
    ASSERT_TRUE(hub.wait_for_exit(30s)) << hub.log();
  }
  dir.write("wasl.yaml", config +
                             "tasks:\n"
                             "  threads: 6\n"
                             "  calls_per_instance: 3\n");
  HubProcess hub(dir.file("wasl.yaml"));
  auto port = hub.wait_until_listening(30s);
  ASSERT_TRUE(port) << hub.log();
  HttpAnswer metrics = http_get(*port, "/metrics");
  EXPECT_NE(metrics.body.find("\nwasl_task_runner_threads 6\n"), std::string::npos) << metrics.body;
  EXPECT_NE(metrics.body.find("\nwasl_task_runner_calls_per_instance 3\n"), std::string::npos);
  hub.signal(SIGTERM);
  auto code = hub.wait_for_exit(30s);
  ASSERT_TRUE(code) << hub.log();
  EXPECT_EQ(*code, 0) << hub.log();
}

TEST(Serve, MissingKeyFileIsAFixableFailure) {
  TempDir dir;
  dir.write("wasl.yaml", "security:\n  key_file: " + dir.file("none.json") +
                             "\nstorage:\n  sqlite:\n    path: " + dir.file("wasl.db") + "\n");
  CommandResult r = run_wasl({"serve", "--config", dir.file("wasl.yaml")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("wasl keys generate"), std::string::npos) << r.err;
}

TEST(Serve, WorldReadableKeyFileIsRefused) {
  TempDir dir;
  dir.write("wasl.yaml", sqlite_config(dir));
  std::filesystem::permissions(dir.file("keys.json"), std::filesystem::perms::others_read,
                               std::filesystem::perm_options::add);
  CommandResult r = run_wasl({"serve", "--config", dir.file("wasl.yaml")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("chmod 600"), std::string::npos) << r.err;
}

TEST(Serve, StopsOnSigintToo) {
  TempDir dir;
  dir.write("wasl.yaml", sqlite_config(dir));
  HubProcess hub(dir.file("wasl.yaml"));
  ASSERT_TRUE(hub.wait_until_listening(30s)) << hub.log();
  hub.signal(SIGINT);
  auto code = hub.wait_for_exit(30s);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0);
}

TEST(Serve, LogLinesAreJsonWithARequestId) {
  TempDir dir;
  dir.write("wasl.yaml", sqlite_config(dir));
  HubProcess hub(dir.file("wasl.yaml"));
  auto port = hub.wait_until_listening(30s);
  ASSERT_TRUE(port) << hub.log();
  EXPECT_EQ(http_get(*port, "/healthz").status, 200);
  hub.signal(SIGTERM);
  ASSERT_TRUE(hub.wait_for_exit(30s));
  std::string log = hub.log();
  EXPECT_NE(log.find("\"request_id\":\""), std::string::npos) << log;
  std::istringstream lines(log);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    EXPECT_EQ(line.front(), '{') << line;
    EXPECT_EQ(line.back(), '}') << line;
  }
}

TEST(Serve, PortInUseIsAFixableFailure) {
  TempDir dir;
  dir.write("wasl.yaml", sqlite_config(dir));
  HubProcess first(dir.file("wasl.yaml"));
  auto port = first.wait_until_listening(30s);
  ASSERT_TRUE(port) << first.log();

  TempDir other;
  std::string config = sqlite_config(other);
  config.replace(config.find("port: 0"), 7, "port: " + std::to_string(*port));
  other.write("wasl.yaml", config);
  CommandResult r = run_wasl({"serve", "--config", other.file("wasl.yaml")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(std::to_string(*port)), std::string::npos) << r.err;
}

class PostgresServe : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = postgres_test_url();
    ASSERT_FALSE(url_.empty());
    setenv("WASL_TEST_DATABASE_URL", url_.c_str(), 1);
  }
  std::string url_;
};

TEST_F(PostgresServe, MigratesServesAndStopsOnSigterm) {
  TempDir dir;
  dir.write("wasl.yaml", postgres_config(dir, true));
  HubProcess hub(dir.file("wasl.yaml"));
  auto port = hub.wait_until_listening(30s);
  ASSERT_TRUE(port) << hub.log();
  expect_system_routes(*port);
  hub.signal(SIGTERM);
  auto code = hub.wait_for_exit(30s);
  ASSERT_TRUE(code) << hub.log();
  EXPECT_EQ(*code, 0);

  CommandResult again = run_wasl({"migrate", "--config", dir.file("wasl.yaml")});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("nothing to apply"), std::string::npos) << again.out;
  EXPECT_EQ(again.out.find(url_), std::string::npos);
}

TEST_F(PostgresServe, UnreachableDatabaseIsAFixableFailureWithoutThePassword) {
  TempDir dir;
  dir.write("wasl.yaml", postgres_config(dir, true));
  setenv("WASL_TEST_DATABASE_URL", "postgresql://wasl:hunter2@127.0.0.1:1/wasl", 1);
  CommandResult r = run_wasl({"serve", "--config", dir.file("wasl.yaml")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.find("hunter2"), std::string::npos) << r.err;
  EXPECT_FALSE(r.err.empty());
}

}  // namespace
}  // namespace wasl::testing
