#include "hub/app/app.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "hub/app/facility_sync.hpp"
#include "hub/http/problem.hpp"

namespace wasl::app {

sdk::Result<std::unique_ptr<storage::Store>> open_store(const config::StorageConfig& config) {
  if (config.backend == "postgres") {
    storage::PostgresOptions options;
    options.url = config.postgres.url.reveal();
    options.pool_size = config.postgres.pool_size;
    options.acquire_timeout = config.postgres.acquire_timeout;
    options.connect_timeout = config.postgres.connect_timeout;
    return storage::open_postgres(options);
  }
  storage::SqliteOptions options;
  options.path = config.sqlite.path;
  options.busy_timeout = config.sqlite.busy_timeout;
  options.pool_size = config.sqlite.pool_size;
  return storage::open_sqlite(options);
}

sdk::Result<std::unique_ptr<storage::Store>> prepare_store(const config::Config& config,
                                                           storage::MigrationReport* report) {
  WASL_ASSIGN_OR_RETURN(auto store, open_store(config.storage));
  const auto& migrations = storage::embedded_migrations(store->dialect());
  if (config.storage.should_migrate_on_start()) {
    WASL_ASSIGN_OR_RETURN(storage::MigrationReport applied, storage::migrate(*store, migrations));
    if (report) *report = std::move(applied);
  } else {
    WASL_ASSIGN_OR_RETURN(auto pending, storage::pending_migrations(*store, migrations));
    if (!pending.empty()) {
      return sdk::Error(sdk::ErrorCode::kFailedPrecondition,
                        std::to_string(pending.size()) +
                            " migration(s) pending and storage.migrate_on_start is off; run "
                            "`wasl migrate --config " +
                            config.source_file + "` first");
    }
  }
  WASL_RETURN_IF_ERROR(sync_facilities(*store, config));
  return store;
}

sdk::Result<std::shared_ptr<const crypto::Keyring>> load_configured_keyring(
    const config::Config& config) {
  const std::string& path = config.security.key_file;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return sdk::Error(sdk::ErrorCode::kFailedPrecondition,
                      "no key file at " + path + " (security.key_file); make one with `wasl keys "
                      "generate --config " + config.source_file + "`");
  }
  return crypto::load_keyring(path);
}

App::App(const config::Config& config) : config_(config) {}

App::~App() { stop(); }

sdk::Result<std::unique_ptr<App>> App::build(const config::Config& config) {
  std::unique_ptr<App> app(new App(config));

  WASL_ASSIGN_OR_RETURN(app->keyring_, load_configured_keyring(config));
  WASL_ASSIGN_OR_RETURN(app->store_, prepare_store(config, &app->migration_report_));
  for (const auto& m : app->migration_report_.applied) {
    spdlog::info("applied migration {:04d}_{}", m.version, m.name);
  }

  storage::Store* store = app->store_.get();
  app->metrics_.gauge_callback(
      "wasl_store_pool_connections", "Store connections by state.", [store] {
        storage::PoolStats s = store->pool_stats();
        return std::vector<std::pair<observability::Labels, double>>{
            {{{"state", "open"}}, static_cast<double>(s.open)},
            {{{"state", "in_use"}}, static_cast<double>(s.in_use)},
            {{{"state", "capacity"}}, static_cast<double>(s.size)},
            {{{"state", "waiting"}}, static_cast<double>(s.waiting)}};
      });
  app->metrics_.gauge_callback(
      "wasl_store_connections_replaced", "Broken store connections replaced since start.",
      [store] {
        return std::vector<std::pair<observability::Labels, double>>{
            {{}, static_cast<double>(store->pool_stats().replaced)}};
      });

  WASL_ASSIGN_OR_RETURN(app->plugins_, plugin_host::PluginHost::load(config, app->metrics_));
  for (const auto& problem : app->plugins_->problems()) {
    spdlog::warn("plugin: {}", problem);
  }

  app->add_system_routes();
  app->server_ = std::make_unique<http::Server>(config.server, app->router_, app->metrics_);
  return app;
}

void App::add_system_routes() {
  router_.add("GET", "/healthz", [](http::Request&) {
    return http::Response::json(200, R"({"status":"ok"})");
  }, {.summary = "Liveness: the process answers."});

  router_.add("GET", "/readyz", [this](http::Request&) {
    nlohmann::json checks = nlohmann::json::object();
    sdk::Status store_ok = store_->ping();
    checks["store"] = store_ok.ok() ? "ok" : "unreachable";
    nlohmann::json plugins = plugins_->readiness();
    checks["plugins"] = plugins;
    bool ready = store_ok.ok() && plugins_->ready();
    nlohmann::json body = {{"status", ready ? "ready" : "not_ready"}, {"checks", checks}};
    if (!ready) {
      spdlog::warn("readiness check failed: store: {}", store_ok.error().message);
    }
    return http::Response::json(ready ? 200 : 503, body.dump());
  }, {.summary = "Readiness: the store answers and required plugins are loaded."});

  router_.add("GET", "/metrics", [this](http::Request&) {
    return http::Response::text(200, metrics_.render(),
                                "text/plain; version=0.0.4; charset=utf-8");
  }, {.summary = "Prometheus metrics."});
}

sdk::Status App::start() { return server_->start(); }

int App::port() const { return server_->port(); }

bool App::ready() const { return store_ && store_->ping().ok() && plugins_ && plugins_->ready(); }

void App::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (server_) server_->stop();
  store_.reset();
  // Plugins go last: nothing calls them once the server and workers stopped.
  plugins_.reset();
}

}  // namespace wasl::app
