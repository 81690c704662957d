// SHA-256 through OpenSSL EVP_Digest.
#pragma once

#include <string>
#include <string_view>

namespace wasl::crypto {

inline constexpr std::size_t kSha256Size = 32;

// The 32-byte SHA-256 of `data`. Thread-safe; aborts only if OpenSSL has no
// SHA-256 at all (a broken installation, not an input problem).
std::string sha256(std::string_view data);

// Lowercase hex of sha256(data).
std::string sha256_hex(std::string_view data);

}  // namespace wasl::crypto
