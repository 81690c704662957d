#include "plugins/twilio/room_unique_name.hpp"

#include <openssl/evp.h>

#include "wasl/sdk/hex.hpp"

namespace wasl::plugins::twilio {

sdk::Result<std::string> room_unique_name(std::string_view idempotency_key) {
  if (idempotency_key.empty()) {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                      "a Twilio room needs an idempotency key to derive its UniqueName", false);
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(idempotency_key.data(), idempotency_key.size(), digest, &length, EVP_sha256(),
                 nullptr) != 1) {
    return sdk::Error(sdk::ErrorCode::kInternal, "SHA-256 of the idempotency key failed", false);
  }
  return std::string(kUniqueNamePrefix) + sdk::to_hex(digest, length < 20 ? length : 20);
}

}  // namespace wasl::plugins::twilio
