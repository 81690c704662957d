// `wasl migrate`: apply pending migrations and say which.
#include <iomanip>

#include "hub/app/app.hpp"
#include "hub/cli/cli.hpp"
#include "hub/cli/command.hpp"
#include "hub/cli/config_loading.hpp"
#include "hub/storage/migrator.hpp"

namespace wasl::cli {
namespace {

constexpr std::string_view kMigrateUsage =
    "Usage: wasl migrate [--config FILE]\n\n"
    "Applies the schema migrations the store has not seen yet, each in its own\n"
    "transaction, and prints what it applied.\n\n"
    "Options:\n"
    "  --config FILE   the hub config (default config/wasl.yaml)\n"
    "  --help          this text\n";

int migrate(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  auto args = parse_command_arguments(raw, "migrate", kMigrateUsage, {"config"}, {}, err);
  if (!args) return kExitUsage;
  auto config = load_config_reporting(*args, err);
  if (!config) return kExitFailure;

  auto store = app::open_store(config->storage);
  if (!store.ok()) {
    err << "wasl migrate: " << store.error().message << "\n";
    return kExitFailure;
  }
  auto report = storage::migrate(**store, storage::embedded_migrations((*store)->dialect()));
  if (!report.ok()) {
    err << "wasl migrate: " << report.error().message << "\n";
    return kExitFailure;
  }
  for (const auto& m : report->applied) {
    out << "applied " << std::setw(4) << std::setfill('0') << m.version << "_" << m.name
        << ".sql\n";
  }
  if (report->applied.empty()) {
    out << "nothing to apply; schema is at version " << report->current_version << "\n";
  } else {
    out << report->applied.size() << " migration(s) applied; schema is at version "
        << report->current_version << "\n";
  }
  return kExitOk;
}

}  // namespace

const Command& migrate_command() {
  static const Command command{"migrate", "apply pending schema migrations", kMigrateUsage,
                               &migrate};
  return command;
}

}  // namespace wasl::cli
