// The config reference and the effective settings, both rendered from the
// one declaration in schema.hpp.
#pragma once

#include <string>

#include "hub/config/config.hpp"

namespace wasl::config {

// Every key the config accepts: its path, description, expected form and
// default, as plain text (e.g. for `wasl check --help` or the docs).
std::string describe();

// The settings in `config`, one `path: value` line per key. Secret fields
// print "[redacted]" and every value in config.secret_values is replaced by
// "[redacted]" wherever it appears.
std::string render(const Config& config);

}  // namespace wasl::config
