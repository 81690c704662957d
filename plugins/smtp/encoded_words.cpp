#include "plugins/smtp/encoded_words.hpp"

#include <algorithm>

#include "plugins/smtp/utf8_text.hpp"
#include "wasl/sdk/base64.hpp"

namespace wasl::plugins::smtp {
namespace {

constexpr std::string_view kPrefix = "=?UTF-8?B?";
constexpr std::string_view kSuffix = "?=";
constexpr std::size_t kOverhead = kPrefix.size() + kSuffix.size();
// The shortest word that holds any one character (4 bytes: 8 base64 characters).
constexpr std::size_t kMinimumWord = kOverhead + 8;

// The most bytes a word of `limit` characters carries: base64 of n bytes is
// 4 * ceil(n / 3) characters.
std::size_t capacity(std::size_t limit) { return (limit - kOverhead) / 4 * 3; }

std::string word(std::string_view bytes) {
  std::string out(kPrefix);
  out += sdk::base64_encode(bytes);
  out += kSuffix;
  return out;
}

bool is_printable_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c <= 0x7E; });
}

// "Name: " followed by the words, one a line.
std::string folded(std::string_view name, const std::vector<std::string>& words) {
  std::string out(name);
  out += ": ";
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) out += "\r\n ";
    out += words[i];
  }
  return out;
}

}  // namespace

std::vector<std::string> encode_words(std::string_view text, std::size_t first_limit) {
  std::vector<std::string> words;
  std::size_t limit = std::clamp(first_limit, kMinimumWord, kMaxEncodedWord);
  std::size_t start = 0;
  std::size_t at = 0;
  while (at < text.size()) {
    // A malformed byte (the caller should have refused the text) is taken
    // alone, so the loop always advances.
    const std::size_t length = std::max<std::size_t>(utf8_char_length(text, at), 1);
    if (at + length - start > capacity(limit)) {
      words.push_back(word(text.substr(start, at - start)));
      start = at;
      limit = kMaxEncodedWord;
    }
    at += length;
  }
  if (start < text.size()) words.push_back(word(text.substr(start)));
  return words;
}

std::string unstructured_field(std::string_view name, std::string_view text) {
  const std::size_t lead = name.size() + 2;  // "Name: "
  if (is_printable_ascii(text) && text.find("=?") == std::string_view::npos &&
      lead + text.size() <= 78) {
    return std::string(name) + ": " + std::string(text);
  }
  return folded(name, encode_words(text, kMaxEncodedLine - lead));
}

std::string mailbox_field(std::string_view name, std::string_view display_name,
                          std::string_view address) {
  const std::string angle = "<" + std::string(address) + ">";
  if (display_name.empty()) return std::string(name) + ": " + std::string(address);
  if (is_printable_ascii(display_name)) {
    std::string quoted = "\"";
    for (char c : display_name) {
      if (c == '"' || c == '\\') quoted += '\\';
      quoted += c;
    }
    quoted += '"';
    return std::string(name) + ": " + quoted + " " + angle;
  }
  const auto words = encode_words(display_name, kMaxEncodedLine - (name.size() + 2));
  std::string out = folded(name, words);
  const std::size_t line_break = out.rfind("\r\n");
  const std::size_t last_line =
      line_break == std::string::npos ? out.size() : out.size() - line_break - 2;
  out += last_line + 1 + angle.size() <= kMaxEncodedLine ? " " : "\r\n ";
  out += angle;
  return out;
}

}  // namespace wasl::plugins::smtp
