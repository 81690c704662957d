// PeerProcess: a Node peer of tests/peers/<name> as a child process of a
// test. Its npm dependencies are installed first when node_modules is missing
// or older than package-lock.json (`npm ci`, under a file lock so parallel
// test processes install once); it is started on a free loopback port read
// from its port file, spoken to over its unsigned /_peer/ control API, and
// stopped by its pid. Every wait is bounded by a deadline. Peer output goes
// to a log file in the build tree; errors name it and quote its end.
//
// Thread safety: install() may be called from any thread; one PeerProcess
// object from one thread at a time. A test double: never shipped.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wasl/sdk/result.hpp"

namespace wasl::testing {

struct PeerOptions {
  // The program, relative to the peer's folder.
  std::string script = "src/main.js";
  // Arguments after `--host 127.0.0.1 --port 0 --port-file <file>`.
  std::vector<std::string> args;
  // Extra environment entries, "NAME=value", on top of the test's own.
  std::vector<std::string> env;
  // How long the peer may take to write its port file.
  std::chrono::seconds start_deadline{30};
  // How long `npm ci` may take.
  std::chrono::seconds install_deadline{300};
};

class PeerProcess {
 public:
  // Installs the dependencies of tests/peers/<peer> when they are missing or
  // stale: nothing to do for a peer without package-lock.json and without
  // dependencies. The first outcome in this process is kept: a later call for
  // the same peer returns it without trying again, so every test of a suite
  // fails on one failed install. Errors: kUnavailable (npm failed; the message
  // names its log), kDeadlineExceeded, kFailedPrecondition (dependencies
  // declared but no package-lock.json committed).
  static sdk::Status install(const std::string& peer,
                             std::chrono::seconds deadline = std::chrono::seconds(300));

  // install(), then `node <script> --host 127.0.0.1 --port 0 --port-file F
  // <args>`, waiting up to options.start_deadline for the port. Errors:
  // install()'s; kUnavailable when the peer exited at start;
  // kDeadlineExceeded when it wrote no port in time (it is then killed).
  static sdk::Result<std::unique_ptr<PeerProcess>> start(const std::string& peer,
                                                         PeerOptions options = {});

  // stop(), its outcome ignored.
  ~PeerProcess();
  PeerProcess(const PeerProcess&) = delete;
  PeerProcess& operator=(const PeerProcess&) = delete;

  // SIGTERM, up to `deadline` for the peer to close and exit, then SIGKILL
  // to its whole process group. Returns its exit status (0: a graceful
  // stop; 128+N: killed by signal N); kDeadlineExceeded when it had to be
  // killed. A second call returns the first outcome.
  sdk::Result<int> stop(std::chrono::seconds deadline = std::chrono::seconds(10));

  int port() const { return port_; }
  // The control API's own port when the peer has one (its port file said
  // {"port":N,"control_port":M}; see PeerServer's controlPort), else 0 and
  // the control API is on port().
  int control_port() const { return control_port_; }
  pid_t pid() const { return pid_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& log_file() const { return log_file_; }

  // The control API (or any JSON route of a peer without a control port),
  // over plain HTTP to control_port(), or port() when that is 0: the
  // answer's JSON ({} for an empty body). Errors: kUnavailable for a transport failure, kInternal
  // for a non-2xx answer (status and body in the message) or an answer that is not JSON.
  sdk::Result<nlohmann::json> get(const std::string& path) const;
  sdk::Result<nlohmann::json> post(const std::string& path,
                                   const nlohmann::json& body = nlohmann::json::object()) const;
  sdk::Result<nlohmann::json> call(const std::string& method, const std::string& path,
                                   const std::string& body) const;

 private:
  PeerProcess(pid_t pid, std::string log_file) : pid_(pid), log_file_(std::move(log_file)) {}

  pid_t pid_;
  int port_ = 0;
  int control_port_ = 0;
  std::string log_file_;
  std::optional<sdk::Result<int>> stopped_;
};

// Runs `args` (args[0] an absolute path) to completion within `deadline`,
// stdin from /dev/null, stdout and stderr to the file `log` (emptied first);
// for the tools a test needs before its peer (certificates, a fixture).
// `what` names it in errors: kUnavailable when it cannot start or exits
// non-zero, kDeadlineExceeded when it ran out of time (it is then killed);
// both name the log and quote its end.
sdk::Status run_to_completion(const std::string& what, const std::vector<std::string>& args,
                              const std::string& log, std::chrono::seconds deadline);

// A peer one test suite shares, started in SetUpTestSuite. GoogleTest
// reports a fatal failure in SetUpTestSuite as skipped tests, so the outcome
// is kept instead and each test asserts on it in SetUp:
//
//   static void SetUpTestSuite() { prism_.start("twilio", {.script = "src/prism.js"}); }
//   static void TearDownTestSuite() { prism_.stop(); }
//   void SetUp() override { ASSERT_TRUE(prism_.ok()) << prism_.error(); }
class SuitePeer {
 public:
  void start(const std::string& peer, PeerOptions options = {});
  void stop() {
    peer_.reset();
    error_ = "the suite's peer was stopped";
  }
  bool ok() const { return peer_ != nullptr; }
  // Why there is no peer: start() failed, was not called, or stop() was.
  const std::string& error() const { return error_; }
  PeerProcess& operator*() const { return *peer_; }
  PeerProcess* operator->() const { return peer_.get(); }

 private:
  std::unique_ptr<PeerProcess> peer_;
  std::string error_ = "the suite's peer was not started";
};

}  // namespace wasl::testing
