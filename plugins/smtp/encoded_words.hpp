// Header text for SMTP without SMTPUTF8: header fields must be ASCII, so a
// subject or display name in Arabic travels as RFC 2047 encoded-words
// ("=?UTF-8?B?<base64>?="). Each word holds whole UTF-8 characters (a decoder
// that decodes word by word never sees half a character) and is at most 75
// characters long; a field is folded so that every line holding a word is at
// most 76 characters (RFC 2047 §2). Pure and thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace wasl::plugins::smtp {

// The longest encoded-word RFC 2047 allows.
inline constexpr std::size_t kMaxEncodedWord = 75;
// The longest line of a header field that holds an encoded-word.
inline constexpr std::size_t kMaxEncodedLine = 76;

// `text` (well-formed UTF-8: the caller checks) as B encoded-words: the first
// at most `first_limit` characters long (room left on the field's first
// line), every other at most kMaxEncodedWord. Empty for empty text.
// `first_limit` below 20 (too little for one character) is taken as 20.
std::vector<std::string> encode_words(std::string_view text, std::size_t first_limit);

// The header field `name` with the unstructured value `text` (a Subject),
// without the final CRLF: "Name: text" when text is printable ASCII without
// "=?" and the line stays within 78 characters, else encoded-words, one a
// line, folded with CRLF and a space.
std::string unstructured_field(std::string_view name, std::string_view text);

// The header field `name` naming one mailbox (From), without the final CRLF:
// "Name: address" without a display name; "Name: \"display\" <address>" for
// a printable ASCII display name (quotes and backslashes escaped); else the
// display name as folded encoded-words, then "<address>" (on a line of its
// own when the last word's line has no room left for it).
std::string mailbox_field(std::string_view name, std::string_view display_name,
                          std::string_view address);

}  // namespace wasl::plugins::smtp
