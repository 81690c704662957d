// The body of a text/plain part, in canonical form and in the two 7-bit
// content transfer encodings of RFC 2045: quoted-printable (§6.7) and base64
// (§6.8). Every encoded line is at most 76 characters, ended by CRLF. Pure and
// thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace wasl::plugins::smtp {

inline constexpr std::size_t kMaxBodyLine = 76;

// `text` with every line break (CRLF, lone LF, lone CR) as CRLF: the
// canonical form of text/plain (RFC 2046 §4.1.1).
std::string canonical_line_breaks(std::string_view text);

// `canonical` (CRLF line breaks) as quoted-printable: printable ASCII other
// than '=' as is, every other byte as =XX, a space or tab that ends a line as
// =20 or =09, CRLF as a line break, and soft line breaks ("=" CRLF) so that no
// line exceeds 76 characters. The bytes of one UTF-8 character stay on one
// line. A text that does not end in a line break ends in a soft line break
// ("="): the CRLF that SMTP puts after the data then decodes to nothing, so
// the text arrives exactly as given. No CRLF after the last line.
std::string quoted_printable(std::string_view canonical);

// `bytes` as base64 in lines of 76 characters, separated by CRLF; no CRLF
// after the last line.
std::string base64_lines(std::string_view bytes);

}  // namespace wasl::plugins::smtp
