// percent_encoding.hpp: RFC 3986 percent-encoding, as URLs, query strings,
// form bodies and signature base strings need it. Pure and thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "wasl/sdk/hex.hpp"

namespace wasl::sdk {

// Whether `c` is RFC 3986 "unreserved": ALPHA / DIGIT / "-" / "." / "_" / "~".
constexpr bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// `text` with every byte that is neither unreserved nor listed in `keep`
// (UTF-8 bytes included) written as %XX, upper-case hex: a space is "%20",
// never "+". `keep` = "/" leaves a path's separators as they are.
inline std::string percent_encode(std::string_view text, std::string_view keep = {}) {
  std::string out;
  out.reserve(text.size() * 3 / 2);
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c) || keep.find(ch) != std::string_view::npos) {
      out += ch;
    } else {
      out += '%';
      out += hex_digit(c >> 4, HexCase::kUpper);
      out += hex_digit(c, HexCase::kUpper);
    }
  }
  return out;
}

}  // namespace wasl::sdk
