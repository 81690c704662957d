// hex.hpp: hexadecimal text of bytes (two digits a byte, most significant
// nibble first), as used for digests, random tokens, ids and percent-encoding.
// Pure and thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace wasl::sdk {

enum class HexCase { kLower, kUpper };

// The hex digit of `nibble` (0..15).
constexpr char hex_digit(unsigned nibble, HexCase letters = HexCase::kLower) {
  return "0123456789abcdef0123456789ABCDEF"[(nibble & 0x0f) +
                                            (letters == HexCase::kUpper ? 16 : 0)];
}

// The value of the hex digit `c` (either case), or -1 when it is none.
constexpr int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "00ff10" for the bytes 0x00 0xff 0x10 (lowercase unless `letters` says otherwise).
inline std::string to_hex(std::string_view bytes, HexCase letters = HexCase::kLower) {
  std::string out;
  out.resize(bytes.size() * 2);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = hex_digit(b >> 4, letters);
    out[2 * i + 1] = hex_digit(b, letters);
  }
  return out;
}

// As above, for a byte buffer such as a digest.
inline std::string to_hex(const unsigned char* bytes, std::size_t size,
                          HexCase letters = HexCase::kLower) {
  return to_hex(std::string_view(reinterpret_cast<const char*>(bytes), size), letters);
}

}  // namespace wasl::sdk
