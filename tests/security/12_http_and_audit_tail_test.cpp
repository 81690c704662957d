// Point 12: a slow reader cannot hold the hub's threads, and the audit
// chain's newest events cannot be deleted unnoticed. Each test runs a bare
// `wasl serve` of its own (one facility, no plugins, the suite's storage
// engine), since it sets the server's write deadline or stops the hub and
// edits its database:
//   - a client that asks for responses larger than the socket buffers and
//     never reads has its connection ended at server.write_timeout, counted
//     in wasl_http_write_timeouts_total, while the hub serves others;
//   - `wasl audit verify` passes on the untouched chain and names the
//     deletion when the newest events (fewer than a checkpoint interval)
//     were deleted and audit_head moved back to match.
// The /64 connection cap needs two addresses of one IPv6 /64 on the
// machine, which a test cannot add without root: the peer_key unit test
// covers it.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "hub/storage/postgres/postgres_store.hpp"
#include "hub/storage/sqlite/sqlite_store.hpp"
#include "tests/integration/hub_process.hpp"

namespace wasl::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A bare hub: facility hospital-a with no bindings, on 127.0.0.1 port 0,
// in SQLite or a fresh PostgreSQL schema as the binary was built;
// `server_settings` are further lines of the `server` section.
class BareHub {
 public:
  explicit BareHub(const std::string& server_settings = {}) {
    CommandResult keys = run_wasl({"keys", "generate", "--file", dir_.file("keys.json")});
    EXPECT_EQ(keys.exit_code, 0) << keys.err;
    std::filesystem::create_directories(dir_.file("workflows"));
#ifdef WASL_SECURITY_POSTGRES
    postgres_url_ = fresh_postgres_schema(postgres_test_url());
    const std::string storage =
        "storage:\n  backend: postgres\n  migrate_on_start: true\n"
        "  postgres:\n    url: \"" +
        postgres_url_ + "\"\n";
#else
    const std::string storage = "storage:\n  sqlite:\n    path: " + dir_.file("wasl.db") + "\n";
#endif
    dir_.write("wasl.yaml", "server:\n  host: 127.0.0.1\n  port: 0\n" + server_settings + storage +
                                "security:\n  key_file: " + dir_.file("keys.json") +
                                "\n  audit_checkpoint_every: " + std::to_string(kCheckpointEvery) +
                                "\nworkflows_dir: " + dir_.file("workflows") +
                                "\nfacilities:\n  hospital-a:\n    name: Hospital A\n");
  }
  ~BareHub() { stop(); }

  static constexpr int kCheckpointEvery = 100;

  bool start() {
    process_ = std::make_unique<HubProcess>(dir_.file("wasl.yaml"));
    auto port = process_->wait_until_listening(30000ms);
    if (!port) ADD_FAILURE() << "the hub did not start listening:\n" << process_->log();
    port_ = port.value_or(0);
    return port.has_value();
  }
  void stop() {
    if (!process_) return;
    process_->signal(SIGTERM);
    EXPECT_TRUE(process_->wait_for_exit(30000ms).has_value());
    process_.reset();
  }
  int port() const { return port_; }
  CommandResult run(std::vector<std::string> args) const {
    args.insert(args.end(), {"--config", dir_.file("wasl.yaml")});
    return run_wasl(args);
  }
  // The hub's database, opened as anyone with access to it could.
  std::unique_ptr<storage::Store> open_database() const {
#ifdef WASL_SECURITY_POSTGRES
    auto store = storage::PostgresStore::open({.url = postgres_url_, .pool_size = 1});
#else
    auto store = storage::SqliteStore::open({.path = dir_.file("wasl.db"), .pool_size = 1});
#endif
    EXPECT_TRUE(store.ok()) << store.error().message;
    if (!store.ok()) return nullptr;
    return std::move(store).value();
  }

 private:
  TempDir dir_;
  std::string postgres_url_;
  std::unique_ptr<HubProcess> process_;
  int port_ = 0;
};

// wasl_http_write_timeouts_total in /metrics; 0 while it has no sample.
long write_timeouts(int port) {
  std::istringstream lines(http_get(port, "/metrics").body);
  for (std::string line; std::getline(lines, line);) {
    static const std::string kName = "wasl_http_write_timeouts_total ";
    if (line.rfind(kName, 0) == 0) return std::stol(line.substr(kName.size()));
  }
  return 0;
}

// The TCP state of `fd` (TCP_ESTABLISHED, TCP_CLOSE, …); -1 when unknown.
int tcp_state(int fd) {
  tcp_info info{};
  socklen_t size = sizeof info;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &size) != 0) return -1;
  return info.tcpi_state;
}

TEST(HttpAndAuditTail, AReaderThatNeverReadsIsClosedAtTheWriteDeadline) {
  constexpr auto kWriteTimeout = 2s;
  BareHub hub("  write_timeout: 2s\n");
  ASSERT_TRUE(hub.start());
  const long timeouts_before = write_timeouts(hub.port());

  // Pipelined requests for the OpenAPI document (no key needed), 8 MiB of
  // answers in all: more than the client's small receive buffer and the
  // hub's send buffer (at most net.ipv4.tcp_wmem's 4 MiB) hold, so one
  // response's write blocks on a client that never reads.
  const std::size_t document = http_get(hub.port(), "/v1/openapi.json").body.size();
  ASSERT_GT(document, 0u);
  std::string requests;
  for (std::size_t answers = 0; answers < (8u << 20); answers += document) {
    requests += "GET /v1/openapi.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  }
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  int small = 4096;
  ASSERT_EQ(::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(hub.port()));
  ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to), 0);
  ASSERT_EQ(::send(fd, requests.data(), requests.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(requests.size()));
  const auto sent = Clock::now();

  // Meanwhile the hub answers others.
  HttpAnswer health = http_get(hub.port(), "/healthz");
  EXPECT_EQ(health.status, 200) << health.body;
  EXPECT_EQ(tcp_state(fd), TCP_ESTABLISHED) << "closed before its deadline";

  // The hub ends the connection at the deadline (before it, only the
  // 30 s per-send timeout would have).
  while (Clock::now() - sent < 15s && tcp_state(fd) == TCP_ESTABLISHED) {
    std::this_thread::sleep_for(20ms);  // the next look at the socket
  }
  const auto held = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - sent);
  EXPECT_NE(tcp_state(fd), TCP_ESTABLISHED) << "still open after " << held.count() << " ms";
  EXPECT_LT(held, kWriteTimeout + 5s) << "held " << held.count() << " ms";
  EXPECT_GE(held, kWriteTimeout / 2) << "held " << held.count() << " ms";

  long timeouts = timeouts_before;
  const auto until = Clock::now() + 5s;
  while (Clock::now() < until && (timeouts = write_timeouts(hub.port())) == timeouts_before) {
    std::this_thread::sleep_for(50ms);  // the next look at /metrics
  }
  EXPECT_EQ(timeouts, timeouts_before + 1);
  EXPECT_EQ(http_get(hub.port(), "/healthz").status, 200);
}

TEST(HttpAndAuditTail, DeletingTheNewestAuditEventsFailsVerification) {
  BareHub hub;
  ASSERT_TRUE(hub.start());
  // Audited changes: API keys made while the hub runs.
  for (const char* role : {"hospital", "auditor", "integrator", "admin", "hospital"}) {
    CommandResult made = hub.run({"apikeys", "create", "--facility", "hospital-a", "--role", role});
    ASSERT_EQ(made.exit_code, 0) << made.err;
  }
  hub.stop();

  CommandResult intact = hub.run({"audit", "verify"});
  EXPECT_EQ(intact.exit_code, 0) << intact.out << intact.err;
  EXPECT_NE(intact.out.find("audit trail intact"), std::string::npos) << intact.out;

  // The newest two events deleted, and audit_head moved back to the event
  // before them, straight in the database.
  std::unique_ptr<storage::Store> db = hub.open_database();
  ASSERT_TRUE(db);
  {
    auto tx = db->begin();
    ASSERT_TRUE(tx.ok()) << tx.error().message;
    auto newest = (*tx)->query("SELECT MAX(seq) FROM audit_events");
    ASSERT_TRUE(newest.ok()) << newest.error().message;
    const std::int64_t last = (*newest)[0].get_int(0).value();
    ASSERT_GE(last, 5);
    ASSERT_LT(last, BareHub::kCheckpointEvery) << "no checkpoint may name the deleted events";
    const std::int64_t kept = last - 2;
    auto kept_hash = (*tx)->query("SELECT hash FROM audit_events WHERE seq = $1", {kept});
    ASSERT_TRUE(kept_hash.ok() && kept_hash->size() == 1);
    const std::string hash = (*kept_hash)[0].get_text(0).value();
    ASSERT_TRUE((*tx)->exec("DELETE FROM audit_events WHERE seq > $1", {kept}).ok());
    ASSERT_TRUE(
        (*tx)->exec("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1", {kept, hash}).ok());
    ASSERT_TRUE((*tx)->commit().ok());
  }
  db.reset();

  CommandResult truncated = hub.run({"audit", "verify"});
  EXPECT_EQ(truncated.exit_code, 1) << truncated.out << truncated.err;
  EXPECT_NE(truncated.err.find("the events after it were deleted"), std::string::npos)
      << truncated.out << truncated.err;
}

}  // namespace
}  // namespace wasl::testing
