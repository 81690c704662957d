// RFC 2047 encoded-words: every word at most 75 characters, every line that
// holds one at most 76, whole UTF-8 characters in each word, and the words
// decoding back to the text.
#include "plugins/smtp/encoded_words.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "plugins/smtp/tests/mime_decoding.hpp"
#include "plugins/smtp/utf8_text.hpp"

namespace wasl::plugins::smtp {
namespace {

using testing::crlf_lines;
using testing::decoded_words;
using testing::words_of;

const std::string kArabicSubject =
    "تذكير: موعدك مع الدكتورة سارة العتيبي غداً الساعة العاشرة صباحاً في العيادة الافتراضية "
    "لمستشفى الملك فهد";

// The invariants of a folded field "Name: value" holding encoded-words (or,
// for short printable ASCII, the text itself).
void expect_well_formed(const std::string& field, const std::string& text) {
  if (field.find("=?") == std::string::npos) {
    EXPECT_EQ(field.substr(field.find(": ") + 2), text);
    EXPECT_LE(field.size(), 78u);
    return;
  }
  std::string joined;
  for (const std::string& word : decoded_words(field)) {
    EXPECT_TRUE(is_utf8(word)) << "a word splits a character: " << field;
    joined += word;
  }
  EXPECT_EQ(joined, text);
  for (const std::string& word : words_of(field)) EXPECT_LE(word.size(), kMaxEncodedWord) << word;
  for (const std::string& line : crlf_lines(field)) {
    EXPECT_LE(line.size(), kMaxEncodedLine) << line;
    for (char c : line) EXPECT_TRUE(c >= 0x20 && c < 0x7F) << "non-ASCII in " << line;
  }
  // Continuation lines start with a space (folding), and nothing else is on them.
  const auto lines = crlf_lines(field);
  for (std::size_t i = 1; i < lines.size(); ++i) {
    ASSERT_FALSE(lines[i].empty());
    EXPECT_EQ(lines[i][0], ' ');
  }
}

TEST(EncodedWords, AnArabicSubjectLongerThanOneWordIsSplitBetweenCharacters) {
  const std::string field = unstructured_field("Subject", kArabicSubject);
  EXPECT_EQ(field.rfind("Subject: =?UTF-8?B?", 0), 0u) << field;
  EXPECT_GE(words_of(field).size(), 4u) << "over 180 bytes of Arabic take several words";
  expect_well_formed(field, kArabicSubject);
}

TEST(EncodedWords, FourByteCharactersAndMixedTextAtEveryLength) {
  // Every prefix length of a text mixing 1-, 2-, 3- and 4-byte characters,
  // so that a split falls at every offset inside a character at least once.
  const std::string pieces[] = {"a", "ب", "€", "😀", " ", "=", "?"};
  std::string text;
  for (int i = 0; i < 160; ++i) {
    text += pieces[(i * 5 + i / 7) % 7];
    expect_well_formed(unstructured_field("Subject", text), text);
    if (::testing::Test::HasFailure()) {
      ADD_FAILURE() << "at length " << text.size();
      return;
    }
  }
}

TEST(EncodedWords, TheFirstWordLeavesRoomForTheFieldName) {
  for (std::size_t first : {20u, 40u, 67u, 75u, 200u}) {
    const auto words = encode_words(kArabicSubject, first);
    ASSERT_FALSE(words.empty());
    EXPECT_LE(words[0].size(), std::max<std::size_t>(first, 20)) << first;
    for (std::size_t i = 1; i < words.size(); ++i) EXPECT_LE(words[i].size(), kMaxEncodedWord);
  }
  EXPECT_TRUE(encode_words("", 67).empty());
}

TEST(EncodedWords, PlainAsciiStaysAsItIs) {
  EXPECT_EQ(unstructured_field("Subject", "Your appointment tomorrow"),
            "Subject: Your appointment tomorrow");
  EXPECT_EQ(unstructured_field("Subject", ""), "Subject: ");
}

TEST(EncodedWords, AsciiThatCouldBeMistakenOrIsTooLongIsEncoded) {
  const std::string lookalike = "=?UTF-8?B?cGF0aWVudA==?= is not a word here";
  const std::string field = unstructured_field("Subject", lookalike);
  EXPECT_NE(field, "Subject: " + lookalike);
  expect_well_formed(field, lookalike);

  const std::string long_ascii(120, 'x');
  expect_well_formed(unstructured_field("Subject", long_ascii), long_ascii);

  const std::string tab = "a\tb";
  expect_well_formed(unstructured_field("Subject", tab), tab);
}

TEST(EncodedWords, AMailboxWithoutADisplayNameIsTheAddress) {
  EXPECT_EQ(mailbox_field("From", "", "clinic@hospital.example"), "From: clinic@hospital.example");
}

TEST(EncodedWords, AnAsciiDisplayNameIsAQuotedString) {
  EXPECT_EQ(mailbox_field("From", "King Fahd \"Virtual\" Clinic \\ A", "clinic@hospital.example"),
            R"(From: "King Fahd \"Virtual\" Clinic \\ A" <clinic@hospital.example>)");
}

TEST(EncodedWords, AnArabicDisplayNameIsEncodedAndTheAddressFollows) {
  const std::string name = "مستشفى الملك فهد التخصصي - العيادة الافتراضية";
  const std::string field = mailbox_field("From", name, "clinic@hospital.example");
  const std::string address = " <clinic@hospital.example>";
  ASSERT_GE(field.size(), address.size());
  EXPECT_EQ(field.substr(field.size() - address.size()), address);
  std::string words = field.substr(0, field.size() - address.size());
  if (words.size() >= 2 && words.compare(words.size() - 2, 2, "\r\n") == 0)
    words.resize(words.size() - 2);
  expect_well_formed(words, name);
  for (const std::string& line : crlf_lines(field)) EXPECT_LE(line.size(), kMaxEncodedLine);
}

TEST(EncodedWords, TheAddressGoesOnALineOfItsOwnWhenTheLastWordFillsItsLine) {
  // A name whose last word fills its line: the address cannot join it.
  std::string name;
  while (true) {
    name += "ع";
    const std::string field = mailbox_field("From", name, "a-rather-long-sender@hospital.example");
    const auto lines = crlf_lines(field);
    for (const std::string& line : lines) ASSERT_LE(line.size(), kMaxEncodedLine) << field;
    if (lines.back() == " <a-rather-long-sender@hospital.example>") return;
    ASSERT_LT(name.size(), 400u) << "the address never needed a line of its own";
  }
}

}  // namespace
}  // namespace wasl::plugins::smtp
