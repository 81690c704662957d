// ListCursor: the opaque position of a keyset-paginated list, ordered by
// (created_at DESC, id DESC). On the wire it is base64url without padding of
// "v1:<created_at>:<id>"; clients must treat it as opaque.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "wasl/sdk/result.hpp"

namespace wasl::records {

struct ListCursor {
  std::int64_t created_at = 0;  // epoch ms of the last item returned
  std::string id;               // id of the last item returned
};

std::string encode_cursor(const ListCursor& cursor);

// kInvalidArgument "the cursor is not one this server issued" for anything
// encode_cursor did not produce.
sdk::Result<ListCursor> decode_cursor(std::string_view text);

}  // namespace wasl::records
