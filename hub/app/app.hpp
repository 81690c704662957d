// App: the composition root. Builds the hub's services in dependency order
// from a validated Config and stops them in reverse. Owns everything it
// builds; nothing else creates services.
#pragma once

#include <memory>

#include "hub/config/config.hpp"
#include "hub/crypto/keyring.hpp"
#include "hub/http/router.hpp"
#include "hub/http/server.hpp"
#include "hub/observability/metrics.hpp"
#include "hub/plugin_host/plugin_host.hpp"
#include "hub/storage/migrator.hpp"
#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::app {

// Opens the configured backend (no migration).
sdk::Result<std::unique_ptr<storage::Store>> open_store(const config::StorageConfig& config);

// Opens the store ready for use: migrations applied when
// storage.migrate_on_start says so (otherwise none may be pending), and the
// config's facilities mirrored into the facilities table. `report` (if given)
// receives what was applied.
sdk::Result<std::unique_ptr<storage::Store>> prepare_store(
    const config::Config& config, storage::MigrationReport* report = nullptr);

// Loads the key ring named by security.key_file; a missing file is a
// failure whose message says how to make one.
sdk::Result<std::shared_ptr<const crypto::Keyring>> load_configured_keyring(
    const config::Config& config);

class App {
 public:
  // Loads the key ring, opens the store, applies migrations when the config
  // asks for it, loads the plugins and wires the HTTP routes. Nothing
  // listens until start().
  static sdk::Result<std::unique_ptr<App>> build(const config::Config& config);
  ~App();

  sdk::Status start();  // binds the listener
  void stop();          // stops accepting, drains, closes the store; idempotent

  int port() const;
  const storage::MigrationReport& migration_report() const { return migration_report_; }
  bool ready() const;  // what /readyz answers

 private:
  explicit App(const config::Config& config);
  void add_system_routes();

  config::Config config_;
  observability::Metrics metrics_;
  std::shared_ptr<const crypto::Keyring> keyring_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<plugin_host::PluginHost> plugins_;
  storage::MigrationReport migration_report_;
  http::Router router_;
  std::unique_ptr<http::Server> server_;
  bool stopped_ = false;
};

}  // namespace wasl::app
