// NphiesPeerProcess: the Node NPHIES peer (tests/peers/nphies) as a child
// process for the integration tests: its npm dependencies installed when
// missing or stale (tests/peers/nphies/scripts/install), its certificates
// made with scripts/test-pki, started on loopback ports read from its port
// file, spoken to over its plain-HTTP /_peer/ control API, and stopped by
// its pid. Every wait is bounded by a deadline. A test double: never shipped.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "wasl/sdk/result.hpp"

namespace wasl::plugins::nphies::testing {

class NphiesPeerProcess {
 public:
  // Runs the peer's install script (npm ci when node_modules is stale).
  static sdk::Status ensure_dependencies(std::chrono::seconds deadline);

  // A fresh directory under the build tree with scripts/test-pki's files.
  static sdk::Result<std::filesystem::path> make_pki(const std::string& name);

  // Starts `node src/main.js --pki-dir <pki> --port-file … <extra_args>` and
  // waits (up to `deadline`; the R4 definitions load first) for its ports.
  static sdk::Result<std::unique_ptr<NphiesPeerProcess>> start(
      const std::filesystem::path& pki, const std::vector<std::string>& extra_args,
      std::chrono::seconds deadline);

  // SIGTERM, a bounded wait, then SIGKILL.
  ~NphiesPeerProcess();
  NphiesPeerProcess(const NphiesPeerProcess&) = delete;
  NphiesPeerProcess& operator=(const NphiesPeerProcess&) = delete;

  int port() const { return port_; }
  std::string base_url() const { return "https://127.0.0.1:" + std::to_string(port_); }

  // The control API: GET/POST a JSON document; errors for a transport
  // failure or a non-2xx answer.
  sdk::Result<nlohmann::json> get(const std::string& path) const;
  sdk::Result<nlohmann::json> post(const std::string& path, const nlohmann::json& body) const;

  // Control shortcuts.
  sdk::Result<nlohmann::json> received() const { return get("/_peer/received"); }
  sdk::Result<nlohmann::json> claims() const { return get("/_peer/claims"); }

 private:
  NphiesPeerProcess(pid_t pid, std::string log_file) : pid_(pid), log_file_(std::move(log_file)) {}
  sdk::Result<nlohmann::json> send(const std::string& method, const std::string& path,
                                   const std::string& body) const;

  pid_t pid_;
  int port_ = 0;
  int control_port_ = 0;
  std::string log_file_;
};

}  // namespace wasl::plugins::nphies::testing
