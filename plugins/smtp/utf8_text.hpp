// UTF-8 as RFC 3629 defines it: the length of the character at a position,
// and whether a whole text is well formed (no overlong forms, no surrogates,
// nothing above U+10FFFF). The MIME writer splits encoded-words and
// quoted-printable lines only between characters. Pure and thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

namespace wasl::plugins::smtp {

// The length in bytes (1 to 4) of the well-formed character starting at
// text[at]; 0 when the bytes there are not one (or at is past the end).
std::size_t utf8_char_length(std::string_view text, std::size_t at);

// True when `text` is a sequence of well-formed UTF-8 characters.
bool is_utf8(std::string_view text);

}  // namespace wasl::plugins::smtp
