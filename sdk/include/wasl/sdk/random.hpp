// random.hpp: cryptographically secure random bytes from OpenSSL's generator
// (RAND_bytes), for keys, nonces, tokens and random ids. A plugin that
// includes it links libcrypto (OpenSSL::Crypto). Thread-safe.
#pragma once

#include <openssl/rand.h>

#include <climits>
#include <cstddef>
#include <string>

#include "wasl/sdk/hex.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::sdk {

// Fills `out[0, count)` with random bytes. kInternal when the generator
// cannot be seeded (a broken installation).
inline Status fill_random(unsigned char* out, std::size_t count) {
  while (count > 0) {
    const int chunk = count > static_cast<std::size_t>(INT_MAX) ? INT_MAX : static_cast<int>(count);
    if (RAND_bytes(out, chunk) != 1) {
      return Error(ErrorCode::kInternal,
                   "the system random generator failed; check that /dev/urandom is readable",
                   false);
    }
    out += chunk;
    count -= static_cast<std::size_t>(chunk);
  }
  return ok_status();
}

// `count` random bytes; errors as fill_random().
inline Result<std::string> random_bytes(std::size_t count) {
  std::string out(count, '\0');
  WASL_RETURN_IF_ERROR(fill_random(reinterpret_cast<unsigned char*>(out.data()), count));
  return out;
}

// `byte_count` random bytes as 2·byte_count lowercase hex digits: a token or
// id that cannot be guessed from another. Errors as fill_random().
inline Result<std::string> random_hex(std::size_t byte_count) {
  WASL_ASSIGN_OR_RETURN(std::string bytes, random_bytes(byte_count));
  return to_hex(bytes);
}

}  // namespace wasl::sdk
