#include "plugins/chime/client_request_token.hpp"

#include "wasl/sdk/aws/sigv4.hpp"

namespace wasl::plugins::chime {

wasl::sdk::Result<std::string> client_request_token(std::string_view idempotency_key,
                                                    int generation) {
  if (idempotency_key.empty()) {
    return wasl::sdk::Error(wasl::sdk::ErrorCode::kInvalidArgument,
                            "an idempotency key is required for a Chime create", false);
  }
  if (generation < 1) {
    return wasl::sdk::Error(wasl::sdk::ErrorCode::kInvalidArgument,
                            "a ClientRequestToken generation starts at 1", false);
  }
  if (generation == 1) return wasl::sdk::aws::sha256_hex(idempotency_key);
  return wasl::sdk::aws::sha256_hex(std::string(idempotency_key) + ":" +
                                    std::to_string(generation));
}

}  // namespace wasl::plugins::chime
