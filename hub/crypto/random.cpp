#include "hub/crypto/random.hpp"

#include "wasl/sdk/random.hpp"

namespace wasl::crypto {

sdk::Status fill_random(unsigned char* out, std::size_t count) {
  return sdk::fill_random(out, count);
}

sdk::Result<std::string> random_bytes(std::size_t count) { return sdk::random_bytes(count); }

}  // namespace wasl::crypto
