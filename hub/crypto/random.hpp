// Cryptographically secure random bytes from OpenSSL's DRBG (RAND_bytes),
// through the SDK's generator (wasl/sdk/random.hpp), the one plugins use.
#pragma once

#include <cstddef>
#include <string>

#include "wasl/sdk/result.hpp"

namespace wasl::crypto {

// `count` random bytes. kInternal if the generator cannot be seeded.
// Thread-safe.
sdk::Result<std::string> random_bytes(std::size_t count);

// Fills `out[0, count)` with random bytes; same errors as random_bytes.
sdk::Status fill_random(unsigned char* out, std::size_t count);

}  // namespace wasl::crypto
