// The e-mail the plugin sends: one text/plain part in UTF-8, written in the
// Internet Message Format (RFC 5322) with MIME (RFC 2045-2047) so that any
// SMTP server and mail reader takes it without SMTPUTF8 or 8BITMIME: header
// fields in ASCII (non-ASCII text as encoded-words), the body
// quoted-printable or base64, whichever is shorter (Arabic text: base64;
// mostly ASCII text: quoted-printable), every line at most 76 characters.
//
// No header field can be injected: a line break (or another control
// character) in any value that becomes a header field is refused, never
// stripped. Error messages name the field, never its value (the recipient
// and the text are PHI). Pure and thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "wasl/sdk/result.hpp"

namespace wasl::plugins::smtp {

struct MailMessage {
  std::string from_address;  // mailbox (mail_address.hpp)
  std::string from_name;     // UTF-8 display name; empty: none
  std::string to_address;    // mailbox
  std::string subject;       // UTF-8; may be empty
  std::string body;          // UTF-8 plain text; any line breaks (sent as CRLF)
  std::string language;      // BCP 47 tag for Content-Language ("ar", "en-GB"); empty: none
  std::string message_id;    // "<left@right>", from message_id_for()
  std::chrono::system_clock::time_point date;
};

enum class BodyEncoding { kQuotedPrintable, kBase64 };

// The message's bytes: the header fields Date, From, To, Subject, Message-ID,
// MIME-Version, Content-Type (text/plain; charset=utf-8),
// Content-Transfer-Encoding, Content-Language (when given) and
// Auto-Submitted (auto-generated: RFC 3834, so that no auto-reply answers
// it), each ending in CRLF, an empty line, and the encoded body (no CRLF
// after its last line: the SMTP end-of-data sequence supplies it).
// kInvalidArgument naming the field when: an address is not a mailbox; the
// subject or display name holds a control character (CR, LF, NUL, …) or is
// not UTF-8; the body is empty, not UTF-8 or holds NUL; the language is not
// a BCP 47-shaped tag; the message id is not "<left@right>" in printable ASCII.
sdk::Result<std::string> write_message(const MailMessage& message);

// The transfer encoding write_message() chooses for `body`.
BodyEncoding body_encoding_for(std::string_view body);

// "<" + the first 32 hex digits of SHA-256(idempotency_key) + "@" + domain + ">":
// the same for every attempt of one notification, so that a resent e-mail
// carries the Message-ID of the first and a mail reader shows it once.
std::string message_id_for(std::string_view idempotency_key, std::string_view domain);

// The RFC 5322 date-time of `time` in UTC: "Tue, 04 Mar 2025 09:05:00 +0000".
std::string rfc5322_date(std::chrono::system_clock::time_point time);

}  // namespace wasl::plugins::smtp
