// HubProcess: a real `wasl` process for integration tests. Captures its
// output, finds the port it listens on from its log, stops it by signal.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace wasl::testing {

// Path of the built binary (WASL_TEST_BINARY in the environment overrides).
std::string wasl_binary();

// Runs `wasl args…` to completion (bounded by `timeout`) and captures output.
struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};
// `cwd` empty: the test's own working directory.
CommandResult run_wasl(const std::vector<std::string>& args,
                       std::chrono::seconds timeout = std::chrono::seconds(60),
                       const std::string& cwd = {});

// `wasl args…` started in the background, its output collected as
// run_wasl does, so a test can act on the process (signal it) while it runs.
class BackgroundCommand {
 public:
  explicit BackgroundCommand(const std::vector<std::string>& args, const std::string& cwd = {});
  ~BackgroundCommand();  // SIGKILLs the process if it was not waited for
  BackgroundCommand(const BackgroundCommand&) = delete;
  BackgroundCommand& operator=(const BackgroundCommand&) = delete;

  int pid() const { return pid_; }  // -1: it did not start (a test failure)
  // Waits for the exit (killing the process after `timeout`) and returns
  // what it printed and its exit code.
  CommandResult wait(std::chrono::seconds timeout);

 private:
  int pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  bool waited_ = false;
};

// A scratch directory removed at destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  void write(const std::string& name, const std::string& text) const;

 private:
  std::string path_;
};

// The PostgreSQL URI of the test fixture; fails the test when it is missing.
std::string postgres_test_url();

// A new, empty schema in the PostgreSQL of `base_url` (dropped first if a
// schema of that name is left over); the URI whose connections use it.
// Failures are test failures.
std::string fresh_postgres_schema(const std::string& base_url);

class HubProcess {
 public:
  // Starts `wasl serve --config <config_path>`.
  explicit HubProcess(const std::string& config_path, const std::string& cwd = {});
  ~HubProcess();  // SIGKILLs the process if still running

  // Waits for the "listening on" log line; returns the port, or nothing
  // when the process exited or the deadline passed.
  std::optional<int> wait_until_listening(std::chrono::milliseconds deadline);
  // Sends a signal.
  void signal(int sig);
  // Waits for exit; returns the exit code or nothing on timeout.
  std::optional<int> wait_for_exit(std::chrono::milliseconds deadline);
  // Everything the process wrote to stderr so far.
  std::string log() const;
  int pid() const { return pid_; }

 private:
  void read_output(int fd);

  int pid_ = -1;
  int exit_code_ = -1;
  bool exited_ = false;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::string log_;
  std::thread reader_;
};

// A plain HTTP/1.1 GET to 127.0.0.1:port; returns status and body.
struct HttpAnswer {
  int status = 0;
  std::string body;
  std::string content_type;
};
HttpAnswer http_get(int port, const std::string& path);
// Any request; a bearer `api_key`, a JSON `body` and an Idempotency-Key when
// not empty. A transport failure is a test failure (status 0).
HttpAnswer http_request(int port, const std::string& method, const std::string& path,
                        const std::string& api_key = {}, const std::string& body = {},
                        const std::string& idempotency_key = {});

}  // namespace wasl::testing
