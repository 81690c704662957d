// Command: one `wasl` subcommand. Each lives in its own file and is listed
// in cli.cpp; `wasl --help` prints every command's summary.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace wasl::cli {

struct Command {
  std::string_view name;     // "serve", "plugins list"
  std::string_view summary;  // one line for `wasl --help`
  std::string_view usage;    // the full --help text
  // Runs with the arguments after the command name; returns the exit code.
  int (*run)(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
};

const Command& serve_command();
const Command& migrate_command();
const Command& check_command();
const Command& keys_generate_command();
const Command& keys_rotate_command();
const Command& keys_list_command();
const Command& keys_retire_command();
const Command& plugins_list_command();
const Command& workflow_validate_command();
const Command& workflow_run_now_command();
const Command& apikeys_create_command();
const Command& apikeys_list_command();
const Command& apikeys_revoke_command();
const Command& audit_verify_command();
const Command& archive_migrate_command();

}  // namespace wasl::cli
