// ProcessRunner (Host::run_process) with real programs: exit codes and
// signals, the time limit killing the whole process group, bounded output,
// no shell, the allow-list, a cleared environment, cancellation by the
// call's budget, by stop_all and through the instance's C table, and the
// program killed with the process that ran it (kill -9 of the hub).
#include "hub/plugin_host/process_runner.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "hub/plugin_host/call_budget.hpp"
#include "hub/plugin_host/instance_host.hpp"
#include "wasl/sdk/process.hpp"
#include "wasl/sdk/random.hpp"

namespace wasl::plugin_host {
namespace {

using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

const std::string kSh = "/bin/sh";
const std::string kEcho = "/bin/echo";
const std::string kHead = "/usr/bin/head";
const std::string kEnv = "/usr/bin/env";
const std::string kPwd = "/bin/pwd";

// Polls `condition` every 20 ms until it holds or 5 s pass; whether it held.
bool eventually(const std::function<bool()>& condition) {
  const auto until = Clock::now() + std::chrono::seconds(5);
  while (Clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

// Whether `pid` is gone (or only a zombie waiting for its reaper).
bool dead(pid_t pid) {
  if (::kill(pid, 0) != 0) return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  auto close = text.rfind(')');
  return close == std::string::npos || text.substr(close + 2, 1) == "Z";
}

class ProcessRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("wasl-runner-" + *sdk::random_hex(6));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  sdk::ProcessRequest request(const std::string& exe, std::vector<std::string> args) const {
    sdk::ProcessRequest r;
    r.executable = exe;
    r.arguments = std::move(args);
    r.working_directory = dir_.string();
    r.timeout = std::chrono::seconds(20);
    return r;
  }

  std::filesystem::path dir_;
  ProcessRunner runner_{"video.test", {kSh, kEcho, kHead, kEnv, kPwd, "/nonexistent/converter"}};
};

TEST_F(ProcessRunnerTest, ReportsExitCodes) {
  auto ok = runner_.run(request(kSh, {"-c", "echo out; echo err >&2; exit 0"}));
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_TRUE(ok->succeeded());
  EXPECT_EQ(ok->stdout_data, "out\n");
  EXPECT_EQ(ok->stderr_data, "err\n");
  EXPECT_FALSE(ok->stdout_truncated);

  auto seven = runner_.run(request(kSh, {"-c", "exit 7"}));
  ASSERT_TRUE(seven.ok()) << seven.error().message;
  EXPECT_TRUE(seven->exited);
  EXPECT_EQ(seven->exit_code, 7);
  EXPECT_FALSE(seven->succeeded());
  EXPECT_FALSE(seven->timed_out);
}

TEST_F(ProcessRunnerTest, ReportsTheSignalThatEndedIt) {
  auto killed = runner_.run(request(kSh, {"-c", "kill -TERM $$"}));
  ASSERT_TRUE(killed.ok()) << killed.error().message;
  EXPECT_FALSE(killed->exited);
  EXPECT_EQ(killed->signal, SIGTERM);
  EXPECT_FALSE(killed->timed_out);
}

TEST_F(ProcessRunnerTest, TimeLimitKillsTheWholeGroup) {
  auto r = request(kSh, {"-c", "sleep 60 & echo $!; sleep 60"});
  r.timeout = std::chrono::milliseconds(500);
  const auto started = Clock::now();
  auto result = runner_.run(r);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(5));
  EXPECT_TRUE(result->timed_out);
  EXPECT_FALSE(result->exited);
  EXPECT_EQ(result->signal, SIGKILL);
  EXPECT_GE(result->elapsed_ms, 500);
  const pid_t background = std::stoi(result->stdout_data);
  EXPECT_TRUE(eventually([&] { return dead(background); })) << "pid " << background;
}

TEST_F(ProcessRunnerTest, WhatTheLeaderLeavesBehindEndsWithIt) {
  auto result = runner_.run(request(kSh, {"-c", "sleep 60 >/dev/null 2>&1 & echo $!"}));
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_TRUE(result->succeeded());
  const pid_t background = std::stoi(result->stdout_data);
  EXPECT_TRUE(eventually([&] { return dead(background); })) << "pid " << background;
}

TEST_F(ProcessRunnerTest, HugeOutputKeepsTheLastBytesAndSaysSo) {
  auto r = request(kHead, {"-c", "50000000", "/dev/zero"});
  r.max_output_bytes = 4096;
  auto result = runner_.run(r);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_TRUE(result->succeeded());
  EXPECT_EQ(result->stdout_data.size(), 4096u);
  EXPECT_TRUE(result->stdout_truncated);
  EXPECT_FALSE(result->stderr_truncated);

  // stderr the same, and the bytes kept are the last ones.
  auto tail = request(kSh, {"-c", "head -c 1000000 /dev/zero >&2; printf END >&2"});
  tail.max_output_bytes = 100;
  auto err = runner_.run(tail);
  ASSERT_TRUE(err.ok()) << err.error().message;
  EXPECT_EQ(err->stderr_data.size(), 100u);
  EXPECT_EQ(err->stderr_data.substr(97), "END");
  EXPECT_TRUE(err->stderr_truncated);

  // The host's own cap holds whatever the request asks.
  auto big = request(kHead, {"-c", "3000000", "/dev/zero"});
  big.max_output_bytes = 100 * 1024 * 1024;
  auto capped = runner_.run(big);
  ASSERT_TRUE(capped.ok()) << capped.error().message;
  EXPECT_EQ(capped->stdout_data.size(), ProcessRunner::kMaxOutputBytes);
  EXPECT_TRUE(capped->stdout_truncated);
}

TEST_F(ProcessRunnerTest, ArgumentsReachTheProgramWithoutAShell) {
  auto result = runner_.run(
      request(kEcho, {"a; touch injected-1", "$(touch injected-2)", "`touch injected-3`", "*"}));
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->stdout_data, "a; touch injected-1 $(touch injected-2) `touch injected-3` *\n");
  EXPECT_FALSE(std::filesystem::exists(dir_ / "injected-1"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "injected-2"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "injected-3"));
  EXPECT_FALSE(std::filesystem::exists(dir_ / "a;"));
}

TEST_F(ProcessRunnerTest, OnlyTheListedAbsolutePathsRun) {
  for (const std::string& exe :
       {std::string("/bin/ls"), std::string("echo"), std::string("/bin/../bin/echo"),
        std::string("bin/sh"), std::string()}) {
    auto refused = runner_.run(request(exe, {}));
    ASSERT_FALSE(refused.ok()) << exe;
    EXPECT_EQ(refused.error().code, sdk::ErrorCode::kPermissionDenied) << exe;
    EXPECT_FALSE(refused.error().retryable);
  }
  auto missing = runner_.run(request("/nonexistent/converter", {}));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, sdk::ErrorCode::kFailedPrecondition);
  EXPECT_THAT(missing.error().message, HasSubstr("No such file"));
}

TEST_F(ProcessRunnerTest, EnvironmentIsOnlyWhatIsPassedAndTheDirectoryIsGiven) {
  ::setenv("WASL_RUNNER_LEAK", "hub-secret", 1);
  auto r = request(kEnv, {});
  r.environment = {{"ONLY", "this"}, {"LANG", "C"}};
  auto env = runner_.run(r);
  ::unsetenv("WASL_RUNNER_LEAK");
  ASSERT_TRUE(env.ok()) << env.error().message;
  EXPECT_EQ(env->stdout_data, "ONLY=this\nLANG=C\n");

  auto pwd = runner_.run(request(kPwd, {}));
  ASSERT_TRUE(pwd.ok()) << pwd.error().message;
  EXPECT_EQ(pwd->stdout_data, std::filesystem::canonical(dir_).string() + "\n");

  auto bad = request(kEnv, {});
  bad.environment = {{"A=B", "c"}};
  auto refused = runner_.run(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, sdk::ErrorCode::kInvalidArgument);

  auto relative = request(kPwd, {});
  relative.working_directory = "tmp";
  ASSERT_FALSE(runner_.run(relative).ok());

  auto nowhere = request(kPwd, {});
  nowhere.working_directory = (dir_ / "missing").string();
  auto failed = runner_.run(nowhere);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, sdk::ErrorCode::kFailedPrecondition);
}

TEST_F(ProcessRunnerTest, ACancelledCallKillsTheGroup) {
  auto cancelled = std::make_shared<std::atomic<bool>>(false);
  CallBudget budget;
  budget.cancelled = cancelled;
  std::thread canceller([&] {
    // Cancel once the program has written its pid (the file appears).
    eventually([&] { return std::filesystem::exists(dir_ / "pid"); });
    cancelled->store(true);
  });
  sdk::Result<sdk::ProcessResult> result = sdk::ProcessResult{};
  const auto started = Clock::now();
  {
    ScopedCallBudget scoped(budget);
    result = runner_.run(request(kSh, {"-c", "sleep 60 & echo $! > pid; sleep 60"}));
  }
  canceller.join();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, sdk::ErrorCode::kCancelled);
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(10));
  std::ifstream in(dir_ / "pid");
  pid_t background = 0;
  in >> background;
  ASSERT_GT(background, 0);
  EXPECT_TRUE(eventually([&] { return dead(background); }));
}

TEST_F(ProcessRunnerTest, StopAllKillsRunningGroupsAndRefusesNewOnes) {
  std::thread stopper([&] {
    eventually([&] { return std::filesystem::exists(dir_ / "pid"); });
    runner_.stop_all();
  });
  auto result = runner_.run(request(kSh, {"-c", "echo $$ > pid; sleep 60"}));
  stopper.join();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, sdk::ErrorCode::kCancelled);
  auto after = runner_.run(request(kEcho, {"x"}));
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.error().code, sdk::ErrorCode::kCancelled);
}

// A process standing in for the hub runs a long program through its runner
// from a thread of its own (as a plugin call does) and is killed with
// SIGKILL, so nothing of the runner's own clean-up runs: the program dies
// with it.
TEST_F(ProcessRunnerTest, TheProgramDiesWhenTheHubIsKilled) {
  const std::filesystem::path pid_file = dir_ / "pid";
  const pid_t hub = ::fork();
  ASSERT_GE(hub, 0);
  if (hub == 0) {
    ProcessRunner runner("video.test", {kSh});
    auto r = request(kSh, {"-c", "echo $$ > pid.part && mv pid.part pid && exec sleep 60"});
    r.timeout = std::chrono::seconds(120);
    std::thread call([&] { (void)runner.run(r); });
    call.join();
    ::_exit(0);
  }
  pid_t program = 0;
  EXPECT_TRUE(eventually([&] {
    std::ifstream in(pid_file);
    return static_cast<bool>(in >> program) && program > 0;
  }));
  ASSERT_GT(program, 0);
  EXPECT_FALSE(dead(program)) << "the program runs while the hub does";
  ASSERT_EQ(::kill(hub, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(hub, &status, 0), hub);
  EXPECT_TRUE(eventually([&] { return dead(program); }))
      << "pid " << program << " outlived the process that ran it";
  if (!dead(program)) ::kill(program, SIGKILL);
}

// The C table: JSON in, JSON out, and no runner means kUnimplemented.
TEST_F(ProcessRunnerTest, TheInstanceTableRunsThroughTheRunner) {
  InstanceServices services;
  services.processes = std::make_unique<ProcessRunner>("video.t", std::vector<std::string>{kEcho});
  InstanceHost host("video.t", nlohmann::json::object(), {}, std::move(services));
  const wasl_host_api* t = host.table();
  ASSERT_TRUE(WASL_STRUCT_HAS(t, wasl_host_api, run_process));
  std::string in = sdk::process_request_to_json(request(kEcho, {"hi"})).dump();
  char* out = nullptr;
  ASSERT_EQ(t->run_process(t->ctx, in.c_str(), &out), WASL_OK);
  auto parsed = sdk::process_result_from_json(nlohmann::json::parse(out));
  t->free_string(t->ctx, out);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->stdout_data, "hi\n");
  EXPECT_TRUE(parsed->succeeded());

  std::string refused = sdk::process_request_to_json(request(kSh, {"-c", "true"})).dump();
  ASSERT_EQ(t->run_process(t->ctx, refused.c_str(), &out), WASL_ERROR);
  EXPECT_THAT(std::string(out), HasSubstr("permission_denied"));
  t->free_string(t->ctx, out);

  InstanceHost bare("video.u", nlohmann::json::object(), {}, InstanceServices{});
  ASSERT_EQ(bare.table()->run_process(bare.table()->ctx, in.c_str(), &out), WASL_ERROR);
  EXPECT_THAT(std::string(out), HasSubstr("unimplemented"));
  bare.table()->free_string(bare.table()->ctx, out);
}

}  // namespace
}  // namespace wasl::plugin_host
