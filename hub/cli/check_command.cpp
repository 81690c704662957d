// `wasl check`: validate a config (and, as the hub grows, its workflows and
// plugin instance settings) without starting anything.
#include "hub/cli/cli.hpp"
#include "hub/cli/command.hpp"
#include "hub/cli/config_loading.hpp"

namespace wasl::cli {
namespace {

constexpr std::string_view kUsage =
    "Usage: wasl check --config FILE\n\n"
    "Validates the config file: every key, type and required value. Prints one\n"
    "`file:line: message` line per problem and exits 1 if there is any.\n"
    "Secrets substituted with ${env:…} or ${file:…} are never printed.\n\n"
    "Options:\n"
    "  --config FILE   the hub config (default config/wasl.yaml)\n"
    "  --help          this text\n";

int check(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  auto args = parse_command_arguments(raw, "check", kUsage, {"config"}, {}, err);
  if (!args) return kExitUsage;
  auto config = load_config_reporting(*args, err);
  if (!config) return kExitFailure;
  out << config->source_file << ": OK\n";
  return kExitOk;
}

}  // namespace

const Command& check_command() {
  static const Command command{"check", "validate a config file", kUsage, &check};
  return command;
}

}  // namespace wasl::cli
