// Decoders for the tests of the MIME writer, written apart from it from the
// RFCs: RFC 2047 B encoded-words and RFC 2045 quoted-printable. A test
// double: never shipped.
#pragma once

#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "wasl/sdk/base64.hpp"
#include "wasl/sdk/hex.hpp"

namespace wasl::plugins::smtp::testing {

// The payloads of the B encoded-words in `field`, decoded, in order.
inline std::vector<std::string> decoded_words(const std::string& field) {
  std::vector<std::string> out;
  static const std::regex kWord(R"(=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=)");
  for (std::sregex_iterator it(field.begin(), field.end(), kWord), end; it != end; ++it) {
    out.push_back(sdk::base64_decode((*it)[1].str()).value_or("<not base64>"));
  }
  return out;
}

// The encoded-words of `field` themselves.
inline std::vector<std::string> words_of(const std::string& field) {
  std::vector<std::string> out;
  static const std::regex kWord(R"(=\?[^?]+\?[BbQq]\?[^?]*\?=)");
  for (std::sregex_iterator it(field.begin(), field.end(), kWord), end; it != end; ++it) {
    out.push_back(it->str());
  }
  return out;
}

// The lines of `text` split at CRLF.
inline std::vector<std::string> crlf_lines(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find("\r\n", start);
    lines.emplace_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return lines;
    start = end + 2;
  }
}

// Quoted-printable decoded, with the CRLF SMTP adds after the last line;
// nullopt for a malformed escape.
inline std::optional<std::string> decode_quoted_printable(std::string_view encoded) {
  std::string out;
  const std::vector<std::string> lines = crlf_lines(std::string(encoded) + "\r\n");
  for (std::size_t n = 0; n < lines.size(); ++n) {
    std::string line = lines[n];
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.pop_back();
    bool soft = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
      if (line[i] != '=') {
        out += line[i];
        continue;
      }
      if (i + 1 == line.size()) {
        soft = true;
        break;
      }
      if (i + 2 >= line.size()) return std::nullopt;
      const int high = sdk::hex_digit_value(line[i + 1]);
      const int low = sdk::hex_digit_value(line[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out += static_cast<char>(high * 16 + low);
      i += 2;
    }
    if (!soft && n + 1 < lines.size()) out += "\r\n";
  }
  // The last "line" is the empty one after SMTP's CRLF.
  if (out.size() >= 2 && out.compare(out.size() - 2, 2, "\r\n") == 0) out.resize(out.size() - 2);
  return out;
}

}  // namespace wasl::plugins::smtp::testing
