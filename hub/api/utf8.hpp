// UTF-8 checks for request text: well-formed per RFC 3629 (no overlong forms,
// no surrogates, nothing above U+10FFFF).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace wasl::api {

bool is_valid_utf8(std::string_view text);

// Number of code points of valid UTF-8 `text`; nullopt when it is not valid.
std::optional<std::size_t> utf8_length(std::string_view text);

}  // namespace wasl::api
