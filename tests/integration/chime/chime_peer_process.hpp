// ChimePeerProcess: the Node Chime peer (tests/peers/chime) as a child
// process for the integration tests: its npm dependencies installed when
// missing or stale (under a file lock, so parallel test processes install
// once), started on a loopback port read from its port file, spoken to over
// its unsigned /_peer/ control API, and stopped by its pid. Every wait is
// bounded by a deadline. A test double: never shipped.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wasl/sdk/result.hpp"

namespace wasl::plugins::chime::testing {

class ChimePeerProcess {
 public:
  // Runs `npm ci --prefix tests/peers/chime` when node_modules is missing or
  // older than package-lock.json. Errors: kUnavailable with npm's exit status.
  static sdk::Status ensure_dependencies(std::chrono::seconds deadline);

  // Starts `node src/main.js --port 0 --port-file … <extra_args>` and waits
  // (up to `deadline`) for its port. The peer's output goes to a log file in
  // the build tree, named in errors.
  static sdk::Result<std::unique_ptr<ChimePeerProcess>> start(
      const std::vector<std::string>& extra_args, std::chrono::seconds deadline);

  // SIGTERM, a bounded wait, then SIGKILL.
  ~ChimePeerProcess();
  ChimePeerProcess(const ChimePeerProcess&) = delete;
  ChimePeerProcess& operator=(const ChimePeerProcess&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // The control API: GET/POST a JSON document; errors for a transport
  // failure or a non-2xx answer.
  sdk::Result<nlohmann::json> get(const std::string& path) const;
  sdk::Result<nlohmann::json> post(const std::string& path, const nlohmann::json& body) const;

 private:
  ChimePeerProcess(pid_t pid, int port, std::string log_file)
      : pid_(pid), port_(port), log_file_(std::move(log_file)) {}
  sdk::Result<nlohmann::json> send(const std::string& method, const std::string& path,
                                   const std::string& body) const;

  pid_t pid_;
  int port_;
  std::string log_file_;
};

}  // namespace wasl::plugins::chime::testing
