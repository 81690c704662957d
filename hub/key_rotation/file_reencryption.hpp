// File re-encryption: rewrites one stream-encrypted file (stream_cipher.hpp)
// under the keyring's active key, in constant memory, durably.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "hub/crypto/keyring.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::key_rotation {

// The key id in the header of the stream file at `path`. kUnavailable when
// the file cannot be read, kInvalidArgument when it is not a stream file.
sdk::Result<std::string> stream_file_key_id(const std::filesystem::path& path);

// Decrypts `source` with any key of `keyring` and writes it re-encrypted
// under the active key to `target` via `target` + ".tmp": the temporary file
// (mode 0600) is fsynced, renamed over `target`, and the directory fsynced,
// so `target` is either absent or complete. On any error the temporary file
// is removed and `target` is untouched. `expected_plaintext_size`, when
// known, makes truncation errors exact. `binding`: the stream cipher's
// (domain::recording_stream_binding): the source opens under it (a version 1
// file, written before bindings, ignores it) and the target is bound to it.
// Returns the plaintext size.
// Errors: the decryptor's (kInvalidArgument for damage, kFailedPrecondition
// for a missing key), kUnavailable for file system failures (message names
// the path and errno text).
sdk::Result<std::uint64_t> reencrypt_stream_file(
    std::shared_ptr<const crypto::Keyring> keyring, const std::filesystem::path& source,
    const std::filesystem::path& target, std::optional<std::uint64_t> expected_plaintext_size,
    std::string_view binding = {});

// fsync of the directory holding `path`, so a rename or unlink in it is durable.
sdk::Status sync_parent_directory(const std::filesystem::path& path);

}  // namespace wasl::key_rotation
