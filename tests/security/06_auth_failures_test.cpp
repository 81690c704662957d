// Point 6: failed authentications are limited by source address, whatever
// the token says, and audited once per source and minute. From a source of
// its own (a loopback address no other test uses, so the shared hub's other
// tests are not blocked), a guesser sends bearer tokens whose first
// characters all differ: after auth_failures_per_minute (10) failures the
// source gets 429, a valid key from it too, while the same key from another
// source is served; the failures become one auth.failed event per minute
// carrying their count, not one event each.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <string>

#include "hub/storage/store.hpp"
#include "tests/security/security_hub.hpp"

namespace wasl::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kGuesser = "127.0.0.66";

// GET /v1/me from `source`, with `authorization`; the status, 0 when none came.
int get_me_from(const char* source, int port, const std::string& authorization) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in local{};
  local.sin_family = AF_INET;
  ::inet_pton(AF_INET, source, &local.sin_addr);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  std::string answer;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0 &&
      ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0) {
    const std::string request =
        "GET /v1/me HTTP/1.1\r\nHost: wasl\r\nAuthorization: " + authorization +
        "\r\nConnection: close\r\n\r\n";
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
        static_cast<ssize_t>(request.size())) {
      char buf[4096];
      auto deadline = Clock::now() + 10s;
      while (Clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 1000) <= 0) continue;
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        answer.append(buf, static_cast<std::size_t>(n));
      }
    }
  }
  ::close(fd);
  if (answer.rfind("HTTP/1.1 ", 0) != 0 || answer.size() < 12) return 0;
  return std::stoi(answer.substr(9, 3));
}

// The hub's own store, as its configuration names it.
std::unique_ptr<storage::Store> open_hub_store(ConsultationHub& hub) {
  std::ifstream in(hub.config_path());
  std::stringstream text;
  text << in.rdbuf();
  const std::string config = text.str();
  auto field = [&config](const std::string& key) -> std::string {
    auto at = config.find("\n    " + key + ": ");
    if (at == std::string::npos) return {};
    at += key.size() + 7;
    json quoted = json::parse(config.substr(at, config.find('\n', at) - at), nullptr, false);
    return quoted.is_string() ? quoted.get<std::string>() : std::string();
  };
  if (config.find("backend: postgres") != std::string::npos) {
    storage::PostgresOptions o;
    o.url = field("url");
    o.pool_size = 1;
    auto store = storage::open_postgres(o);
    return store.ok() ? std::move(store).value() : nullptr;
  }
  storage::SqliteOptions o;
  o.path = field("path");
  o.pool_size = 1;
  auto store = storage::open_sqlite(o);
  return store.ok() ? std::move(store).value() : nullptr;
}

TEST(AuthFailures, RotatingTokenPrefixesFromOneSourceAreLimitedAndAuditedPerMinute) {
  SecurityHub& s = SecurityHub::shared();
  ASSERT_TRUE(s.ok());
  const int port = s.hub().port();

  int first_refused = -1;
  for (int i = 0; i < 25; ++i) {
    const std::string token = "g" + std::to_string(100000 + i) + "_" + std::string(60, 'z');
    const int status = get_me_from(kGuesser, port, "Bearer " + token);
    ASSERT_TRUE(status == 401 || status == 429) << i << ": " << status;
    if (status == 429 && first_refused < 0) first_refused = i;
    if (first_refused >= 0) {
      EXPECT_EQ(status, 429) << i;
    }
  }
  EXPECT_EQ(first_refused, 10) << "the eleventh failure from the source is refused";

  // A valid key waits too from the blocked source; from another it is served.
  HubApiClient admin = s.client(SecurityHub::kA, "admin");
  EXPECT_EQ(admin.get("/v1/me").status, 200);
  const std::string key = admin.api_key();
  EXPECT_EQ(get_me_from(kGuesser, port, "Bearer " + key), 429);
  EXPECT_EQ(get_me_from("127.0.0.67", port, "Bearer " + key), 200);

  // The failures reach the audit trail once their minute has ended: one
  // event per source and minute, carrying the count.
  auto store = open_hub_store(s.hub());
  ASSERT_NE(store, nullptr);
  std::int64_t counted = 0;
  std::int64_t events = 0;
  std::set<std::string> minutes;
  std::mutex pace_mutex;
  std::condition_variable pace;
  const auto deadline = Clock::now() + 100s;
  while (Clock::now() < deadline && counted < 10) {
    auto tx = store->begin(storage::TxMode::kReadOnly);
    ASSERT_TRUE(tx.ok());
    auto rows = (*tx)->query(
        "SELECT detail FROM audit_events WHERE action = 'auth.failed' AND source_address = $1",
        {std::string(kGuesser)});
    ASSERT_TRUE(rows.ok()) << rows.error().message;
    (*tx)->rollback();
    counted = 0;
    events = static_cast<std::int64_t>(rows->size());
    minutes.clear();
    for (const auto& row : *rows) {
      json detail = json::parse(row.get_text(0).value_or("{}"), nullptr, false);
      counted += detail.value("count", std::int64_t{0});
      minutes.insert(detail.value("minute", std::string()));
    }
    if (counted < 10) {
      std::unique_lock lock(pace_mutex);
      pace.wait_for(lock, 500ms, [] { return false; });  // the next look, not a hand-off
    }
  }
  EXPECT_EQ(counted, 10) << "the ten checked failures, the refused ones not counted";
  EXPECT_GE(events, 1);
  EXPECT_EQ(static_cast<std::size_t>(events), minutes.size())
      << "at most one auth.failed event per source and minute";
}

}  // namespace
}  // namespace wasl::testing
