#include "hub/records/list_cursor.hpp"

#include <charconv>
#include <optional>

#include "wasl/sdk/base64.hpp"

namespace wasl::records {

namespace {

sdk::Error bad_cursor() {
  return sdk::Error(sdk::ErrorCode::kInvalidArgument,
                    "the cursor is not one this server issued; start again without a cursor");
}

}  // namespace

std::string encode_cursor(const ListCursor& cursor) {
  return sdk::base64url_encode("v1:" + std::to_string(cursor.created_at) + ":" + cursor.id);
}

sdk::Result<ListCursor> decode_cursor(std::string_view text) {
  if (text.size() > 512) return bad_cursor();
  std::optional<std::string> raw = sdk::base64url_decode(text);
  if (!raw) return bad_cursor();
  std::string_view s = *raw;
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
