#include "hub/crypto/random.hpp"

#include <openssl/rand.h>

#include <climits>

namespace wasl::crypto {

sdk::Status fill_random(unsigned char* out, std::size_t count) {
  while (count > 0) {
    int chunk = count > static_cast<std::size_t>(INT_MAX) ? INT_MAX : static_cast<int>(count);
    if (RAND_bytes(out, chunk) != 1) {
      return sdk::Error(sdk::ErrorCode::kInternal,
                        "the system random generator failed; check that /dev/urandom is readable");
    }
    out += chunk;
    count -= static_cast<std::size_t>(chunk);
  }
  return sdk::ok_status();
}

sdk::Result<std::string> random_bytes(std::size_t count) {
  std::string out(count, '\0');
  WASL_RETURN_IF_ERROR(fill_random(reinterpret_cast<unsigned char*>(out.data()), count));
  return out;
}

}  // namespace wasl::crypto
