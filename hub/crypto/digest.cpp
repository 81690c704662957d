#include "hub/crypto/digest.hpp"

#include <openssl/evp.h>

#include <cstdlib>

#include "hub/crypto/hex.hpp"

namespace wasl::crypto {

std::string sha256(std::string_view data) {
  std::string out(kSha256Size, '\0');
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &len,
                 EVP_sha256(), nullptr) != 1 ||
      len != kSha256Size) {
    std::abort();  // SHA-256 missing from libcrypto: the installation is broken.
  }
  return out;
}

std::string sha256_hex(std::string_view data) { return to_hex(sha256(data)); }

}  // namespace wasl::crypto
