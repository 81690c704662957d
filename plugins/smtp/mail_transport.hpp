// MailTransport: hands one finished message to a mail server for one
// recipient. SmtpClient (smtp_client.hpp) is the real one; a unit test may
// put a test double in its place. Implementations are thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "wasl/sdk/result.hpp"

namespace wasl::plugins::smtp {

// The server's final answer to a message it took.
struct MailAccepted {
  int reply_code = 0;           // 250
  std::string enhanced_status;  // "2.0.0", when the server gave one
};

class MailTransport {
 public:
  virtual ~MailTransport() = default;

  // Sends `message` (RFC 5322 bytes, CRLF lines) from the envelope sender
  // `mail_from` to `rcpt_to` (both mailboxes, already checked). Errors are
  // those of smtp_failure() (smtp_exchange.hpp); their messages never hold
  // the recipient or the message.
  virtual sdk::Result<MailAccepted> submit(const std::string& mail_from, const std::string& rcpt_to,
                                           std::string_view message) const = 0;
};

}  // namespace wasl::plugins::smtp
