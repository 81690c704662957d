#include "hub/records/list_cursor.hpp"

#include <charconv>

namespace wasl::records {

namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string base64url(std::string_view in) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 63]);
  return out;
}

bool unbase64url(std::string_view in, std::string& out) {
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    auto pos = kAlphabet.find(c);
    if (pos == std::string_view::npos) return false;
    acc = (acc << 6) | static_cast<std::uint32_t>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return bits < 6 && (acc & ((1u << bits) - 1)) == 0;
}

sdk::Error bad_cursor() {
  return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                    "the cursor is not one this server issued; start again without a cursor");
}

}  // namespace

std::string encode_cursor(const ListCursor& cursor) {
  return base64url("v1:" + std::to_string(cursor.created_at) + ":" + cursor.id);
}

sdk::Result<ListCursor> decode_cursor(std::string_view text) {
  std::string raw;
  if (text.size() > 512 || !unbase64url(text, raw)) return bad_cursor();
  std::string_view s = raw;
  if (s.substr(0, 3) != "v1:") return bad_cursor();
  s.remove_prefix(3);
  auto colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 >= s.size()) return bad_cursor();
  ListCursor c;
  auto [p, ec] = std::from_chars(s.data(), s.data() + colon, c.created_at);
  if (ec != std::errc() || p != s.data() + colon) return bad_cursor();
  c.id = std::string(s.substr(colon + 1));
  return c;
}

}  // namespace wasl::records
