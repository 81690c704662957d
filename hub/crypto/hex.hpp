// Lowercase hexadecimal encoding of bytes, as used in key files and blind
// index values.
#pragma once

#include <string>
#include <string_view>

#include "wasl/sdk/result.hpp"

namespace wasl::crypto {

// Lowercase hex of `bytes` (two characters per byte).
std::string to_hex(std::string_view bytes);

// Decodes hex (either case). kInvalidArgument for an odd length or a
// non-hex character; the message never repeats the input.
sdk::Result<std::string> from_hex(std::string_view hex);

}  // namespace wasl::crypto
