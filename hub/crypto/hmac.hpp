// HMAC-SHA-256 through OpenSSL EVP_MAC, and a constant-time comparison.
#pragma once

#include <string>
#include <string_view>

#include "wasl/sdk/result.hpp"

namespace wasl::crypto {

inline constexpr std::size_t kHmacSha256Size = 32;

// The 32-byte HMAC-SHA-256 of `data` under `key` (any key length, as in
// RFC 2104). kInternal only if OpenSSL fails. Thread-safe.
sdk::Result<std::string> hmac_sha256(std::string_view key, std::string_view data);

// True when a and b are equal, in time that depends only on their lengths.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace wasl::crypto
