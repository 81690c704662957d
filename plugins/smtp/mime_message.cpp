#include "plugins/smtp/mime_message.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <utility>

#include "plugins/smtp/encoded_words.hpp"
#include "plugins/smtp/mail_address.hpp"
#include "plugins/smtp/transfer_encoding.hpp"
#include "plugins/smtp/utf8_text.hpp"
#include "wasl/sdk/hex.hpp"

namespace wasl::plugins::smtp {
namespace {

using sdk::Error;
using sdk::ErrorCode;

Error invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, "e-mail: " + std::move(message), false);
}

// C0 controls and DEL, tab excepted.
bool has_control(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return (b < 0x20 && b != '\t') || b == 0x7F;
  });
}

// Refuses a header value that could break out of its field.
sdk::Status check_header_text(std::string_view field, std::string_view text) {
  if (text.find_first_of("\r\n") != std::string_view::npos) {
    return invalid("the " + std::string(field) +
                   " holds a line break (CR or LF), which could add header fields; refused");
  }
  if (has_control(text)) {
    return invalid("the " + std::string(field) + " holds a control character; refused");
  }
  if (!is_utf8(text)) return invalid("the " + std::string(field) + " is not valid UTF-8");
  return sdk::ok_status();
}

// BCP 47 in shape: alphanumeric subtags of 1 to 8, the first alphabetic.
bool is_language_tag(std::string_view tag) {
  std::size_t start = 0;
  bool first = true;
  while (true) {
    const std::size_t dash = tag.find('-', start);
    const std::string_view subtag =
        tag.substr(start, dash == std::string_view::npos ? dash : dash - start);
    if (subtag.empty() || subtag.size() > 8) return false;
    for (char c : subtag) {
      const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      if (!alpha && (first || c < '0' || c > '9')) return false;
    }
    if (dash == std::string_view::npos) return true;
    first = false;
    start = dash + 1;
  }
}

bool is_message_id(std::string_view id) {
  if (id.size() < 5 || id.front() != '<' || id.back() != '>') return false;
  const std::string_view inner = id.substr(1, id.size() - 2);
  const std::size_t at = inner.find('@');
  if (at == 0 || at == std::string_view::npos || at + 1 == inner.size()) return false;
  return std::all_of(inner.begin(), inner.end(), [](char c) {
    return c > 0x20 && c < 0x7F && c != '<' && c != '>' && c != '"' && c != '\\';
  });
}

// The shorter of the two encodings of `canonical`; quoted-printable (the
// readable one) on a tie.
std::pair<BodyEncoding, std::string> encode_body(std::string_view canonical) {
  std::string printable = quoted_printable(canonical);
  std::string base64 = base64_lines(canonical);
  if (base64.size() < printable.size()) return {BodyEncoding::kBase64, std::move(base64)};
  return {BodyEncoding::kQuotedPrintable, std::move(printable)};
}

}  // namespace

BodyEncoding body_encoding_for(std::string_view body) {
  return encode_body(canonical_line_breaks(body)).first;
}

sdk::Result<std::string> write_message(const MailMessage& message) {
  if (!is_mailbox(message.from_address)) {
    return invalid("the sender (from) is not an ASCII e-mail address local@domain");
  }
  if (!is_mailbox(message.to_address)) {
    return invalid(
        "the recipient is not an ASCII e-mail address local@domain (internationalised "
        "addresses are not supported)");
  }
  WASL_RETURN_IF_ERROR(check_header_text("sender's display name (from_name)", message.from_name));
  WASL_RETURN_IF_ERROR(check_header_text("subject", message.subject));
  if (!message.language.empty() && !is_language_tag(message.language)) {
    return invalid("the language is not a BCP 47 tag such as ar or en-GB");
  }
  if (!is_message_id(message.message_id)) {
    return invalid("the Message-ID is not <left@right> in printable ASCII");
  }
  if (message.body.empty()) return invalid("the body is empty");
  if (message.body.find('\0') != std::string::npos) return invalid("the body holds a NUL byte");
  if (!is_utf8(message.body)) return invalid("the body is not valid UTF-8");

  const auto [encoding, encoded_body] = encode_body(canonical_line_breaks(message.body));

  std::string out;
  out.reserve(encoded_body.size() + 1024);
  const auto field = [&out](std::string_view line) {
    out += line;
    out += "\r\n";
  };
  field("Date: " + rfc5322_date(message.date));
  field(mailbox_field("From", message.from_name, message.from_address));
  field("To: " + message.to_address);
  field(unstructured_field("Subject", message.subject));
  field("Message-ID: " + message.message_id);
  field("MIME-Version: 1.0");
  field("Content-Type: text/plain; charset=utf-8");
  field(encoding == BodyEncoding::kBase64 ? "Content-Transfer-Encoding: base64"
                                          : "Content-Transfer-Encoding: quoted-printable");
  if (!message.language.empty()) field("Content-Language: " + message.language);
  field("Auto-Submitted: auto-generated");
  out += "\r\n";
  out += encoded_body;
  return out;
}

std::string message_id_for(std::string_view idempotency_key, std::string_view domain) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(idempotency_key.data(), idempotency_key.size(), digest.data(), &length, EVP_sha256(),
             nullptr);
  return "<" + sdk::to_hex(digest.data(), length).substr(0, 32) + "@" + std::string(domain) + ">";
}

std::string rfc5322_date(std::chrono::system_clock::time_point time) {
  static constexpr std::array<const char*, 7> kDays{"Sun", "Mon", "Tue", "Wed",
                                                    "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::array<char, 40> text{};
  std::snprintf(text.data(), text.size(), "%s, %02d %s %04d %02d:%02d:%02d +0000",
                kDays.at(static_cast<std::size_t>(utc.tm_wday)), utc.tm_mday,
                kMonths.at(static_cast<std::size_t>(utc.tm_mon)), utc.tm_year + 1900, utc.tm_hour,
                utc.tm_min, utc.tm_sec);
  return text.data();
}

}  // namespace wasl::plugins::smtp
