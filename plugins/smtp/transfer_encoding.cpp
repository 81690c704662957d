#include "plugins/smtp/transfer_encoding.hpp"

#include <algorithm>

#include "plugins/smtp/utf8_text.hpp"
#include "wasl/sdk/base64.hpp"
#include "wasl/sdk/hex.hpp"

namespace wasl::plugins::smtp {
namespace {

void append_escaped(std::string& out, char byte) {
  const auto b = static_cast<unsigned char>(byte);
  out += '=';
  out += sdk::hex_digit(b >> 4, sdk::HexCase::kUpper);
  out += sdk::hex_digit(b, sdk::HexCase::kUpper);
}

// One line of `canonical` (no CRLF inside), encoded and softly broken.
// `soft_end`: a soft line break will follow it, which needs its own column.
void encode_line(std::string& out, std::string_view line, bool soft_end) {
  std::size_t width = 0;  // characters on the current output line
  std::size_t at = 0;
  while (at < line.size()) {
    const std::size_t length = std::max<std::size_t>(utf8_char_length(line, at), 1);
    const bool last = at + length == line.size();
    std::string token;
    for (std::size_t i = at; i < at + length; ++i) {
      const char c = line[i];
      const bool whitespace = c == ' ' || c == '\t';
      if ((c >= 33 && c <= 126 && c != '=') || (whitespace && !last)) {
        token += c;
      } else {
        append_escaped(token, c);
      }
    }
    // A soft break needs a column for its '='; the last token of a line
    // that ends in a hard break may use the 76th column itself.
    if (width + token.size() > (last && !soft_end ? kMaxBodyLine : kMaxBodyLine - 1)) {
      out += "=\r\n";
      width = 0;
    }
    out += token;
    width += token.size();
    at += length;
  }
}

}  // namespace

std::string canonical_line_breaks(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') {
      out += "\r\n";
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else if (text[i] == '\n') {
      out += "\r\n";
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string quoted_printable(std::string_view canonical) {
  std::string out;
  out.reserve(canonical.size() * 2);
  std::size_t start = 0;
  while (true) {
    const std::size_t end = canonical.find("\r\n", start);
    if (end == std::string_view::npos) {
      // SMTP ends the data with CRLF; after a soft break it decodes to nothing.
      if (start < canonical.size()) {
        encode_line(out, canonical.substr(start), /*soft_end=*/true);
        out += '=';
      }
      break;
    }
    encode_line(out, canonical.substr(start, end - start), /*soft_end=*/false);
    out += "\r\n";
    start = end + 2;
  }
  return out;
}

std::string base64_lines(std::string_view bytes) {
  const std::string encoded = sdk::base64_encode(bytes);
  std::string out;
  out.reserve(encoded.size() + encoded.size() / kMaxBodyLine * 2);
  for (std::size_t at = 0; at < encoded.size(); at += kMaxBodyLine) {
    if (at > 0) out += "\r\n";
    out.append(encoded, at, kMaxBodyLine);
  }
  return out;
}

}  // namespace wasl::plugins::smtp
