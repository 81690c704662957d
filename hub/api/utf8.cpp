#include "hub/api/utf8.hpp"

namespace wasl::api {

std::optional<std::size_t> utf8_length(std::string_view text) {
  std::size_t count = 0;
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    auto b = static_cast<unsigned char>(text[i]);
    std::size_t extra = 0;
    unsigned lo = 0x80, hi = 0xBF;  // bounds of the second byte
    if (b < 0x80) {
      extra = 0;
    } else if (b >= 0xC2 && b <= 0xDF) {
      extra = 1;
    } else if (b == 0xE0) {
      extra = 2;
      lo = 0xA0;
    } else if (b >= 0xE1 && b <= 0xEC) {
      extra = 2;
    } else if (b == 0xED) {
      extra = 2;
      hi = 0x9F;  // no UTF-16 surrogates
    } else if (b >= 0xEE && b <= 0xEF) {
      extra = 2;
    } else if (b == 0xF0) {
      extra = 3;
      lo = 0x90;
    } else if (b >= 0xF1 && b <= 0xF3) {
      extra = 3;
    } else if (b == 0xF4) {
      extra = 3;
      hi = 0x8F;  // nothing above U+10FFFF
    } else {
      return std::nullopt;
    }
    for (std::size_t k = 1; k <= extra; ++k) {
      if (i + k >= n) return std::nullopt;
      auto c = static_cast<unsigned char>(text[i + k]);
      unsigned min = k == 1 ? lo : 0x80;
      unsigned max = k == 1 ? hi : 0xBF;
      if (c < min || c > max) return std::nullopt;
    }
    i += extra + 1;
    ++count;
  }
  return count;
}

bool is_valid_utf8(std::string_view text) { return utf8_length(text).has_value(); }

}  // namespace wasl::api
