#include "plugins/hl7v2/charset.hpp"

#include <gtest/gtest.h>
#include <unicode/ucnv.h>

#include <string>

#include "plugins/hl7v2/er7_message.hpp"

namespace wasl::hl7v2 {
namespace {

// `utf8` converted to `charset` by ICU directly (independently of from_utf8).
std::string icu_bytes(const std::string& utf8, const char* charset) {
  UErrorCode status = U_ZERO_ERROR;
  std::string out(utf8.size() * 4 + 4, '\0');
  const int32_t size = ucnv_convert(charset, "UTF-8", out.data(), static_cast<int32_t>(out.size()),
                                    utf8.data(), static_cast<int32_t>(utf8.size()), &status);
  EXPECT_TRUE(U_SUCCESS(status)) << u_errorName(status);
  out.resize(static_cast<std::size_t>(size));
  return out;
}

std::string header(const std::string& msh18) {
  return "MSH|^~\\&|HIS|RIYADH|WASL|RIYADH|20250101120000||ADT^A08^ADT_A01|77|P|2.5.1|||AL|NE|"
         "SAU|" +
         msh18 + "\rEVN|A08|20250101120000\r";
}

const std::string kName = "العتيبي^محمد";
const std::string kArabicPid = "PID|||1029384756^^^MOH^NI||" + kName + "||19800101|M\r";

TEST(CharsetTest, DeclaredCharsetIsMsh18ComponentOne) {
  EXPECT_EQ(declared_charset(header("8859/6")), "8859/6");
  EXPECT_EQ(declared_charset(header(" WINDOWS-1256 ~ISO IR87")), "WINDOWS-1256");
  EXPECT_EQ(declared_charset(header("UNICODE UTF-8^x")), "UNICODE UTF-8");
  EXPECT_EQ(declared_charset(header("")), "");
  EXPECT_EQ(declared_charset("MSH|^~\\&|A|B|C|D|1||ADT^A08|1|P|2.5\rPID|||||||||||||||||||x\r"),
            "");
  EXPECT_EQ(declared_charset("MSH#!@%*#A#B#C#D#1##ADT!A08#1#P#2.5######8859/1!x\n"), "8859/1");
  EXPECT_EQ(declared_charset("PID|||1"), "");
  EXPECT_EQ(declared_charset(""), "");
}

TEST(CharsetTest, Utf8IsCheckedAndPassedThrough) {
  for (const std::string& declared : {"", "UNICODE UTF-8", "utf-8", "ASCII"}) {
    const std::string raw = header(declared) + kArabicPid;
    auto text = to_utf8(raw, "");
    ASSERT_TRUE(text.ok()) << text.error().message;
    EXPECT_EQ(*text, raw);
  }
  auto bad = to_utf8(header("UNICODE UTF-8") + "PID|||1||SECRET\xD9\r", "");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().message, "segment 3 (PID): byte 16 of the segment is not valid UTF-8");
}

TEST(CharsetTest, ArabicNamesInIso88596AndWindows1256ReadBackAsTheSameUtf8) {
  struct Case {
    std::string msh18, default_charset;
    const char* icu;
  };
  for (const Case& c :
       {Case{"8859/6", "", "ISO-8859-6"}, Case{"WINDOWS-1256", "", "windows-1256"},
        Case{"CP1256", "UNICODE UTF-8", "windows-1256"}, Case{"", "8859/6", "ISO-8859-6"},
        Case{"", "windows-1256", "windows-1256"}}) {
    const std::string raw = icu_bytes(header(c.msh18) + kArabicPid, c.icu);
    ASSERT_EQ(raw.find(kName), std::string::npos) << c.icu;  // the bytes really are not UTF-8
    ASSERT_EQ(raw.size(), (header(c.msh18) + kArabicPid).size() - kName.size() + 12) << c.icu;
    auto text = to_utf8(raw, c.default_charset);
    ASSERT_TRUE(text.ok()) << c.icu << ": " << text.error().message;
    EXPECT_EQ(*text, header(c.msh18) + kArabicPid);
    auto message = Er7Message::parse(*text);
    ASSERT_TRUE(message.ok()) << message.error().message;
    EXPECT_EQ(message->value("PID", 5, 1), "العتيبي");
    EXPECT_EQ(message->value("PID", 5, 2), "محمد");
    EXPECT_EQ(message->value("PID", 3, 4), "MOH");

    auto back = from_utf8(*text, c.msh18.empty() ? c.default_charset : c.msh18);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(*back, raw);
  }
}

TEST(CharsetTest, Latin1) {
  const std::string raw = header("8859/1") + "PID|||1||M\xFCller^J\xF6rg\r";
  auto text = to_utf8(raw, "");
  ASSERT_TRUE(text.ok()) << text.error().message;
  auto message = Er7Message::parse(*text);
  ASSERT_TRUE(message.ok()) << message.error().message;
  EXPECT_EQ(message->value("PID", 5, 1), "Müller");
  EXPECT_EQ(message->value("PID", 5, 2), "Jörg");
  EXPECT_EQ(from_utf8(*text, "8859/1").value_or(""), raw);
}

TEST(CharsetTest, BytesInvalidInIso88596AreAnErrorNotAReplacement) {
  // 0xA1 and 0xFF have no character in ISO-8859-6.
  for (const std::string& bad : {std::string("\xA1"), std::string("\xFF")}) {
    const std::string raw =
        icu_bytes(header("8859/6"), "ISO-8859-6") + "PID|||1||SECRET" + bad + "\r";
    auto text = to_utf8(raw, "");
    ASSERT_FALSE(text.ok());
    EXPECT_EQ(text.error().code, sdk::ErrorCode::kInvalidArgument);
    EXPECT_EQ(text.error().message,
              "segment 3 (PID): byte 16 of the segment is not valid ISO-8859-6");
  }
}

TEST(CharsetTest, UnknownCharactersSetsAreRefused) {
  auto declared = to_utf8(header("8859/15") + kArabicPid, "");
  ASSERT_FALSE(declared.ok());
  EXPECT_EQ(declared.error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_EQ(declared.error().message, "unknown character set \"8859/15\" in MSH-18");
  auto configured = to_utf8(header("") + kArabicPid, "EBCDIC");
  ASSERT_FALSE(configured.ok());
  EXPECT_EQ(configured.error().message,
            "unknown character set \"EBCDIC\" (the configured default)");
  EXPECT_FALSE(from_utf8("x", "KOI8-R").ok());
}

TEST(CharsetTest, FromUtf8RefusesWhatTheCharsetCannotHold) {
  auto euro = from_utf8("محمد €", "8859/6");
  ASSERT_FALSE(euro.ok());
  EXPECT_EQ(euro.error().code, sdk::ErrorCode::kInvalidArgument);
  EXPECT_EQ(euro.error().message, "the text has a character that ISO-8859-6 cannot represent");
  EXPECT_FALSE(from_utf8("محمد", "8859/1").ok());
  auto not_utf8 = from_utf8("\xC3", "8859/6");
  ASSERT_FALSE(not_utf8.ok());
  EXPECT_EQ(not_utf8.error().message, "the text to convert is not UTF-8");
  EXPECT_EQ(from_utf8("محمد", "UNICODE UTF-8").value_or(""), "محمد");
  EXPECT_EQ(from_utf8("", "8859/6").value_or("x"), "");
}

}  // namespace
}  // namespace wasl::hl7v2
