// The SHA-256 of a file, for the optional pin on a plugin file.
#pragma once

#include <filesystem>
#include <string>

#include "wasl/sdk/result.hpp"

namespace wasl::plugin_host {

// Lowercase hex SHA-256 of the file's bytes (OpenSSL EVP), read in blocks.
// kNotFound / kUnavailable when the file cannot be opened or read.
sdk::Result<std::string> file_sha256(const std::filesystem::path& file);

}  // namespace wasl::plugin_host
