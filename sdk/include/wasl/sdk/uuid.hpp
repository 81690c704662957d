// uuid.hpp: UUIDs in their canonical text form (RFC 9562),
// "xxxxxxxx-xxxx-Vxxx-yxxx-xxxxxxxxxxxx", lowercase: random ones (version 4)
// and ones derived from a name (version 8 over SHA-256), the same name always
// giving the same id. A plugin that includes it links libcrypto
// (OpenSSL::Crypto). Pure (but for random_uuid) and thread-safe.
#pragma once

#include <openssl/sha.h>

#include <string>
#include <string_view>

#include "wasl/sdk/hex.hpp"
#include "wasl/sdk/random.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::sdk {

// The UUID made of the first 16 of `bytes` (which must hold at least 16),
// with the version nibble set to `version` (1..15) and the RFC 9562 variant
// bits (10xx) set; every other bit is kept.
inline std::string uuid_text(std::string_view bytes, unsigned version) {
  unsigned char b[16];
  for (int i = 0; i < 16; ++i) b[i] = static_cast<unsigned char>(bytes[i]);
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | ((version & 0x0f) << 4));
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += hex_digit(b[i] >> 4);
    out += hex_digit(b[i]);
  }
  return out;
}

// A random UUID (version 4) from OpenSSL's generator. kInternal when the
// generator fails (a broken installation).
inline Result<std::string> random_uuid() {
  WASL_ASSIGN_OR_RETURN(std::string bytes, random_bytes(16));
  return uuid_text(bytes, 4);
}

// The UUID (version 8) of `name`: the first 16 bytes of SHA-256(name). Ids of
// resources derived from a stable key (an idempotency key, a report id) stay
// the same however often they are derived; different names give different ids.
inline std::string name_based_uuid(std::string_view name) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(name.data()), name.size(), digest);
  return uuid_text(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest), 8);
}

}  // namespace wasl::sdk
