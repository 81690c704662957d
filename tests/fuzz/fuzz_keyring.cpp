// The key-ring file (`wasl keys`, the hub's data keys, blind-index and audit
// keys) through Keyring::from_json, as the hub reads it at start.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "hub/crypto/keyring.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)wasl::crypto::Keyring::from_json(
      std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
