// `wasl workflow validate FILE…`: check workflow files on their own.
#include "hub/cli/arguments.hpp"
#include "hub/cli/cli.hpp"
#include "hub/cli/command.hpp"
#include "hub/workflow/workflow_file.hpp"

namespace wasl::cli {
namespace {

constexpr std::string_view kUsage =
    "Usage: wasl workflow validate FILE...\n\n"
    "Validates workflow files without a config: keys, step kinds, references to\n"
    "earlier steps, capability roles and methods the SDK defines, compensations,\n"
    "durations and conditions. Prints one `file:line: message` per problem and\n"
    "exits 1 if there is any.\n\n"
    "Options:\n"
    "  --help   this text\n";

int validate(const std::vector<std::string>& raw, std::ostream& out, std::ostream& err) {
  auto args = parse_command_arguments(raw, "workflow validate", kUsage, {}, {}, err,
                                      /*positional_allowed=*/true);
  if (!args) return kExitUsage;
  if (args->positional.empty()) {
    err << "wasl workflow validate: name at least one workflow file\n\n" << kUsage;
    return kExitUsage;
  }
  return workflow::validate_files(args->positional, out, err) == 0 ? kExitOk : kExitFailure;
}

}  // namespace

const Command& workflow_validate_command() {
  static const Command command{"workflow validate", "validate workflow files", kUsage,
                               &validate};
  return command;
}

}  // namespace wasl::cli
