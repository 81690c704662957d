// `wasl apikeys create|list|revoke`: API keys (hub/access/api_key_store.hpp).
// The key is printed once; only its SHA-256 is stored. Creation and
// revocation are audited.
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "hub/access/api_key_store.hpp"
#include "hub/app/app.hpp"
#include "hub/audit/audit_writer.hpp"
#include "hub/cli/arguments.hpp"
#include "hub/cli/cli.hpp"
#include "hub/cli/command.hpp"
#include "hub/cli/config_loading.hpp"
#include "hub/domain/timestamp.hpp"

namespace wasl::cli {
namespace {

constexpr std::string_view kCreateUsage =
    "Usage: wasl apikeys create --facility F --role R [--practitioner REF] [--label TEXT]\n"
    "                           [--config FILE]\n\n"
    "Makes an API key for one facility with one role (admin, integrator, hospital,\n"
    "clinician or auditor) and prints it ONCE; only its SHA-256 is stored. The\n"
    "facility must be declared under `facilities` in the config. A clinician key\n"
    "belongs to one practitioner: the clinician it adds to a consultation whose\n"
    "practitioner that is gets a join token at once. Audited.\n\n"
    "Options:\n"
    "  --facility F        the facility id the key belongs to\n"
    "  --role R            admin | integrator | hospital | clinician | auditor\n"
    "  --practitioner REF  the clinician's reference in the facility's EHR, e.g.\n"
    "                      Practitioner/3 (required for, and only for, --role clinician)\n"
    "  --label TEXT        what the key is for (shown in listings, never secret)\n"
    "  --config FILE       the hub config (default config/wasl.yaml)\n"
    "  --help              this text\n";

constexpr std::string_view kApikeysListUsage =
    "Usage: wasl apikeys list [--facility F] [--config FILE]\n\n"
    "Lists the API keys (never the keys themselves), oldest first, one a line:\n"
    "id, facility, role, practitioner (\"-\" when none), state (active, or revoked\n"
    "and when), created, last used, label.\n\n"
    "Options:\n"
    "  --facility F    only the keys of this facility\n"
    "  --config FILE   the hub config (default config/wasl.yaml)\n"
    "  --help          this text\n";

constexpr std::string_view kRevokeUsage =
    "Usage: wasl apikeys revoke KEY_ID [--config FILE]\n\n"
    "Revokes an API key by its id (the id printed by `apikeys create`, never the\n"
    "key itself). Requests with it answer 401 from then on. Audited.\n\n"
    "Options:\n"
    "  --config FILE   the hub config (default config/wasl.yaml)\n"
    "  --help          this text\n";

// What both commands need: the store and an audit writer.
struct Session {
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<audit::AuditWriter> audit;
};

std::optional<Session> open_session(const config::Config& config, std::string_view command,
                                    std::ostream& err) {
  auto keyring = app::load_configured_keyring(config);
  if (!keyring.ok()) {
    err << "wasl " << command << ": " << keyring.error().message << "\n";
    return std::nullopt;
  }
  auto store = app::prepare_store(config);
  if (!store.ok()) {
    err << "wasl " << command << ": " << store.error().message << "\n";
    return std::nullopt;
  }
  Session session;
  session.audit = std::make_unique<audit::AuditWriter>(
      (*store)->dialect(), (*keyring)->audit_key().view(),
      audit::AuditWriterOptions{config.security.audit_checkpoint_every});
  session.store = std::move(*store);
  return session;
}

int create(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  auto args =
      parse_command_arguments(raw, "apikeys create", kCreateUsage,
                              {"config", "facility", "role", "label", "practitioner"}, {}, err);
  if (!args) return kExitUsage;
  auto facility = args->option("facility");
  auto role_name = args->option("role");
  if (!facility || !role_name) {
    err << "wasl apikeys create: --facility and --role are required\n\n" << kCreateUsage;
    return kExitUsage;
  }
  auto role = access::parse_role(*role_name);
  if (!role) {
    err << "wasl apikeys create: unknown role '" << *role_name
        << "'; use admin, integrator, hospital, clinician or auditor\n";
    return kExitUsage;
  }
  auto practitioner = args->option("practitioner");
  if (*role == access::Role::kClinician && !practitioner) {
    err << "wasl apikeys create: a clinician key needs --practitioner, the clinician's "
           "reference in the facility's EHR (e.g. Practitioner/3)\n";
    return kExitUsage;
  }
  if (*role != access::Role::kClinician && practitioner) {
    err << "wasl apikeys create: --practitioner is given for --role clinician only\n";
    return kExitUsage;
  }
  if (practitioner && !access::is_practitioner_reference(*practitioner)) {
    err << "wasl apikeys create: --practitioner '" << *practitioner
        << "' is not Practitioner/<id> (the id 1 to 64 letters, digits, '-' or '.')\n";
    return kExitUsage;
  }
  auto config = load_config_reporting(*args, err);
  if (!config) return kExitFailure;
  if (!config->facilities.count(*facility)) {
    err << "wasl apikeys create: facility '" << *facility << "' is not declared under "
        << "`facilities` in " << config->source_file << "\n";
    return kExitFailure;
  }
  spdlog::set_level(spdlog::level::warn);
  auto session = open_session(*config, "apikeys create", err);
  if (!session) return kExitFailure;

  std::string label = args->option("label").value_or("");
  auto tx = session->store->begin();
  if (!tx.ok()) {
    err << "wasl apikeys create: " << tx.error().message << "\n";
    return kExitFailure;
  }
  access::ApiKeyStore keys;
  auto created = keys.create(**tx, *facility, *role, label, practitioner);
  if (!created.ok()) {
    err << "wasl apikeys create: " << created.error().message << "\n";
    return kExitFailure;
  }
  audit::AuditEvent event;
  event.actor = "cli";
  event.facility_id = *facility;
  event.action = "apikey.create";
  event.entity_type = "api_key";
  event.entity_id = created->id;
  event.outcome = std::string(audit::kOutcomeSuccess);
  nlohmann::json detail{{"role", *role_name}};
  if (practitioner) detail["practitioner"] = *practitioner;
  event.detail = detail.dump();
  auto appended = session->audit->append(**tx, event);
  sdk::Status committed = appended.ok() ? (*tx)->commit() : sdk::Status(appended.error());
  if (!committed.ok()) {
    err << "wasl apikeys create: " << committed.error().message << "\n";
    return kExitFailure;
  }
  out << created->plaintext << "\n";
  err << "API key " << created->id << " for facility " << *facility << " with role " << *role_name
      << (practitioner ? " (" + *practitioner + ")" : std::string())
      << "; it is shown only now, store it somewhere safe\n";
  return kExitOk;
}

int list(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  auto args = parse_command_arguments(raw, "apikeys list", kApikeysListUsage,
                                      {"config", "facility"}, {}, err);
  if (!args) return kExitUsage;
  auto config = load_config_reporting(*args, err);
  if (!config) return kExitFailure;
  spdlog::set_level(spdlog::level::warn);
  auto session = open_session(*config, "apikeys list", err);
  if (!session) return kExitFailure;
  auto tx = session->store->begin(storage::TxMode::kReadOnly);
  if (!tx.ok()) {
    err << "wasl apikeys list: " << tx.error().message << "\n";
    return kExitFailure;
  }
  access::ApiKeyStore keys;
  auto all = keys.list(**tx, args->option("facility"));
  (*tx)->rollback();
  if (!all.ok()) {
    err << "wasl apikeys list: " << all.error().message << "\n";
    return kExitFailure;
  }
  for (const access::ApiKeyInfo& key : *all) {
    out << key.id << "  " << key.facility_id << "  " << access::to_string(key.role) << "  "
        << key.practitioner.value_or("-") << "  "
        << (key.revoked_at ? "revoked " + domain::format_timestamp(*key.revoked_at)
                           : std::string("active"))
        << "  " << domain::format_timestamp(key.created_at) << "  "
        << (key.last_used_at ? domain::format_timestamp(*key.last_used_at) : std::string("-"))
        << "  " << key.label << "\n";
  }
  return kExitOk;
}

int revoke(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  auto args = parse_command_arguments(raw, "apikeys revoke", kRevokeUsage, {"config"}, {}, err,
                                      /*positional_allowed=*/true);
  if (!args) return kExitUsage;
  if (args->positional.size() != 1) {
    err << "wasl apikeys revoke: name exactly one key id\n\n" << kRevokeUsage;
    return kExitUsage;
  }
  const std::string& id = args->positional[0];
  auto config = load_config_reporting(*args, err);
  if (!config) return kExitFailure;
  spdlog::set_level(spdlog::level::warn);
  auto session = open_session(*config, "apikeys revoke", err);
  if (!session) return kExitFailure;

  auto tx = session->store->begin();
  if (!tx.ok()) {
    err << "wasl apikeys revoke: " << tx.error().message << "\n";
    return kExitFailure;
  }
  access::ApiKeyStore keys;
  auto info = keys.find(**tx, id);
  if (!info.ok()) {
    err << "wasl apikeys revoke: " << info.error().message << "\n";
    return kExitFailure;
  }
  sdk::Status revoked = keys.revoke(**tx, id);
  audit::AuditEvent event;
  event.actor = "cli";
  event.facility_id = info->facility_id;
  event.action = "apikey.revoke";
  event.entity_type = "api_key";
  event.entity_id = id;
  event.outcome = std::string(audit::kOutcomeSuccess);
  if (revoked.ok()) {
    auto appended = session->audit->append(**tx, event);
    revoked = appended.ok() ? (*tx)->commit() : sdk::Status(appended.error());
  }
  if (!revoked.ok()) {
    err << "wasl apikeys revoke: " << revoked.error().message << "\n";
    return kExitFailure;
  }
  out << "revoked " << id << "\n";
  return kExitOk;
}

}  // namespace

const Command& apikeys_create_command() {
  static const Command command{"apikeys create", "make an API key for a facility and role",
                               kCreateUsage, &create};
  return command;
}

const Command& apikeys_list_command() {
  static const Command command{"apikeys list", "list the API keys and their practitioners",
                               kApikeysListUsage, &list};
  return command;
}

const Command& apikeys_revoke_command() {
  static const Command command{"apikeys revoke", "revoke an API key", kRevokeUsage, &revoke};
  return command;
}

}  // namespace wasl::cli
