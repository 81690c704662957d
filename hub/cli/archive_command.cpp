// `wasl archive migrate --to STORE`: moves archived recordings into one store
// (archive::ArchiveMigration), e.g. from the local directory to S3.
#include <spdlog/spdlog.h>

#include <chrono>

#include "hub/app/app.hpp"
#include "hub/archive/archive_migration.hpp"
#include "hub/audit/audit_writer.hpp"
#include "hub/cli/arguments.hpp"
#include "hub/cli/cli.hpp"
#include "hub/cli/command.hpp"
#include "hub/cli/config_loading.hpp"
#include "hub/domain/phi_fields.hpp"
#include "hub/object_store/configured_stores.hpp"
#include "hub/observability/logging.hpp"

namespace wasl::cli {
namespace {

constexpr std::string_view kArchiveMigrateUsage =
    "Usage: wasl archive migrate --to STORE [--config FILE]\n\n"
    "Moves every archived recording that is not yet in STORE (local, or a name\n"
    "under archive.stores) into it: each encrypted object is copied as it is,\n"
    "read back and decrypted, and only when its SHA-256 equals the recording's\n"
    "does the recording point at the copy (audited as recording.migrate) and the\n"
    "old object get deleted. A recording that fails stays where it was and is\n"
    "named in the log; run the command again to resume: moved recordings are\n"
    "skipped. Hubs may keep running meanwhile. Set archive.store to STORE first,\n"
    "so that new recordings go there too.\n\n"
    "Options:\n"
    "  --to STORE      the store to move recordings into\n"
    "  --config FILE   the hub config (default config/wasl.yaml)\n"
    "  --help          this text\n";

int migrate_archive(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  auto args = parse_command_arguments(raw, "archive migrate", kArchiveMigrateUsage,
                                      {"config", "to"}, {}, err);
  if (!args) return kExitUsage;
  auto to = args->option("to");
  if (!to) {
    err << "wasl archive migrate: --to is required\n\n" << kArchiveMigrateUsage;
    return kExitUsage;
  }
  auto config = load_config_reporting(*args, err);
  if (!config) return kExitFailure;
  // The recordings that stay where they were are named in the hub's log
  // (log.file, else standard error), as `wasl serve` writes it.
  sdk::Status logging = observability::init_logging(
      {config->log.level, config->log.file, domain::phi_json_members()});
  if (!logging.ok()) {
    err << "wasl archive migrate: " << logging.error().message << "\n";
    return kExitFailure;
  }
  auto keyring = app::load_configured_keyring(*config);
  if (!keyring.ok()) {
    err << "wasl archive migrate: " << keyring.error().message << "\n";
    return kExitFailure;
  }
  auto stores = object_store::configured_stores(config->archive);
  if (!stores.ok()) {
    err << "wasl archive migrate: " << stores.error().message << "\n";
    return kExitFailure;
  }
  // An unknown store is named before the database is opened: nothing changes.
  if ((*stores)->find(*to) == nullptr) {
    std::string known;
    for (const std::string& name : (*stores)->names()) known += (known.empty() ? "" : ", ") + name;
    err << "wasl archive migrate: no archive store is named '" << *to << "' in "
        << config->source_file << "; name one of: " << known << "\n";
    return kExitFailure;
  }
  auto store = app::prepare_store(*config);
  if (!store.ok()) {
    err << "wasl archive migrate: " << store.error().message << "\n";
    return kExitFailure;
  }
  audit::AuditWriter audit((*store)->dialect(), (*keyring)->audit_key().view(),
                           audit::AuditWriterOptions{config->security.audit_checkpoint_every});
  archive::ArchiveMigration migration(**store, audit, **stores, *keyring);
  archive::MigrationOptions options;
  auto last = std::chrono::steady_clock::now();
  options.on_progress = [&](const archive::MigrationProgress& p) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last < std::chrono::seconds(5)) return;
    last = now;
    out << "  " << p.moved << " moved, " << p.skipped << " already there, " << p.failed
        << " failed so far\n"
        << std::flush;
  };
  auto result = migration.run(*to, options);
  if (!result.ok()) {
    err << "wasl archive migrate: " << result.error().message << "\n";
    return kExitFailure;
  }
  out << "archive migrate --to " << *to << ": " << result->moved << " moved (" << result->bytes
      << " encrypted bytes), " << result->skipped << " already there, " << result->failed
      << " failed\n";
  if (result->failed > 0) {
    err << result->failed
        << " recording(s) stay where they were (see the log); run the command again\n";
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

const Command& archive_migrate_command() {
  static const Command command{"archive migrate",
                               "move archived recordings into another store (e.g. S3)",
                               kArchiveMigrateUsage, &migrate_archive};
  return command;
}

}  // namespace wasl::cli
