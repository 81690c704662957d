// A thousand senders trickling bytes must not slow an honest one: the
// listener's I/O thread never waits on a sender, and the handler's workers
// are taken only by whole messages.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "hub/mllp/mllp_listener.hpp"
#include "tests/unit/mllp/mllp_test_client.hpp"

namespace wasl::mllp {
namespace {

using namespace std::chrono_literals;
using testing::Clock;
using testing::frame;
using testing::MllpTestClient;

constexpr std::size_t kTricklers = 1000;
constexpr std::size_t kProbes = 200;

// Raises the soft limit on open files to what the test needs (two
// descriptors per connection, the client's and the listener's).
bool ensure_open_files(rlim_t needed) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
  if (limit.rlim_cur >= needed) return true;
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < needed) return false;
  limit.rlim_cur = needed;
  return ::setrlimit(RLIMIT_NOFILE, &limit) == 0;
}

TEST(MllpHostileTest, TricklingConnectionsDoNotDelayAnHonestSender) {
  ASSERT_TRUE(ensure_open_files(2 * kTricklers + 256))
      << "RLIMIT_NOFILE's hard limit is below " << 2 * kTricklers + 256;
  const auto test_started = Clock::now();
  // The connections are open well before this, in about a second.
  constexpr auto kProbeStart = 2s;
  constexpr auto kProbeInterval = 15ms;

  MllpListenerOptions options;
  options.name = "hostile";
  options.limits.max_connections = 2 * kTricklers;
  options.limits.max_connections_per_peer = 2 * kTricklers;  // all of them come from 127.0.0.1
  options.limits.read_timeout = 60s;
  options.limits.idle_timeout = 60s;
  auto started = MllpListener::start(
      options,
      [](const MllpMessage& message) {
        return MllpReply{"ACK:" + message.data, false};
      },
      nullptr);
  ASSERT_TRUE(started.ok()) << started.error().message;
  const auto listener = std::move(started).value();

  // Half of them inside a message that never ends, half sending junk
  // between messages.
  std::vector<std::unique_ptr<MllpTestClient>> tricklers;
  tricklers.reserve(kTricklers);
  for (std::size_t i = 0; i < kTricklers; ++i) {
    auto client = std::make_unique<MllpTestClient>(listener->port());
    ASSERT_TRUE(client->valid()) << "connection " << i;
    ASSERT_TRUE(client->send_all(i % 2 == 0 ? "\x0bMSH|" : "\r"));
    tricklers.push_back(std::move(client));
  }

  std::atomic<bool> done{false};
  std::atomic<std::size_t> trickled{0};
  std::thread trickle([&] {
    // One byte to each connection in turn, every connection about every
    // 100 ms, until the probe is done.
    while (!done.load()) {
      const auto round_started = Clock::now();
      for (std::size_t i = 0; i < tricklers.size() && !done.load(); ++i) {
        if (tricklers[i]->send_all(i % 2 == 0 ? "x" : "\n")) ++trickled;
      }
      std::this_thread::sleep_until(round_started + 100ms);  // the trickle's pace
    }
  });

  MllpTestClient probe(listener->port());
  ASSERT_TRUE(probe.valid());
  std::vector<double> round_trips_ms;
  round_trips_ms.reserve(kProbes);
  for (std::size_t i = 0; i < kProbes; ++i) {
    // One message every 15 ms, so that the probe spans some 30 rounds of the
    // trickle.
    std::this_thread::sleep_until(test_started + kProbeStart + i * kProbeInterval);
    const std::string message = "MSH|^~\\&|PROBE|" + std::to_string(i) + "\r";
    const auto sent = Clock::now();
    ASSERT_TRUE(probe.send_all(frame(message)));
    const auto reply = probe.read_frame(5s);
    ASSERT_EQ(reply, "ACK:" + message) << "probe " << i;
    round_trips_ms.push_back(
        std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
  }
  done = true;
  trickle.join();

  // Every trickler is still connected: nothing was refused or timed out.
  std::size_t closed = 0;
  for (auto& client : tricklers) closed += client->closed_within(0ms) ? 1 : 0;
  EXPECT_EQ(closed, 0U);

  std::sort(round_trips_ms.begin(), round_trips_ms.end());
  const double p50 = round_trips_ms[kProbes / 2];
  const double p99 = round_trips_ms[kProbes * 99 / 100 - 1];
  const double max = round_trips_ms.back();
  std::printf(
      "mllp hostile: %zu trickling connections, %zu bytes trickled; probe round trip "
      "p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
      kTricklers, trickled.load(), p50, p99, max);
  EXPECT_LT(p99, 100.0);
  EXPECT_GT(trickled.load(), 10 * kTricklers) << "the trickle ran during the probe";

  listener->stop();
  EXPECT_LT(Clock::now() - test_started, 20s);
}

}  // namespace
}  // namespace wasl::mllp
