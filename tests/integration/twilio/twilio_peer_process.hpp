// TwilioPeerProcess: a Node program of tests/peers/twilio (the emulator,
// src/main.js, or Prism, src/prism.js) as a child process for the
// integration tests: npm dependencies installed when missing or stale (under
// a file lock, so parallel test processes install once), started with
// posix_spawn on a loopback port read from its port file, spoken to over the
// emulator's unsigned /_peer/ control API, and stopped by its pid. Every wait
// is bounded by a deadline. A test double: never shipped.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wasl/sdk/result.hpp"

namespace wasl::plugins::twilio::testing {

class TwilioPeerProcess {
 public:
  // Runs `npm ci --prefix tests/peers/twilio` when node_modules is missing or
  // older than package-lock.json. Errors: kUnavailable with npm's status.
  static sdk::Status ensure_dependencies(std::chrono::seconds deadline);

  // Starts `node <script> --port 0 --port-file … <extra_args>` (script
  // relative to tests/peers/twilio, e.g. "src/main.js") and waits up to
  // `deadline` for its port. Output goes to a log file in the build tree,
  // named in errors.
  static sdk::Result<std::unique_ptr<TwilioPeerProcess>> start(
      const std::string& script, const std::vector<std::string>& extra_args,
      std::chrono::seconds deadline);

  // SIGTERM, a bounded wait, then SIGKILL.
  ~TwilioPeerProcess();
  TwilioPeerProcess(const TwilioPeerProcess&) = delete;
  TwilioPeerProcess& operator=(const TwilioPeerProcess&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& log_file() const { return log_file_; }

  // The control API: GET/POST JSON; errors for a transport failure or a
  // non-2xx answer.
  sdk::Result<nlohmann::json> get(const std::string& path) const;
  sdk::Result<nlohmann::json> post(const std::string& path, const nlohmann::json& body) const;

 private:
  TwilioPeerProcess(pid_t pid, std::string log_file) : pid_(pid), log_file_(std::move(log_file)) {}
  sdk::Result<nlohmann::json> send(const std::string& method, const std::string& path,
                                   const std::string& body) const;

  pid_t pid_;
  int port_ = 0;
  std::string log_file_;
};

}  // namespace wasl::plugins::twilio::testing
