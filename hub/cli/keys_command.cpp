// `wasl keys generate|rotate|list`: the key ring file (hub/crypto/keyring.hpp).
#include "hub/app/app.hpp"
#include "hub/cli/arguments.hpp"
#include "hub/cli/cli.hpp"
#include "hub/cli/command.hpp"
#include "hub/cli/config_loading.hpp"
#include "hub/crypto/keyring.hpp"
#include "hub/key_rotation/key_usage.hpp"

namespace wasl::cli {
namespace {

constexpr std::string_view kGenerateUsage =
    "Usage: wasl keys generate [--config FILE | --file PATH]\n\n"
    "Makes a new key ring: one active AES-256 data key, a blind-index key and an\n"
    "audit key, written with mode 0600 to security.key_file of the config (or PATH).\n"
    "An existing file is never overwritten.\n\n"
    "Options:\n"
    "  --config FILE   the hub config (default config/wasl.yaml)\n"
    "  --file PATH     write here instead of the config's security.key_file\n"
    "  --help          this text\n";

constexpr std::string_view kRotateUsage =
    "Usage: wasl keys rotate [--config FILE | --file PATH]\n\n"
    "Adds a data key and makes it active; the previous one stays for decryption.\n"
    "A running hub picks the new key up on SIGHUP (or at its next start) and\n"
    "re-encrypts every encrypted column and recording under it in the background,\n"
    "in batches, resumably; its progress is logged and audited.\n\n"
    "Options:\n"
    "  --config FILE   the hub config (default config/wasl.yaml)\n"
    "  --file PATH     the key file instead of the config's security.key_file\n"
    "  --help          this text\n";

constexpr std::string_view kListUsage =
    "Usage: wasl keys list [--config FILE | --file PATH]\n\n"
    "Lists the data keys of the key ring: id, state, creation time. Never prints\n"
    "key material.\n\n"
    "Options:\n"
    "  --config FILE   the hub config (default config/wasl.yaml)\n"
    "  --file PATH     the key file instead of the config's security.key_file\n"
    "  --help          this text\n";

constexpr std::string_view kRetireUsage =
    "Usage: wasl keys retire KEY_ID [--config FILE]\n\n"
    "Erases a data key's material from the key ring, keeping its id as a record.\n"
    "Refused while anything stored (a column or a recording) is still encrypted\n"
    "under it: let the re-encryption job that follows `wasl keys rotate` finish\n"
    "first. The active key cannot be retired.\n\n"
    "Options:\n"
    "  --config FILE   the hub config (default config/wasl.yaml)\n"
    "  --help          this text\n";

// The key file named by --file, or the config's security.key_file.
std::optional<std::string> key_file_path(const Arguments& args, std::ostream& err) {
  if (auto file = args.option("file")) return *file;
  auto config = load_config_reporting(args, err);
  if (!config) return std::nullopt;
  return config->security.key_file;
}

int generate(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  auto args =
      parse_command_arguments(raw, "keys generate", kGenerateUsage, {"config", "file"}, {}, err);
  if (!args) return kExitUsage;
  auto path = key_file_path(*args, err);
  if (!path) return kExitFailure;
  auto id = crypto::generate_key_file(*path);
  if (!id.ok()) {
    err << "wasl keys generate: " << id.error().message << "\n";
    return kExitFailure;
  }
  out << "wrote " << *path << " (mode 0600) with active key " << *id << "\n"
      << "keep a copy somewhere safe: without it nothing encrypted can be read\n";
  return kExitOk;
}

int rotate(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  auto args =
      parse_command_arguments(raw, "keys rotate", kRotateUsage, {"config", "file"}, {}, err);
  if (!args) return kExitUsage;
  auto path = key_file_path(*args, err);
  if (!path) return kExitFailure;
  auto id = crypto::add_and_activate_key(*path);
  if (!id.ok()) {
    err << "wasl keys rotate: " << id.error().message << "\n";
    return kExitFailure;
  }
  out << "key " << *id << " is now active in " << *path << "\n"
      << "send SIGHUP to running hubs (or restart them) to re-encrypt under it\n";
  return kExitOk;
}

int list_keys(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  auto args = parse_command_arguments(raw, "keys list", kListUsage, {"config", "file"}, {}, err);
  if (!args) return kExitUsage;
  auto path = key_file_path(*args, err);
  if (!path) return kExitFailure;
  auto keyring = crypto::load_keyring(*path);
  if (!keyring.ok()) {
    err << "wasl keys list: " << keyring.error().message << "\n";
    return kExitFailure;
  }
  for (const auto& key : (*keyring)->keys()) {
    out << key.id << "  " << crypto::to_string(key.state) << "  " << key.created_at << "\n";
  }
  return kExitOk;
}

int retire(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  auto args = parse_command_arguments(raw, "keys retire", kRetireUsage, {"config"}, {}, err,
                                      /*positional_allowed=*/true);
  if (!args) return kExitUsage;
  if (args->positional.size() != 1) {
    err << "wasl keys retire: name exactly one key id\n\n" << kRetireUsage;
    return kExitUsage;
  }
  auto config = load_config_reporting(*args, err);
  if (!config) return kExitFailure;
  auto store = app::open_store(config->storage);
  if (!store.ok()) {
    err << "wasl keys retire: " << store.error().message << "\n";
    return kExitFailure;
  }
  sdk::Status retired =
      key_rotation::retire_unused_key(**store, config->security.key_file, args->positional[0]);
  if (!retired.ok()) {
    err << "wasl keys retire: " << retired.error().message << "\n";
    return kExitFailure;
  }
  out << "key " << args->positional[0] << " retired in " << config->security.key_file << "\n";
  return kExitOk;
}

}  // namespace

const Command& keys_retire_command() {
  static const Command command{"keys retire", "erase a data key nothing uses any more",
                               kRetireUsage, &retire};
  return command;
}

const Command& keys_generate_command() {
  static const Command command{"keys generate", "make a new key ring file", kGenerateUsage,
                               &generate};
  return command;
}

const Command& keys_rotate_command() {
  static const Command command{"keys rotate", "add a data key, make it active", kRotateUsage,
                               &rotate};
  return command;
}

const Command& keys_list_command() {
  static const Command command{"keys list", "list the key ring's data keys", kListUsage,
                               &list_keys};
  return command;
}

}  // namespace wasl::cli
