// Scripted faults against the real hub (`wasl serve` on PostgreSQL): the
// database restarted under webhook load, a half-open database connection
// (a TCP proxy the test freezes), a poison inbox row, and slow clients.
// Each test starts its own PostgreSQL (scripts/test-postgres) so it can
// restart or cut it without touching the other suites, and is bounded in
// time (a few seconds of load each). The fault "two hubs, one cut off from
// the database past its lease" is TwoHubsTest in
// tests/integration/workflow_crash_test.cpp (label reliability too).
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "hub/storage/store.hpp"
#include "hub/webhooks/standard_webhook_signature.hpp"
#include "tests/integration/hub_process.hpp"
#include "tests/unit/storage/tcp_proxy.hpp"

namespace wasl::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

// A PostgreSQL server of the test's own.
class OwnPostgres {
 public:
  explicit OwnPostgres(const TempDir& dir) : dir_(dir.file("pg")) {
    run("start");
    std::ifstream in(dir_ + "/url");
    std::getline(in, url_);
  }
  ~OwnPostgres() { run("stop"); }
  const std::string& url() const { return url_; }
  int port() const { return std::atoi(url_.c_str() + url_.rfind(':') + 1); }
  // Stops the server, keeps it down for `down`, starts it again on its port.
  void restart(std::chrono::milliseconds down) {
    run("restart " + dir_ + " " + std::to_string(down.count()), true);
  }

 private:
  void run(const std::string& what, bool raw = false) {
    std::string cmd = std::string(WASL_SOURCE_DIR) + "/scripts/test-postgres " +
                      (raw ? what : what + " " + dir_) + " >/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  std::string dir_;
  std::string url_;
};

struct Answer {
  int status = 0;  // 0: no answer (connection failed or timed out)
  std::string retry_after;
  std::string body;
  std::chrono::milliseconds took{0};
};

Answer post_webhook(int port, const std::string& id, std::chrono::seconds timeout = 15s) {
  const std::string body = R"({"type":"appointment.updated","correlation":"Appointment/)" + id +
                           R"(","payload":{"status":"booked"}})";
  auto signer = webhooks::StandardWebhookSignature::from_secret(kSecret);
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  Answer a;
  auto t0 = Clock::now();
  try {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
    session.setTimeout(Poco::Timespan(timeout.count(), 0));
    Poco::Net::HTTPRequest req("POST", "/v1/webhooks/hospital.fac-a",
                               Poco::Net::HTTPMessage::HTTP_1_1);
    req.setContentType("application/json");
    req.set("webhook-id", id);
    req.set("webhook-timestamp", std::to_string(now));
    req.set("webhook-signature", *signer->sign(id, now, body));
    req.setContentLength(static_cast<std::streamsize>(body.size()));
    session.sendRequest(req) << body;
    Poco::Net::HTTPResponse resp;
    std::istream& in = session.receiveResponse(resp);
    Poco::StreamCopier::copyToString(in, a.body);
    a.status = resp.getStatus();
    a.retry_after = resp.get("Retry-After", "");
  } catch (const std::exception&) {
    a.status = 0;
  }
  a.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  return a;
}

Answer get(int port, const std::string& path, std::chrono::seconds timeout = 15s) {
  Answer a;
  auto t0 = Clock::now();
  try {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
    session.setTimeout(Poco::Timespan(timeout.count(), 0));
    Poco::Net::HTTPRequest req("GET", path, Poco::Net::HTTPMessage::HTTP_1_1);
    session.sendRequest(req);
    Poco::Net::HTTPResponse resp;
    std::istream& in = session.receiveResponse(resp);
    Poco::StreamCopier::copyToString(in, a.body);
    a.status = resp.getStatus();
    a.retry_after = resp.get("Retry-After", "");
  } catch (const std::exception&) {
    a.status = 0;
  }
  a.took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  return a;
}

class ReliabilityTest : public ::testing::Test {
 protected:
  // Writes the hub's config (PostgreSQL at `database_url`) and starts it.
  void start_hub(const std::string& database_url, const std::string& server_extra = "") {
    CommandResult keys = run_wasl({"keys", "generate", "--file", dir_.file("keys.json")});
    ASSERT_EQ(keys.exit_code, 0) << keys.err;
    dir_.write("wasl.yaml",
               "security:\n  key_file: " + dir_.file("keys.json") +
                   "\n"
                   "workflows_dir: " +
                   std::string(WASL_SOURCE_DIR) +
                   "/workflows\n"
                   "server:\n  host: 127.0.0.1\n  port: 0\n" +
                   server_extra +
                   "storage:\n  backend: postgres\n  migrate_on_start: true\n"
                   "  postgres:\n    url: " +
                   database_url +
                   "\n    pool_size: 4\n"
                   "    acquire_timeout: 1s\n    connect_timeout: 2s\n    statement_timeout: 2s\n"
                   "facilities:\n  fac-a:\n    name: Hospital A\n    webhook_secret: " +
                   std::string(kSecret) +
                   "\n"
                   "log:\n  level: info\n");
    hub_ = std::make_unique<HubProcess>(dir_.file("wasl.yaml"));
    auto port = hub_->wait_until_listening(60s);
    ASSERT_TRUE(port) << hub_->log();
    port_ = *port;
  }

  // Inbox rows of the hub's database by state, read directly.
  std::map<std::string, std::string> inbox(const std::string& url) {
    storage::PostgresOptions o;
    o.url = url;
    o.pool_size = 1;
    auto store = storage::open_postgres(o);
    EXPECT_TRUE(store.ok()) << store.error().message;
    std::map<std::string, std::string> out;
    if (!store.ok()) return out;
    auto tx = (*store)->begin(storage::TxMode::kReadOnly);
    EXPECT_TRUE(tx.ok());
    auto rows = (*tx)->query("SELECT dedupe_key, state FROM inbox");
    EXPECT_TRUE(rows.ok());
    if (rows.ok()) {
      for (const auto& r : *rows) out[r.get_text(0).value_or("")] = r.get_text(1).value_or("");
    }
    return out;
  }

  // The hub stops before its database (a server stopping waits for its
  // clients to leave).
  void TearDown() override {
    if (hub_) {
      hub_->signal(SIGTERM);
      EXPECT_TRUE(hub_->wait_for_exit(30s)) << "the hub did not stop within 30 s";
      hub_.reset();
    }
    proxy_.reset();
    pg_.reset();
  }

  TempDir dir_;
  std::unique_ptr<OwnPostgres> pg_;
  std::unique_ptr<storage::testing::TcpProxy> proxy_;
  std::unique_ptr<HubProcess> hub_;
  int port_ = 0;
};

// Webhooks from four clients for about 8 s while PostgreSQL is stopped for
// 2 s and started again. Every 202 is in the inbox afterwards; every other
// answer is a 503 with Retry-After; no 500, no request left unanswered.
TEST_F(ReliabilityTest, PostgresRestartUnderWebhookLoad) {
  pg_ = std::make_unique<OwnPostgres>(dir_);
  OwnPostgres& pg = *pg_;
  ASSERT_NO_FATAL_FAILURE(start_hub(pg.url()));
  std::mutex m;
  std::set<std::string> accepted;
  std::map<int, int> statuses;
  int without_retry_after = 0;
  std::chrono::milliseconds slowest{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; !done.load(); ++i) {
        std::string id = "msg_" + std::to_string(c) + "_" + std::to_string(i);
        Answer a = post_webhook(port_, id);
        std::lock_guard lock(m);
        ++statuses[a.status];
        slowest = std::max(slowest, a.took);
        if (a.status == 202) accepted.insert(id);
        if (a.status == 503 && a.retry_after.empty()) ++without_retry_after;
      }
    });
  }
  auto until = [](std::chrono::milliseconds d) {
    auto end = Clock::now() + d;
    while (Clock::now() < end) std::this_thread::yield();
  };
  until(2s);
  pg.restart(2s);
  until(4s);
  done.store(true);
  for (auto& t : clients) t.join();
  std::ostringstream summary;
  for (auto [status, n] : statuses) summary << status << ":" << n << " ";
  std::printf("restart under load: %s(slowest %lld ms)\n", summary.str().c_str(),
              static_cast<long long>(slowest.count()));
  EXPECT_GT(statuses[202], 0) << summary.str();
  for (auto [status, n] : statuses) {
    EXPECT_TRUE(status == 202 || status == 503)
        << n << " answers of " << status << "; " << summary.str();
  }
  EXPECT_EQ(without_retry_after, 0);
  auto rows = inbox(pg.url());
  int missing = 0;
  for (const auto& id : accepted) missing += rows.count(id) == 0 ? 1 : 0;
  EXPECT_EQ(missing, 0) << "of " << accepted.size() << " accepted webhooks";
  EXPECT_LT(slowest, 10s);
  // And it serves again.
  EXPECT_EQ(post_webhook(port_, "msg_after").status, 202);
}

// The hub's database connections pass through a proxy that then freezes
// them: both sockets stay open, nothing moves (a half-open connection; new
// connections get through). Requests that need the database answer 503 with
// Retry-After within seconds, /healthz is unaffected, and the hub recovers
// by itself: the silent connections are closed and replaced, with the old
// ones still frozen.
TEST_F(ReliabilityTest, HalfOpenDatabaseConnectionIsA503NotAHang) {
  pg_ = std::make_unique<OwnPostgres>(dir_);
  OwnPostgres& pg = *pg_;
  proxy_ = std::make_unique<storage::testing::TcpProxy>(pg.port());
  storage::testing::TcpProxy& proxy = *proxy_;
  std::string via = pg.url();
  via.replace(via.rfind(':') + 1, via.rfind('/') - via.rfind(':') - 1,
              std::to_string(proxy.port()));
  ASSERT_NO_FATAL_FAILURE(start_hub(via));
  ASSERT_EQ(post_webhook(port_, "msg_before").status, 202);
  ASSERT_EQ(get(port_, "/readyz").status, 200);
  proxy.freeze();
  Answer during = post_webhook(port_, "msg_during", 30s);
  EXPECT_TRUE(during.status == 503 || during.status == 202) << during.status << during.body;
  if (during.status == 503) EXPECT_FALSE(during.retry_after.empty());
  EXPECT_LT(during.took, 8s);
  Answer health = get(port_, "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_LT(health.took, 1s);
  auto frozen_at = Clock::now();
  int status = 0;
  int attempt = 0;
  while (Clock::now() - frozen_at < 20s &&
         (status = post_webhook(port_, "msg_after_" + std::to_string(++attempt)).status) != 202) {
    EXPECT_TRUE(status == 503) << status;
  }
  auto recovered = Clock::now() - frozen_at;
  std::printf("half-open: first answer %d in %lld ms; accepting again %lld ms after the freeze\n",
              during.status, static_cast<long long>(during.took.count()),
              static_cast<long long>(
                  std::chrono::duration_cast<std::chrono::milliseconds>(recovered).count()));
  EXPECT_EQ(status, 202) << "the hub did not recover within 20 s while the old connections hang";
  EXPECT_EQ(get(port_, "/readyz").status, 200);
  proxy.thaw();
}

// A row whose ciphertext is one byte sits in the inbox before a good one:
// the good one is dispatched, the poison row parked and audited.
TEST_F(ReliabilityTest, APoisonInboxRowIsParkedAndTheRestFlow) {
  pg_ = std::make_unique<OwnPostgres>(dir_);
  OwnPostgres& pg = *pg_;
  ASSERT_NO_FATAL_FAILURE(start_hub(pg.url()));
  ASSERT_EQ(post_webhook(port_, "msg_first").status, 202);
  {
    storage::PostgresOptions o;
    o.url = pg.url();
    o.pool_size = 1;
    auto store = storage::open_postgres(o);
    ASSERT_TRUE(store.ok()) << store.error().message;
    auto tx = (*store)->begin();
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE((*tx)
                    ->exec("INSERT INTO inbox (id, instance, dedupe_key, facility_id, received_at, "
                           "body_enc, state) VALUES ('poison-row', 'hospital.fac-a', "
                           "'msg_poison', 'fac-a', 1, $1, 'received')",
                           {storage::Blob{std::string(1, '\x01')}})
                    .ok());
    ASSERT_TRUE((*tx)->commit().ok());
  }
  ASSERT_EQ(post_webhook(port_, "msg_behind").status, 202);
  auto deadline = Clock::now() + 20s;
  std::map<std::string, std::string> rows;
  while (Clock::now() < deadline) {
    rows = inbox(pg.url());
    if (rows["msg_poison"] == "parked" && rows["msg_behind"] != "received") break;
  }
  EXPECT_EQ(rows["msg_poison"], "parked");
  EXPECT_NE(rows["msg_behind"], "received");
  EXPECT_NE(rows["msg_behind"], "");
}

}  // namespace
}  // namespace wasl::testing
