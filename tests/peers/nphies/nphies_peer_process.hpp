// NphiesPeerProcess: the Node NPHIES peer (tests/peers/nphies) as a child
// process for the integration tests, run by the peer test-support harness
// (tests/peers/support/peer_process.hpp): its npm dependencies installed
// when missing or stale, its certificates made with scripts/test-pki,
// started on loopback ports read from its port file, spoken to over its
// plain-HTTP /_peer/ control port, and stopped with SIGTERM. Every wait is
// bounded by a deadline. A test double: never shipped.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/peers/support/peer_process.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::plugins::nphies::testing {

class NphiesPeerProcess {
 public:
  // npm ci when node_modules is stale (PeerProcess::install).
  static sdk::Status ensure_dependencies(std::chrono::seconds deadline);

  // A fresh directory under the build tree with scripts/test-pki's files.
  static sdk::Result<std::filesystem::path> make_pki(const std::string& name);

  // Starts `node src/main.js … --pki-dir <pki> <extra_args>` and waits (up
  // to `deadline`; the R4 definitions load first) for its ports.
  static sdk::Result<std::unique_ptr<NphiesPeerProcess>> start(
      const std::filesystem::path& pki, const std::vector<std::string>& extra_args,
      std::chrono::seconds deadline);

  // The exchange's port (HTTPS, mutual TLS).
  int port() const { return process_->port(); }
  std::string base_url() const { return "https://127.0.0.1:" + std::to_string(port()); }

  // The control API: GET/POST a JSON document; errors for a transport
  // failure or a non-2xx answer.
  sdk::Result<nlohmann::json> get(const std::string& path) const { return process_->get(path); }
  sdk::Result<nlohmann::json> post(const std::string& path, const nlohmann::json& body) const {
    return process_->post(path, body);
  }

  // Control shortcuts.
  sdk::Result<nlohmann::json> received() const { return get("/_peer/received"); }
  sdk::Result<nlohmann::json> claims() const { return get("/_peer/claims"); }

  // The harness's process: its log, stop() with a deadline.
  wasl::testing::PeerProcess& process() { return *process_; }

 private:
  explicit NphiesPeerProcess(std::unique_ptr<wasl::testing::PeerProcess> process)
      : process_(std::move(process)) {}

  std::unique_ptr<wasl::testing::PeerProcess> process_;
};

}  // namespace wasl::plugins::nphies::testing
