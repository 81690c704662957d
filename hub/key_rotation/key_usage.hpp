// Key usage: how many stored ciphertexts and recording files each data key
// still encrypts, read from the ciphertext headers (no decryption), so
// `wasl keys retire ID` can refuse while anything uses the key.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "hub/storage/store.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::key_rotation {

// key id → number of non-NULL cells of every registered encrypted column
// plus recording files (rows with a storage path, not deleted) under it.
// Cells whose header cannot be parsed are counted under kMalformedKeyId;
// recordings with no key id under kUnknownKeyId.
using KeyUsage = std::map<std::string, std::int64_t>;
inline constexpr std::string_view kMalformedKeyId = "(malformed)";
inline constexpr std::string_view kUnknownKeyId = "(unknown)";

// Reads every registered column in pages; safe to run beside writers (the
// answer is a snapshot per page). Storage errors as the store reports them.
sdk::Result<KeyUsage> usage_by_key(storage::Store& store);

// For `wasl keys retire ID`: retires data key `key_id` in the key file only
// when usage_by_key reports nothing under it, else kFailedPrecondition
// naming how many values still use it. Other errors as crypto::retire_key.
// No writer may still run with a keyring whose active key is `key_id`.
sdk::Status retire_unused_key(storage::Store& store, const std::filesystem::path& key_file,
                              std::string_view key_id);

}  // namespace wasl::key_rotation
