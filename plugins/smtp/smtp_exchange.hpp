// SmtpExchange: what one SMTP conversation got to, read from libcurl's
// protocol trace (the commands it sent and the replies it received), and
// the sdk::Error a failed conversation maps to.
//
// The trace is reduced as it arrives to a few fields: the stage (the last
// command sent), the last reply's code, enhanced status and stage, whether
// TLS and AUTH completed. Nothing else of it is kept: commands carry
// the recipient and credentials, replies may quote the recipient.
//
// Mapping (smtp_failure):
//   connect/total timeout                          kDeadlineExceeded, retryable
//   no connection, a dropped connection, TLS
//   handshake failure, any 4xx reply (421, 450,
//   451, 452, 454)                                 kUnavailable, retryable
//   5xx to RCPT TO (the recipient is refused), or
//   to the message itself (content, size)          kInvalidArgument
//   AUTH refused (535, 534, …; libcurl's login
//   denied)                                        kPermissionDenied
//   the server's certificate fails verification,
//   no STARTTLS offered, no AUTH done, 5xx to the
//   greeting, EHLO, MAIL FROM or DATA, a bad CA
//   file or URL                                    kFailedPrecondition
//   anything else                                  kInternal
// Messages name the server (URL without credentials), the stage, reply code
// and enhanced status; never a reply's text, the recipient or the message.
//
// Not thread-safe: one exchange per conversation.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <string>
#include <string_view>

#include "wasl/sdk/result.hpp"

namespace wasl::plugins::smtp {

enum class SmtpStage {
  kGreeting,  // connected, before any command
  kEhlo,      // EHLO or HELO
  kStartTls,
  kAuth,
  kMailFrom,
  kRcptTo,
  kData,     // the DATA command, before its 354
  kMessage,  // the message sent after 354, up to the server's verdict
};

std::string_view stage_name(SmtpStage stage);

struct SmtpExchange {
  SmtpStage stage = SmtpStage::kGreeting;
  int reply_code = 0;                            // the last reply's code (0: none yet)
  std::string enhanced_status;                   // of the last reply ("2.0.0"), when it had one
  SmtpStage reply_stage = SmtpStage::kGreeting;  // what the last reply answered
  bool tls = false;                              // STARTTLS completed (or the URL was smtps://)
  bool authenticated = false;                    // AUTH answered 235
  bool quitting = false;                         // QUIT was sent: nothing after it is observed

  // One call of libcurl's debug callback: CURLINFO_HEADER_OUT is one command
  // line, CURLINFO_HEADER_IN one or more reply lines; other kinds are ignored.
  // Nothing from QUIT on is taken (libcurl may say QUIT while it closes a
  // failed conversation; what failed must stay as it was).
  void observe(curl_infotype type, std::string_view data);
};

// The error for a conversation that ended with `code`. `detail` is
// libcurl's error text (used only for failures below SMTP: connect, TLS);
// `server` the URL without credentials.
sdk::Error smtp_failure(CURLcode code, const SmtpExchange& exchange, std::string_view detail,
                        std::string_view server, std::chrono::milliseconds connect_timeout,
                        std::chrono::milliseconds timeout);

}  // namespace wasl::plugins::smtp
