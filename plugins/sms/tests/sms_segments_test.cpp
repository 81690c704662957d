#include "plugins/sms/sms_segments.hpp"

#include <gtest/gtest.h>

#include <string>

namespace wasl::plugins::sms {
namespace {

// `n` copies of the UTF-8 text `unit`.
std::string repeat(const std::string& unit, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += unit;
  return out;
}

const std::string kBa = "\xD8\xA8";              // ب U+0628, Arabic letter beh
const std::string kEuro = "\xE2\x82\xAC";        // € U+20AC, GSM extension table
const std::string kGrin = "\xF0\x9F\x98\x80";    // 😀 U+1F600, outside the BMP
const std::string kCedillaSmall = "\xC3\xA7";    // ç U+00E7, not in the GSM alphabet
const std::string kCedillaCapital = "\xC3\x87";  // Ç U+00C7, in the basic table

SmsSegments count(const std::string& text) {
  auto counted = count_sms_segments(text);
  EXPECT_TRUE(counted.ok()) << counted.error().message;
  return counted.ok() ? *counted : SmsSegments{};
}

TEST(SmsSegmentsTest, TheEmptyTextHasNoParts) {
  const SmsSegments s = count("");
  EXPECT_EQ(s.segments, 0);
  EXPECT_EQ(s.units, 0);
  EXPECT_EQ(s.encoding, SmsEncoding::kGsm7);
}

TEST(SmsSegmentsTest, Gsm7BoundariesAre160ThenPartsOf153) {
  for (auto [length, parts] : {std::pair{1, 1},
                               {159, 1},
                               {160, 1},
                               {161, 2},
                               {305, 2},
                               {306, 2},
                               {307, 3},
                               {459, 3},
                               {460, 4}}) {
    const SmsSegments s = count(repeat("a", length));
    EXPECT_EQ(s.encoding, SmsEncoding::kGsm7) << length;
    EXPECT_EQ(s.units, length) << length;
    EXPECT_EQ(s.segments, parts) << length << " characters";
  }
}

TEST(SmsSegmentsTest, ExtensionCharactersCountTwoSeptets) {
  // 80 braces are 160 septets: one part; one more character is two parts.
  SmsSegments s = count(repeat("{", 80));
  EXPECT_EQ(s.encoding, SmsEncoding::kGsm7);
  EXPECT_EQ(s.characters, 80);
  EXPECT_EQ(s.units, 160);
  EXPECT_EQ(s.segments, 1);
  s = count(repeat("{", 80) + "a");
  EXPECT_EQ(s.units, 161);
  EXPECT_EQ(s.segments, 2);
  // 159 letters and the euro sign: 161 septets.
  s = count(repeat("a", 159) + kEuro);
  EXPECT_EQ(s.encoding, SmsEncoding::kGsm7);
  EXPECT_EQ(s.units, 161);
  EXPECT_EQ(s.segments, 2);
  for (const char* extension : {"^", "{", "}", "\\", "[", "~", "]", "|", "\f"}) {
    EXPECT_EQ(count(extension).units, 2) << extension;
  }
}

TEST(SmsSegmentsTest, AnEscapeSequenceIsNeverSplitAcrossParts) {
  // 152 letters, '[' (2 septets) and 152 letters = 306 septets, which would
  // be 2 parts of 153 if the escape could be split; it cannot, so the first
  // part holds 152, the second '[' and 151 letters, the third the last one.
  const SmsSegments s = count(repeat("a", 152) + "[" + repeat("a", 152));
  EXPECT_EQ(s.units, 306);
  EXPECT_EQ(s.segments, 3);
  // One letter fewer: the second part holds '[' and 151 letters exactly.
  EXPECT_EQ(count(repeat("a", 152) + "[" + repeat("a", 151)).segments, 2);
}

TEST(SmsSegmentsTest, TheWholeBasicTableIsGsm7) {
  const std::string basic =
      "@\xC2\xA3$\xC2\xA5\xC3\xA8\xC3\xA9\xC3\xB9\xC3\xAC\xC3\xB2\xC3\x87\n\xC3\x98\xC3\xB8\r"
      "\xC3\x85\xC3\xA5\xCE\x94_\xCE\xA6\xCE\x93\xCE\x9B\xCE\xA9\xCE\xA0\xCE\xA8\xCE\xA3\xCE\x98"
      "\xCE\x9E\xC3\x86\xC3\xA6\xC3\x9F\xC3\x89 !\"#\xC2\xA4%&'()*+,-./0123456789:;<=>?\xC2\xA1"
      "ABCDEFGHIJKLMNOPQRSTUVWXYZ\xC3\x84\xC3\x96\xC3\x91\xC3\x9C\xC2\xA7\xC2\xBF"
      "abcdefghijklmnopqrstuvwxyz\xC3\xA4\xC3\xB6\xC3\xB1\xC3\xBC\xC3\xA0";
  const SmsSegments s = count(basic);
  EXPECT_EQ(s.encoding, SmsEncoding::kGsm7);
  EXPECT_EQ(s.characters, 127) << "the basic table's 128 positions but the escape";
  EXPECT_EQ(s.units, 127);
  EXPECT_EQ(s.segments, 1);
}

TEST(SmsSegmentsTest, OneCharacterOutsideTheAlphabetMakesTheWholeTextUcs2) {
  EXPECT_EQ(count(repeat("a", 100) + kCedillaCapital).encoding, SmsEncoding::kGsm7);
  for (const std::string& outside : {kCedillaSmall, std::string("`"), std::string("\t")}) {
    const SmsSegments s = count(repeat("a", 100) + outside);
    EXPECT_EQ(s.encoding, SmsEncoding::kUcs2);
    EXPECT_EQ(s.units, 101);
    EXPECT_EQ(s.segments, 2) << "101 UTF-16 units are more than 70";
  }
}

TEST(SmsSegmentsTest, ArabicIsUcs2With70ThenPartsOf67) {
  for (auto [length, parts] :
       {std::pair{1, 1}, {70, 1}, {71, 2}, {134, 2}, {135, 3}, {201, 3}, {202, 4}}) {
    const SmsSegments s = count(repeat(kBa, length));
    EXPECT_EQ(s.encoding, SmsEncoding::kUcs2) << length;
    EXPECT_EQ(s.characters, length);
    EXPECT_EQ(s.units, length);
    EXPECT_EQ(s.segments, parts) << length << " Arabic letters";
  }
}

TEST(SmsSegmentsTest, AnArabicInvitation) {
  // "Your appointment with Dr. Sara is tomorrow at 10:30. Join: https://wasl.example/j/Ab3"
  const std::string text =
      "\xD9\x85\xD9\x88\xD8\xB9\xD8\xAF\xD9\x83 \xD9\x85\xD8\xB9 \xD8\xAF. "
      "\xD8\xB3\xD8\xA7\xD8\xB1\xD8\xA9 \xD8\xBA\xD8\xAF\xD8\xA7\xD9\x8B "
      "\xD8\xA7\xD9\x84\xD8\xB3\xD8\xA7\xD8\xB9\xD8\xA9 10:30. "
      "\xD8\xA7\xD9\x86\xD8\xB6\xD9\x85: https://wasl.example/j/Ab3";
  const SmsSegments s = count(text);
  EXPECT_EQ(s.encoding, SmsEncoding::kUcs2);
  // موعدك(5) + 1 + مع(2) + 1 + د.(2) + 1 + سارة(4) + 1 + غداً(4) + 1 + الساعة(6)
  // + " 10:30. "(8) + انضم(4) + ": "(2) + the link(26) = 68
  EXPECT_EQ(s.characters, 68);
  EXPECT_EQ(s.units, 68);
  EXPECT_EQ(s.segments, 1);
  EXPECT_EQ(count(text + "!!").segments, 1) << "70 units";
  EXPECT_EQ(count(text + "!!!").segments, 2) << "71 units";
}

TEST(SmsSegmentsTest, MixedArabicAndLatinIsUcs2Throughout) {
  // 50 Latin letters (GSM on their own) and 21 Arabic letters: 71 units.
  const SmsSegments s = count(repeat("a", 50) + repeat(kBa, 21));
  EXPECT_EQ(s.encoding, SmsEncoding::kUcs2);
  EXPECT_EQ(s.units, 71);
  EXPECT_EQ(s.segments, 2);
}

TEST(SmsSegmentsTest, AnEmojiIsTwoUtf16Units) {
  SmsSegments s = count(kGrin);
  EXPECT_EQ(s.encoding, SmsEncoding::kUcs2);
  EXPECT_EQ(s.characters, 1);
  EXPECT_EQ(s.units, 2);
  EXPECT_EQ(s.segments, 1);
  // 68 letters and an emoji: 70 units, one part; one more letter: two.
  EXPECT_EQ(count(repeat(kBa, 68) + kGrin).segments, 1);
  s = count(repeat(kBa, 69) + kGrin);
  EXPECT_EQ(s.units, 71);
  EXPECT_EQ(s.segments, 2);
  // 35 emoji: 70 units, one part.
  EXPECT_EQ(count(repeat(kGrin, 35)).segments, 1);
  EXPECT_EQ(count(repeat(kGrin, 36)).segments, 2);
}

TEST(SmsSegmentsTest, ASurrogatePairIsNeverSplitAcrossParts) {
  // 66 letters, an emoji and 66 letters: 134 units, 2 parts of 67 if the
  // pair could be split; it cannot: 66 | emoji + 65 | 1.
  const SmsSegments s = count(repeat(kBa, 66) + kGrin + repeat(kBa, 66));
  EXPECT_EQ(s.units, 134);
  EXPECT_EQ(s.segments, 3);
  EXPECT_EQ(count(repeat(kBa, 66) + kGrin + repeat(kBa, 65)).segments, 2);
}

TEST(SmsSegmentsTest, TextThatIsNotUtf8IsRefusedWithoutRepeatingIt) {
  for (const std::string& bad :
       {std::string("ab\xFF"), std::string("\xC0\xAF"), std::string("\xED\xA0\x80"),
        std::string("\xF4\x90\x80\x80"), std::string("\xD8"), std::string("x\xE2\x82")}) {
    auto counted = count_sms_segments(bad);
    ASSERT_FALSE(counted.ok());
    EXPECT_EQ(counted.error().code, sdk::ErrorCode::kInvalidArgument);
    EXPECT_FALSE(counted.error().retryable);
    EXPECT_NE(counted.error().message.find("not UTF-8"), std::string::npos);
  }
  auto at = count_sms_segments("ab\xFF");
  EXPECT_NE(at.error().message.find("byte 2"), std::string::npos) << at.error().message;
}

}  // namespace
}  // namespace wasl::plugins::sms
