// Loading the config for a subcommand: the --config option (default
// config/wasl.yaml), every problem printed as `file:line: message`.
#pragma once

#include <optional>
#include <ostream>
#include <string>

#include "hub/cli/arguments.hpp"
#include "hub/config/config.hpp"

namespace wasl::cli {

inline constexpr const char* kDefaultConfigPath = "config/wasl.yaml";

// Returns the config, or prints its problems to `err` and returns nothing.
std::optional<config::Config> load_config_reporting(const Arguments& args, std::ostream& err);

}  // namespace wasl::cli
