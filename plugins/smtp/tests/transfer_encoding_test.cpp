// Canonical line breaks, quoted-printable and base64 bodies: lines of at most
// 76 characters, and decoding gives back the canonical text exactly.
#include "plugins/smtp/transfer_encoding.hpp"

#include <gtest/gtest.h>

#include "plugins/smtp/tests/mime_decoding.hpp"
#include "wasl/sdk/base64.hpp"

namespace wasl::plugins::smtp {
namespace {

using testing::crlf_lines;
using testing::decode_quoted_printable;

void expect_short_lines(const std::string& encoded) {
  for (const std::string& line : crlf_lines(encoded)) {
    EXPECT_LE(line.size(), kMaxBodyLine) << line;
    for (char c : line) {
      EXPECT_TRUE((c >= 0x20 && c < 0x7F) || c == '\t') << "not 7-bit text: " << line;
    }
  }
}

TEST(TransferEncoding, EveryLineBreakBecomesCrlf) {
  EXPECT_EQ(canonical_line_breaks("a\nb\r\nc\rd\n\n"), "a\r\nb\r\nc\r\nd\r\n\r\n");
  EXPECT_EQ(canonical_line_breaks(""), "");
}

TEST(TransferEncoding, QuotedPrintableKeepsAsciiReadableAndEscapesTheRest) {
  EXPECT_EQ(quoted_printable("Hello, a=b"), "Hello, a=3Db=");
  EXPECT_EQ(quoted_printable("trailing space \r\nnext"), "trailing space=20\r\nnext=");
  EXPECT_EQ(quoted_printable("tab\t\r\n"), "tab=09\r\n");
  EXPECT_EQ(quoted_printable("ب"), "=D8=A8=");
  EXPECT_EQ(quoted_printable("ends with a break\r\n"), "ends with a break\r\n");
}

TEST(TransferEncoding, QuotedPrintableSoftBreaksLongLinesBetweenCharacters) {
  const std::string canonical = canonical_line_breaks(
      std::string(200, 'x') + "\n" +
      "موعدك غداً الساعة العاشرة صباحاً مع الطبيبة في العيادة الافتراضية" + "\n" +
      std::string(75, 'y') + "\n" + std::string(76, 'z') + "\n" + std::string(77, 'w') + " ");
  const std::string encoded = quoted_printable(canonical);
  expect_short_lines(encoded);
  // No "=XX=XX" of one character is cut by a soft break: no line starts
  // with a continuation byte (0x80-0xBF).
  for (const std::string& line : crlf_lines(encoded)) {
    EXPECT_NE(line.rfind("=8", 0), 0u) << "a line starts inside a character: " << line;
    EXPECT_NE(line.rfind("=9", 0), 0u) << "a line starts inside a character: " << line;
    EXPECT_NE(line.rfind("=A", 0), 0u) << "a line starts inside a character: " << line;
    EXPECT_NE(line.rfind("=B", 0), 0u) << "a line starts inside a character: " << line;
  }
  EXPECT_EQ(decode_quoted_printable(encoded), canonical);
}

TEST(TransferEncoding, QuotedPrintableRoundTripsEveryLength) {
  std::string text;
  const std::string pieces[] = {"a", " ", "=", "ب", "😀", "\r\n", "\t", "."};
  for (int i = 0; i < 300; ++i) {
    text += pieces[(i * 3 + i / 11) % 8];
    const std::string encoded = quoted_printable(text);
    expect_short_lines(encoded);
    ASSERT_EQ(decode_quoted_printable(encoded), text) << "at length " << text.size();
  }
}

TEST(TransferEncoding, Base64LinesAreAtMost76AndDecodeBack) {
  const std::string bytes = canonical_line_breaks(
      "مرحباً،\nموعدك مع د. سارة غداً الساعة العاشرة.\nرابط الانضمام: https://wasl.example/j/abc");
  const std::string encoded = base64_lines(bytes);
  expect_short_lines(encoded);
  std::string joined;
  for (const std::string& line : crlf_lines(encoded)) joined += line;
  EXPECT_EQ(sdk::base64_decode(joined), bytes);
  EXPECT_EQ(base64_lines(""), "");
  EXPECT_EQ(crlf_lines(base64_lines(std::string(57, 'x'))).size(), 1u) << "57 bytes: one line";
  EXPECT_EQ(crlf_lines(base64_lines(std::string(58, 'x'))).size(), 2u);
}

}  // namespace
}  // namespace wasl::plugins::smtp
