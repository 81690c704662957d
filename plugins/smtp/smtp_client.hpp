// SmtpClient: MailTransport over libcurl's SMTP, one connection per message
// (no hand-written SMTP). Every conversation:
//  - is encrypted before anything else is said: STARTTLS is required on
//    smtp:// (CURLUSESSL_ALL: a server that does not offer it gets nothing),
//    smtps:// is TLS from the first byte; the server's certificate and host
//    name are always verified, against the system's anchors plus
//    http.ca_file (read once, when the instance is created);
//  - authenticates (SMTP AUTH with username and password; PLAIN, LOGIN or
//    the best the server offers), and the message is released only once
//    both TLS and AUTH have completed: a server that offers no AUTH gets the
//    envelope but never the message;
//  - is bounded: connect_timeout (TCP and TLS), timeout (the whole
//    conversation), the server's replies read by libcurl line by line and
//    only their codes kept, any other data from the server capped at 64 KiB;
//  - ignores proxy environment variables.
//
// Thread-safe: each submit() uses a libcurl handle of its own.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "plugins/smtp/mail_transport.hpp"
#include "plugins/smtp/settings.hpp"
#include "wasl/sdk/result.hpp"

namespace wasl::plugins::smtp {

class SmtpClient final : public MailTransport {
 public:
  // Initialises libcurl (once per process) and reads http.ca_file.
  // Errors: kInvalidArgument naming http.ca_file when it cannot be read or
  // holds no PEM certificate.
  static sdk::Result<std::unique_ptr<SmtpClient>> create(const SmtpSettings& settings);

  sdk::Result<MailAccepted> submit(const std::string& mail_from, const std::string& rcpt_to,
                                   std::string_view message) const override;

 private:
  SmtpClient(const SmtpSettings& settings, std::string trust_bundle);

  const std::string url_;
  const std::string url_for_log_;
  const std::string username_;
  const std::string password_;
  const std::string login_options_;  // "AUTH=PLAIN", "AUTH=LOGIN" or "" (any)
  const std::string
      trust_bundle_;  // PEM: the system's anchors, then ca_file; "" = libcurl's default
  const std::chrono::milliseconds connect_timeout_;
  const std::chrono::milliseconds timeout_;
};

}  // namespace wasl::plugins::smtp
