// The whole message: its header fields, the body's encoding, the Message-ID
// derived from the idempotency key, and no header injection.
#include "plugins/smtp/mime_message.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "plugins/smtp/tests/mime_decoding.hpp"
#include "wasl/sdk/base64.hpp"

namespace wasl::plugins::smtp {
namespace {

using testing::crlf_lines;
using testing::decode_quoted_printable;
using testing::decoded_words;

const std::string kSubject = "تذكير: موعدك مع الدكتورة سارة غداً الساعة العاشرة صباحاً في العيادة";
const std::string kBody =
    "مرحباً،\nموعدك مع د. سارة غداً الساعة العاشرة صباحاً.\nرابط الانضمام: https://wasl.example/j/abc";

// 2025-03-04T09:05:00Z, a Tuesday.
std::chrono::system_clock::time_point march_4() {
  return std::chrono::system_clock::time_point(std::chrono::seconds(1741079100));
}

MailMessage arabic() {
  MailMessage m;
  m.from_address = "clinic@hospital.example";
  m.from_name = "مستشفى الصحة";
  m.to_address = "patient@example.org";
  m.subject = kSubject;
  m.body = kBody;
  m.language = "ar";
  m.message_id = message_id_for("notification/42/email", "hospital.example");
  m.date = march_4();
  return m;
}

struct Parsed {
  std::vector<std::pair<std::string, std::string>> fields;  // name, unfolded value (folds kept)
  std::string body;
};

Parsed split(const std::string& message) {
  Parsed out;
  const std::size_t blank = message.find("\r\n\r\n");
  EXPECT_NE(blank, std::string::npos);
  for (const std::string& line : crlf_lines(message.substr(0, blank))) {
    if (!line.empty() && line[0] == ' ') {
      out.fields.back().second += "\r\n" + line;
    } else {
      const std::size_t colon = line.find(": ");
      out.fields.emplace_back(line.substr(0, colon), line.substr(colon + 2));
    }
  }
  out.body = message.substr(blank + 4);
  return out;
}

std::string field(const Parsed& parsed, const std::string& name) {
  for (const auto& [n, v] : parsed.fields) {
    if (n == name) return v;
  }
  return "<absent>";
}

TEST(MimeMessage, AnArabicMessageHasEveryFieldInAsciiAndDecodesBack) {
  auto written = write_message(arabic());
  ASSERT_TRUE(written.ok()) << written.error().message;
  for (char c : *written) ASSERT_TRUE(static_cast<unsigned char>(c) < 0x80) << "8-bit byte";
  for (const std::string& line : crlf_lines(*written)) EXPECT_LE(line.size(), 76u) << line;
  EXPECT_EQ(written->find('\n'), written->find("\r\n") + 1) << "lines end in CRLF";

  const Parsed parsed = split(*written);
  std::vector<std::string> names;
  for (const auto& [name, value] : parsed.fields) names.push_back(name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"Date", "From", "To", "Subject", "Message-ID", "MIME-Version",
                                      "Content-Type", "Content-Transfer-Encoding",
                                      "Content-Language", "Auto-Submitted"}));
  EXPECT_EQ(field(parsed, "Date"), "Tue, 04 Mar 2025 09:05:00 +0000");
  EXPECT_EQ(field(parsed, "To"), "patient@example.org");
  EXPECT_EQ(field(parsed, "MIME-Version"), "1.0");
  EXPECT_EQ(field(parsed, "Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(field(parsed, "Content-Transfer-Encoding"), "base64");
  EXPECT_EQ(field(parsed, "Content-Language"), "ar");
  EXPECT_EQ(field(parsed, "Auto-Submitted"), "auto-generated");
  EXPECT_EQ(field(parsed, "Message-ID"),
            message_id_for("notification/42/email", "hospital.example"));

  std::string subject;
  const auto words = decoded_words(field(parsed, "Subject"));
  EXPECT_GE(words.size(), 2u) << "the subject is longer than one encoded-word";
  for (const auto& w : words) subject += w;
  EXPECT_EQ(subject, kSubject);

  std::string name;
  for (const auto& w : decoded_words(field(parsed, "From"))) name += w;
  EXPECT_EQ(name, "مستشفى الصحة");
  EXPECT_NE(field(parsed, "From").find("<clinic@hospital.example>"), std::string::npos);

  std::string body64;
  for (const std::string& line : crlf_lines(parsed.body)) body64 += line;
  std::string expected_body = kBody;
  for (std::size_t at = 0; (at = expected_body.find('\n', at)) != std::string::npos; at += 2) {
    expected_body.replace(at, 1, "\r\n");
  }
  EXPECT_EQ(sdk::base64_decode(body64), expected_body);
}

TEST(MimeMessage, MostlyAsciiTextIsQuotedPrintable) {
  MailMessage m = arabic();
  m.subject = "Your appointment tomorrow";
  m.body =
      "Dear patient,\nyour appointment is tomorrow at 10:00.\nJoin: https://wasl.example/j/abc";
  m.language = "en";
  m.from_name = "King Fahd Hospital";
  auto written = write_message(m);
  ASSERT_TRUE(written.ok()) << written.error().message;
  const Parsed parsed = split(*written);
  EXPECT_EQ(field(parsed, "Subject"), "Your appointment tomorrow");
  EXPECT_EQ(field(parsed, "From"), "\"King Fahd Hospital\" <clinic@hospital.example>");
  EXPECT_EQ(field(parsed, "Content-Transfer-Encoding"), "quoted-printable");
  EXPECT_EQ(body_encoding_for(m.body), BodyEncoding::kQuotedPrintable);
  EXPECT_EQ(body_encoding_for(kBody), BodyEncoding::kBase64);
  EXPECT_EQ(decode_quoted_printable(parsed.body),
            "Dear patient,\r\nyour appointment is tomorrow at 10:00.\r\nJoin: "
            "https://wasl.example/j/abc");
}

TEST(MimeMessage, TheMessageIdIsTheKeysSha256) {
  // SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad (FIPS 180-2).
  EXPECT_EQ(message_id_for("abc", "hospital.example"),
            "<ba7816bf8f01cfea414140de5dae2223@hospital.example>");
  EXPECT_EQ(message_id_for("k", "a.example"), message_id_for("k", "a.example"));
  EXPECT_NE(message_id_for("k1", "a.example"), message_id_for("k2", "a.example"));
}

TEST(MimeMessage, DatesAreRfc5322InUtc) {
  EXPECT_EQ(rfc5322_date(march_4()), "Tue, 04 Mar 2025 09:05:00 +0000");
  EXPECT_EQ(rfc5322_date(std::chrono::system_clock::time_point(std::chrono::seconds(0))),
            "Thu, 01 Jan 1970 00:00:00 +0000");
}

// Each case: what is changed, and a word the refusal names.
TEST(MimeMessage, NoHeaderCanBeInjectedAndBadValuesAreRefused) {
  const std::string secret = "Bcc: everyone@example.org";
  const std::vector<std::pair<std::function<void(MailMessage&)>, std::string>> cases = {
      {[&](MailMessage& m) { m.subject = "Hello\r\n" + secret; }, "subject"},
      {[&](MailMessage& m) { m.subject = "Hello\n" + secret; }, "subject"},
      {[&](MailMessage& m) { m.subject = "Hello\r" + secret; }, "subject"},
      {[&](MailMessage& m) { m.subject = std::string("Hello\0", 6); }, "subject"},
      {[&](MailMessage& m) { m.subject = "\xD8"; }, "subject"},
      {[&](MailMessage& m) { m.from_name = "Clinic\r\n" + secret; }, "display name"},
      {[&](MailMessage& m) { m.to_address = "patient@example.org\r\n" + secret; }, "recipient"},
      {[&](MailMessage& m) { m.to_address = "patient@example.org>, <" + secret; }, "recipient"},
      {[&](MailMessage& m) { m.to_address = "مريض@example.org"; }, "recipient"},
      {[&](MailMessage& m) { m.from_address = "clinic@hospital.example\n" + secret; }, "sender"},
      {[&](MailMessage& m) { m.language = "ar\r\n" + secret; }, "language"},
      {[&](MailMessage& m) { m.message_id = "<a@b>\r\n" + secret; }, "Message-ID"},
      {[&](MailMessage& m) { m.body = ""; }, "empty"},
      {[&](MailMessage& m) { m.body = std::string("a\0b", 3); }, "NUL"},
      {[&](MailMessage& m) { m.body = "\xC0\xAF"; }, "UTF-8"},
  };
  for (const auto& [change, named] : cases) {
    MailMessage m = arabic();
    change(m);
    auto written = write_message(m);
    ASSERT_FALSE(written.ok()) << named;
    EXPECT_EQ(written.error().code, sdk::ErrorCode::kInvalidArgument) << named;
    EXPECT_FALSE(written.error().retryable);
    EXPECT_NE(written.error().message.find(named), std::string::npos) << written.error().message;
    EXPECT_EQ(written.error().message.find("everyone@"), std::string::npos)
        << "the refusal quotes the value: " << written.error().message;
  }
}

TEST(MimeMessage, AnEmptySubjectAndNoLanguageAreAllowed) {
  MailMessage m = arabic();
  m.subject.clear();
  m.language.clear();
  auto written = write_message(m);
  ASSERT_TRUE(written.ok()) << written.error().message;
  const Parsed parsed = split(*written);
  EXPECT_EQ(field(parsed, "Subject"), "");
  EXPECT_EQ(field(parsed, "Content-Language"), "<absent>");
}

}  // namespace
}  // namespace wasl::plugins::smtp
