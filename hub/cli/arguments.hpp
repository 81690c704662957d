// Arguments: the small option parser every subcommand shares. Options are
// `--name VALUE`, `--name=VALUE` or flags (`--help`); anything else is a
// positional argument.
#pragma once

#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace wasl::cli {

struct Arguments {
  std::map<std::string, std::string> options;  // name without "--" -> value
  std::set<std::string> flags;
  std::vector<std::string> positional;
  std::string error;  // set when parsing failed (unknown option, missing value)

  bool has_flag(const std::string& name) const { return flags.count(name) > 0; }
  std::optional<std::string> option(const std::string& name) const;
};

// `valued` lists options that take a value, `flag_names` those that do not.
Arguments parse_arguments(const std::vector<std::string>& args, const std::set<std::string>& valued,
                          const std::set<std::string>& flag_names);

// Parses the arguments of `wasl <command>`; on a usage error prints it with
// the command's usage text to `err` and returns nothing (exit code 2).
// Positional arguments are allowed only when `positional_allowed`.
std::optional<Arguments> parse_command_arguments(const std::vector<std::string>& args,
                                                 std::string_view command, std::string_view usage,
                                                 const std::set<std::string>& valued,
                                                 const std::set<std::string>& flag_names,
                                                 std::ostream& err,
                                                 bool positional_allowed = false);

}  // namespace wasl::cli
