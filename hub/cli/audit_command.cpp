// `wasl audit verify`: re-walk the audit hash chain and its signed checkpoints.
#include <spdlog/spdlog.h>

#include "hub/app/app.hpp"
#include "hub/audit/audit_verifier.hpp"
#include "hub/cli/arguments.hpp"
#include "hub/cli/cli.hpp"
#include "hub/cli/command.hpp"
#include "hub/cli/config_loading.hpp"

namespace wasl::cli {
namespace {

constexpr std::string_view kAuditUsage =
    "Usage: wasl audit verify [--config FILE]\n\n"
    "Walks the audit trail in order and checks every event's hash against its\n"
    "predecessor and its own content, and every signed checkpoint against the\n"
    "audit key. Finds edited, deleted and reordered events, and events deleted\n"
    "from the end. Exits 1 naming the first bad event.\n\n"
    "Options:\n"
    "  --config FILE   the hub config (default config/wasl.yaml)\n"
    "  --help          this text\n";

int verify(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  auto args = parse_command_arguments(raw, "audit verify", kAuditUsage, {"config"}, {}, err);
  if (!args) return kExitUsage;
  auto config = load_config_reporting(*args, err);
  if (!config) return kExitFailure;
  spdlog::set_level(spdlog::level::warn);
  auto keyring = app::load_configured_keyring(*config);
  if (!keyring.ok()) {
    err << "wasl audit verify: " << keyring.error().message << "\n";
    return kExitFailure;
  }
  auto store = app::open_store(config->storage);
  if (!store.ok()) {
    err << "wasl audit verify: " << store.error().message << "\n";
    return kExitFailure;
  }
  audit::AuditVerifier verifier((*keyring)->audit_key().view());
  auto report = verifier.verify(**store);
  if (!report.ok()) {
    err << "wasl audit verify: " << report.error().message << "\n";
    return kExitFailure;
  }
  if (!report->ok) {
    err << "audit trail broken at event " << report->first_bad_seq.value_or(0) << ": "
        << report->reason << "\n"
        << report->events_checked << " event(s) checked before it\n";
    return kExitFailure;
  }
  out << "audit trail intact: " << report->events_checked << " event(s), "
      << report->checkpoints_checked << " signed checkpoint(s)\n";
  return kExitOk;
}

}  // namespace

const Command& audit_verify_command() {
  static const Command command{"audit verify", "verify the audit hash chain", kAuditUsage, &verify};
  return command;
}

}  // namespace wasl::cli
