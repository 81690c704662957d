#include "hub/mllp/mllp_listener.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "hub/observability/metrics.hpp"
#include "tests/unit/mllp/mllp_test_calls.hpp"
#include "tests/unit/mllp/mllp_test_client.hpp"

namespace wasl::mllp {
namespace {

using namespace std::chrono_literals;
using testing::Calls;
using testing::frame;
using testing::Gate;
using testing::MllpTestClient;

constexpr auto kWait = 5s;  // the bound on anything that should happen

std::unique_ptr<MllpListener> start_listener(MllpLimits limits, MllpHandler handler,
                                             observability::Metrics* metrics = nullptr) {
  MllpListenerOptions options;
  options.limits = limits;
  options.name = "test";
  auto started = MllpListener::start(options, std::move(handler), metrics);
  EXPECT_TRUE(started.ok()) << (started.ok() ? "" : started.error().message);
  return started.ok() ? std::move(started).value() : nullptr;
}

MllpHandler echo(Calls& calls) {
  return [&calls](const MllpMessage& message) {
    calls.record(message);
    return MllpReply{"ACK:" + message.data, false};
  };
}

TEST(MllpListenerTest, AMessageGetsTheHandlersReply) {
  Calls calls;
  observability::Metrics metrics;
  auto listener = start_listener({}, echo(calls), &metrics);
  ASSERT_NE(listener, nullptr);
  EXPECT_NE(listener->port(), 0);

  MllpTestClient client(listener->port());
  ASSERT_TRUE(client.valid());
  ASSERT_TRUE(client.send_all("\r\n" + frame("MSH|^~\\&|A\rPID|1\r")));
  EXPECT_EQ(client.read_frame(kWait), "ACK:MSH|^~\\&|A\rPID|1\r");
  ASSERT_TRUE(calls.wait_for(1, kWait));
  const MllpMessage seen = calls.messages().at(0);
  EXPECT_EQ(seen.peer_address, "127.0.0.1");
  EXPECT_FALSE(seen.truncated);
  EXPECT_GT(seen.received_at_ms, 1700000000000);

  // The connection stays open for the next message.
  ASSERT_TRUE(client.send_all(frame("second")));
  EXPECT_EQ(client.read_frame(kWait), "ACK:second");
  listener->stop();
  const std::string text = metrics.render();
  EXPECT_NE(text.find("wasl_mllp_messages_total{listener=\"test\",outcome=\"replied\"} 2"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("wasl_mllp_connections_total{listener=\"test\",outcome=\"accepted\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("wasl_mllp_open_connections{listener=\"test\"} 0"), std::string::npos)
      << text;
}

TEST(MllpListenerTest, TwoPipelinedMessagesAreHandledInOrderOneAtATime) {
  Calls calls;
  Gate first_may_return;
  auto listener = start_listener({}, [&](const MllpMessage& message) {
    calls.record(message);
    if (message.data == "one") first_may_return.wait();
    return MllpReply{"ACK:" + message.data, false};
  });
  ASSERT_NE(listener, nullptr);
  MllpTestClient client(listener->port());
  ASSERT_TRUE(client.send_all(frame("one") + frame("two")));
  ASSERT_TRUE(calls.wait_for(1, kWait));
  // While the first is with the handler, the second is not read (4 workers
  // are free for it).
  EXPECT_FALSE(calls.wait_for(2, 300ms));
  first_may_return.open();
  EXPECT_EQ(client.read_frame(kWait), "ACK:one");
  EXPECT_EQ(client.read_frame(kWait), "ACK:two");
  const auto seen = calls.messages();
  ASSERT_EQ(seen.size(), 2U);
  EXPECT_EQ(seen[0].data, "one");
  EXPECT_EQ(seen[1].data, "two");
}

TEST(MllpListenerTest, ConnectionsAreHandledConcurrently) {
  Gate release;
  std::atomic<int> inside{0};
  auto listener = start_listener({}, [&](const MllpMessage& message) {
    ++inside;
    release.wait();
    return MllpReply{"ACK:" + message.data, false};
  });
  ASSERT_NE(listener, nullptr);
  MllpTestClient a(listener->port());
  MllpTestClient b(listener->port());
  ASSERT_TRUE(a.send_all(frame("a")));
  ASSERT_TRUE(b.send_all(frame("b")));
  const auto deadline = testing::Clock::now() + kWait;
  while (inside.load() < 2 && testing::Clock::now() < deadline) std::this_thread::yield();
  EXPECT_EQ(inside.load(), 2);
  release.open();
  EXPECT_EQ(a.read_frame(kWait), "ACK:a");
  EXPECT_EQ(b.read_frame(kWait), "ACK:b");
}

TEST(MllpListenerTest, OversizeMessageReachesTheHandlerTruncatedThenTheConnectionCloses) {
  Calls calls;
  MllpLimits limits;
  limits.max_message_bytes = 100 * 1024;
  auto listener = start_listener(limits, [&](const MllpMessage& message) {
    calls.record(message);
    return MllpReply{message.truncated ? "NAK:too long" : "ACK", false};
  });
  ASSERT_NE(listener, nullptr);
  MllpTestClient client(listener->port());
  std::string body = "MSH|head";
  body += std::string(2 * 1024 * 1024, 'x');
  const std::string stream = frame(body) + frame("after");
  std::thread sender([&] { client.send_all(stream); });
  EXPECT_EQ(client.read_frame(kWait), "NAK:too long");
  EXPECT_TRUE(client.closed_within(kWait));
  sender.join();
  ASSERT_TRUE(calls.wait_for(1, kWait));
  const auto seen = calls.messages();
  ASSERT_EQ(seen.size(), 1U) << "nothing after the over-size message is read";
  EXPECT_TRUE(seen[0].truncated);
  EXPECT_EQ(seen[0].data.size(), 64U * 1024);
  EXPECT_EQ(seen[0].data.substr(0, 9), "MSH|headx");
}

TEST(MllpListenerTest, ReadDeadlineRunsFromTheFirstByteHoweverSteadyTheTrickle) {
  Calls calls;
  MllpLimits limits;
  limits.read_timeout = 300ms;
  auto listener = start_listener(limits, echo(calls));
  ASSERT_NE(listener, nullptr);
  MllpTestClient client(listener->port());
  const auto started = testing::Clock::now();
  ASSERT_TRUE(client.send_all("\x0bMSH|"));
  bool closed = false;
  while (!closed && testing::Clock::now() - started < kWait) {
    client.send_all("x");  // fails once the listener has closed
    closed = client.closed_within(50ms);
  }
  EXPECT_TRUE(closed);
  const auto took = testing::Clock::now() - started;
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 3s);
  EXPECT_FALSE(calls.wait_for(1, 0ms)) << "a message read in part is never delivered";
}

TEST(MllpListenerTest, IdleConnectionIsClosed) {
  Calls calls;
  MllpLimits limits;
  limits.idle_timeout = 200ms;
  auto listener = start_listener(limits, echo(calls));
  ASSERT_NE(listener, nullptr);

  MllpTestClient silent(listener->port());
  EXPECT_TRUE(silent.closed_within(kWait));

  // After a reply, the idle time starts again.
  MllpTestClient after_reply(listener->port());
  ASSERT_TRUE(after_reply.send_all(frame("one")));
  EXPECT_EQ(after_reply.read_frame(kWait), "ACK:one");
  EXPECT_TRUE(after_reply.closed_within(kWait));

  // Bytes before a start block are not activity.
  MllpTestClient junk(listener->port());
  const auto started = testing::Clock::now();
  bool closed = false;
  while (!closed && testing::Clock::now() - started < kWait) {
    junk.send_all("\r\n");
    closed = junk.closed_within(50ms);
  }
  EXPECT_TRUE(closed);
  EXPECT_LT(testing::Clock::now() - started, 3s);
}

TEST(MllpListenerTest, PerPeerCapClosesTheConnectionBeyondIt) {
  Calls calls;
  observability::Metrics metrics;
  MllpLimits limits;
  limits.max_connections_per_peer = 2;
  auto listener = start_listener(limits, echo(calls), &metrics);
  ASSERT_NE(listener, nullptr);
  auto first = std::make_unique<MllpTestClient>(listener->port());
  MllpTestClient second(listener->port());
  ASSERT_TRUE(first->send_all(frame("1")));
  ASSERT_TRUE(second.send_all(frame("2")));
  EXPECT_EQ(first->read_frame(kWait), "ACK:1");
  EXPECT_EQ(second.read_frame(kWait), "ACK:2");

  MllpTestClient third(listener->port());
  ASSERT_TRUE(third.valid()) << "accepted, then closed";
  EXPECT_TRUE(third.closed_within(kWait));

  // Once one closes, a new connection is admitted again.
  first.reset();
  bool admitted = false;
  const auto deadline = testing::Clock::now() + kWait;
  while (!admitted && testing::Clock::now() < deadline) {
    MllpTestClient again(listener->port());
    admitted = again.send_all(frame("again")) && again.read_frame(1s) == "ACK:again";
  }
  EXPECT_TRUE(admitted);
  EXPECT_NE(metrics.render().find(
                "wasl_mllp_connections_total{listener=\"test\",outcome=\"refused_peer_limit\"}"),
            std::string::npos);
}

TEST(MllpListenerTest, ConnectionCapClosesTheConnectionBeyondIt) {
  Calls calls;
  MllpLimits limits;
  limits.max_connections = 1;
  auto listener = start_listener(limits, echo(calls));
  ASSERT_NE(listener, nullptr);
  MllpTestClient first(listener->port());
  ASSERT_TRUE(first.send_all(frame("1")));
  EXPECT_EQ(first.read_frame(kWait), "ACK:1");
  MllpTestClient second(listener->port());
  EXPECT_TRUE(second.closed_within(kWait));
  ASSERT_TRUE(first.send_all(frame("2")));
  EXPECT_EQ(first.read_frame(kWait), "ACK:2");
}

TEST(MllpListenerTest, ReplyMayCloseOrSayNothing) {
  auto listener = start_listener({}, [](const MllpMessage& message) {
    if (message.data == "quiet") return MllpReply{"", false};
    if (message.data == "bye") return MllpReply{"BYE", true};
    return MllpReply{"ACK:" + message.data, false};
  });
  ASSERT_NE(listener, nullptr);
  MllpTestClient client(listener->port());
  ASSERT_TRUE(client.send_all(frame("quiet") + frame("next")));
  EXPECT_EQ(client.read_frame(kWait), "ACK:next") << "nothing was written for the quiet one";
  ASSERT_TRUE(client.send_all(frame("bye")));
  EXPECT_EQ(client.read_frame(kWait), "BYE");
  EXPECT_TRUE(client.closed_within(kWait));
}

TEST(MllpListenerTest, HandlerThatThrowsClosesTheConnectionWithoutAReply) {
  auto listener = start_listener(
      {}, [](const MllpMessage&) -> MllpReply { throw std::runtime_error("the store is down"); });
  ASSERT_NE(listener, nullptr);
  MllpTestClient client(listener->port());
  ASSERT_TRUE(client.send_all(frame("one")));
  EXPECT_EQ(client.read_frame(kWait), std::nullopt);
  EXPECT_TRUE(client.closed_within(kWait));
}

TEST(MllpListenerTest, StopWaitsForTheHandlerInFlight) {
  Gate release;
  std::promise<void> entered;
  std::atomic<bool> finished{false};
  auto listener = start_listener({}, [&](const MllpMessage&) {
    entered.set_value();
    release.wait();
    finished = true;
    return MllpReply{"ACK", false};
  });
  ASSERT_NE(listener, nullptr);
  MllpTestClient client(listener->port());
  ASSERT_TRUE(client.send_all(frame("one")));
  ASSERT_EQ(entered.get_future().wait_for(kWait), std::future_status::ready);

  auto stopped = std::async(std::launch::async, [&] {
    listener->stop();
    return finished.load();
  });
  EXPECT_EQ(stopped.wait_for(300ms), std::future_status::timeout);
  EXPECT_TRUE(client.closed_within(kWait)) << "connections close at once";
  release.open();
  ASSERT_EQ(stopped.wait_for(kWait), std::future_status::ready);
  EXPECT_TRUE(stopped.get()) << "stop() returned after the handler";
  listener->stop();  // idempotent

  MllpTestClient late(listener->port());
  EXPECT_FALSE(late.valid()) << "the port is closed";
}

TEST(MllpListenerTest, StartRefusesABadHostAndATakenPort) {
  MllpListenerOptions options;
  options.host = "not an address";
  auto bad = MllpListener::start(
      options, [](const MllpMessage&) { return MllpReply{}; }, nullptr);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, sdk::ErrorCode::kInvalidArgument);

  auto first = start_listener({}, [](const MllpMessage&) { return MllpReply{}; });
  ASSERT_NE(first, nullptr);
  MllpListenerOptions same;
  same.port = first->port();
  auto taken = MllpListener::start(
      same, [](const MllpMessage&) { return MllpReply{}; }, nullptr);
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().code, sdk::ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace wasl::mllp
