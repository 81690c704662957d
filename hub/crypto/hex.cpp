#include "hub/crypto/hex.hpp"

#include "wasl/sdk/hex.hpp"

namespace wasl::crypto {

std::string to_hex(std::string_view bytes) { return sdk::to_hex(bytes); }

sdk::Result<std::string> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) {
    return sdk::Error(sdk::ErrorCode::kInvalidArgument, "hex text has an odd number of digits");
  }
  std::string out(hex.size() / 2, '\0');
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = sdk::hex_digit_value(hex[2 * i]);
    int lo = sdk::hex_digit_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return sdk::Error(sdk::ErrorCode::kInvalidArgument, "hex text has a non-hex character");
    }
    out[i] = static_cast<char>((hi << 4) | lo);
  }
  return out;
}

}  // namespace wasl::crypto
