#include "tests/peers/support/peer_process.hpp"

#include <signal.h>

#include <chrono>

#include <gtest/gtest.h>

namespace wasl::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

PeerOptions example(std::vector<std::string> args = {}) {
  PeerOptions options;
  options.args = std::move(args);
  return options;
}

bool running(pid_t pid) { return kill(pid, 0) == 0; }

TEST(PeerProcessTest, StartsTheExamplePeerTalksToItAndStopsItGracefully) {
  auto peer = PeerProcess::start("support/example", example({"--token", "t"}));
  ASSERT_TRUE(peer.ok()) << peer.error().message;
  PeerProcess& p = **peer;
  EXPECT_GT(p.port(), 0);
  EXPECT_EQ(p.url(), "http://127.0.0.1:" + std::to_string(p.port()));

  auto added = p.post("/_peer/faults", {{"operation", "CreateNote"}, {"status", 503}});
  ASSERT_TRUE(added.ok()) << added.error().message;
  EXPECT_EQ((*added)["rules"].size(), 1u);
  auto refused = p.post("/_peer/faults", {{"operation", "CreateNote"}, {"status", 404}});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("400"), std::string::npos) << refused.error().message;
  ASSERT_TRUE(p.post("/_peer/reset").ok());
  auto effects = p.get("/_peer/effects");
  ASSERT_TRUE(effects.ok()) << effects.error().message;
  EXPECT_EQ(*effects, json::object());

  pid_t pid = p.pid();
  auto stopped = p.stop();
  ASSERT_TRUE(stopped.ok()) << stopped.error().message;
  EXPECT_EQ(*stopped, 0) << "SIGTERM closes the peer and it exits 0";
  EXPECT_FALSE(running(pid));
  EXPECT_FALSE(p.get("/_peer/effects").ok());
}

TEST(PeerProcessTest, APeerThatExitsAtStartFailsWithTheEndOfItsLog) {
  auto peer = PeerProcess::start("support/example", example({"--colour", "blue"}));
  ASSERT_FALSE(peer.ok());
  EXPECT_EQ(peer.error().code, sdk::ErrorCode::kUnavailable);
  EXPECT_NE(peer.error().message.find("exited at start with status 2"), std::string::npos)
      << peer.error().message;
  EXPECT_NE(peer.error().message.find("unknown option --colour"), std::string::npos)
      << peer.error().message;
}

TEST(PeerProcessTest, APeerThatWritesNoPortFailsAtTheDeadline) {
  PeerOptions options;
  options.script = "fixtures/silent_peer.js";
  options.start_deadline = 1s;
  auto started = std::chrono::steady_clock::now();
  auto peer = PeerProcess::start("support", options);
  ASSERT_FALSE(peer.ok());
  EXPECT_EQ(peer.error().code, sdk::ErrorCode::kDeadlineExceeded);
  EXPECT_NE(peer.error().message.find("wrote no port within 1 s"), std::string::npos)
      << peer.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
}

TEST(PeerProcessTest, APeerIgnoringSigtermIsKilledAtTheStopDeadline) {
  PeerOptions options;
  options.script = "fixtures/stubborn_peer.js";
  auto peer = PeerProcess::start("support", options);
  ASSERT_TRUE(peer.ok()) << peer.error().message;
  pid_t pid = (*peer)->pid();
  auto stopped = (*peer)->stop(1s);
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.error().code, sdk::ErrorCode::kDeadlineExceeded);
  EXPECT_FALSE(running(pid));
  auto again = (*peer)->stop(1s);
  EXPECT_EQ(again.ok(), stopped.ok()) << "a second stop returns the first outcome";
}

TEST(PeerProcessTest, DependenciesWithoutAPackageLockAreRefusedAndTheOutcomeKept) {
  auto first = PeerProcess::install("support/fixtures/unlocked");
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.error().code, sdk::ErrorCode::kFailedPrecondition);
  EXPECT_NE(first.error().message.find("no package-lock.json"), std::string::npos)
      << first.error().message;
  auto started = PeerProcess::start("support/fixtures/unlocked");
  ASSERT_FALSE(started.ok()) << "start installs first and fails on its outcome";
  EXPECT_EQ(started.error().message, first.error().message);
}

TEST(PeerProcessTest, APeerWithAControlPortIsControlledThere) {
  PeerOptions options;
  options.script = "fixtures/two_port_peer.js";
  auto peer = PeerProcess::start("support", options);
  ASSERT_TRUE(peer.ok()) << peer.error().message;
  EXPECT_GT((*peer)->port(), 0);
  EXPECT_GT((*peer)->control_port(), 0);
  EXPECT_NE((*peer)->control_port(), (*peer)->port());
  auto effects = (*peer)->get("/_peer/effects");
  ASSERT_TRUE(effects.ok()) << effects.error().message;
  EXPECT_EQ(*effects, json::object()) << "the control API, not the main port's route";
  auto stopped = (*peer)->stop();
  ASSERT_TRUE(stopped.ok()) << stopped.error().message;
  EXPECT_EQ(*stopped, 0);
}

TEST(PeerProcessTest, RunToCompletionReportsTheStatusAndTheLog) {
  std::string log = ::testing::TempDir() + "run_to_completion.log";
  EXPECT_TRUE(run_to_completion("true", {"/bin/sh", "-c", "exit 0"}, log, 10s).ok());
  auto failed =
      run_to_completion("the tool", {"/bin/sh", "-c", "echo no certificates; exit 3"}, log, 10s);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, sdk::ErrorCode::kUnavailable);
  EXPECT_NE(failed.error().message.find("the tool failed with status 3"), std::string::npos)
      << failed.error().message;
  EXPECT_NE(failed.error().message.find("no certificates"), std::string::npos)
      << failed.error().message;
  auto slow = run_to_completion("the sleeper", {"/bin/sh", "-c", "exec sleep 30"}, log, 1s);
  ASSERT_FALSE(slow.ok());
  EXPECT_EQ(slow.error().code, sdk::ErrorCode::kDeadlineExceeded);
}

TEST(PeerProcessTest, SuitePeerKeepsWhyItDidNotStart) {
  SuitePeer never_started;
  EXPECT_FALSE(never_started.ok());
  EXPECT_FALSE(never_started.error().empty());
  SuitePeer failed;
  failed.start("support/example", example({"--colour", "blue"}));
  EXPECT_FALSE(failed.ok());
  EXPECT_NE(failed.error().find("unknown option --colour"), std::string::npos) << failed.error();
  SuitePeer started;
  started.start("support/example");
  ASSERT_TRUE(started.ok()) << started.error();
  EXPECT_TRUE(started->get("/_peer/faults").ok());
  started.stop();
  EXPECT_FALSE(started.ok());
}

}  // namespace
}  // namespace wasl::testing
