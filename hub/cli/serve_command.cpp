// `wasl serve`: run the hub until SIGTERM or SIGINT.
#include <pthread.h>
#include <signal.h>

#include <spdlog/spdlog.h>

#include "hub/app/app.hpp"
#include "hub/cli/cli.hpp"
#include "hub/cli/command.hpp"
#include "hub/cli/config_loading.hpp"
#include "hub/domain/phi_fields.hpp"
#include "hub/observability/logging.hpp"

namespace wasl::cli {
namespace {

constexpr std::string_view kUsage =
    "Usage: wasl serve [--config FILE]\n\n"
    "Runs the hub: applies pending migrations when storage.migrate_on_start is on\n"
    "(the default for SQLite), loads plugins, starts the HTTP API and the workers.\n"
    "SIGTERM or SIGINT stops accepting, lets in-flight requests finish and exits 0.\n\n"
    "Options:\n"
    "  --config FILE   the hub config (default config/wasl.yaml)\n"
    "  --help          this text\n";

int serve(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  auto args = parse_command_arguments(raw, "serve", kUsage, {"config"}, {}, err);
  if (!args) return kExitUsage;
  auto config = load_config_reporting(*args, err);
  if (!config) return kExitFailure;

  // Signals are taken synchronously by this thread; every thread started
  // from here on inherits the mask, so none of them is interrupted.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  sdk::Status logging = observability::init_logging(
      {config->log.level, config->log.file, domain::phi_json_members()});
  if (!logging.ok()) {
    err << "wasl serve: " << logging.error().message << "\n";
    return kExitFailure;
  }

  auto app = app::App::build(*config);
  if (!app.ok()) {
    spdlog::error("start-up failed: {}", app.error().message);
    err << "wasl serve: " << app.error().message << "\n";
    return kExitFailure;
  }
  sdk::Status started = (*app)->start();
  if (!started.ok()) {
    spdlog::error("start-up failed: {}", started.error().message);
    err << "wasl serve: " << started.error().message << "\n";
    return kExitFailure;
  }
  spdlog::info("listening on {}:{} ({} store)", config->server.host, (*app)->port(),
               config->storage.backend);

  for (;;) {
    int sig = 0;
    if (sigwait(&signals, &sig) != 0) continue;
    if (sig == SIGHUP) {
      spdlog::info("SIGHUP received: reloading workflows and keys");
      (*app)->reload();
      continue;
    }
    spdlog::info("{} received: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    break;
  }
  (*app)->stop();
  spdlog::info("stopped");
  spdlog::default_logger()->flush();
  return kExitOk;
}

}  // namespace

const Command& serve_command() {
  static const Command command{"serve", "run the hub: HTTP API, ingress and workers", kUsage,
                               &serve};
  return command;
}

}  // namespace wasl::cli
