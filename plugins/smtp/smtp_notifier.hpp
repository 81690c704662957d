// SmtpNotifier: the notify capability over SMTP. Sends channel "email"
// only: one message (mime_message.hpp) per notification, through a
// MailTransport (SmtpClient in the plugin).
//
// The Message-ID is derived from the idempotency key and the from domain
// (message_id_for), so every attempt of one notification, a resend after a
// lost answer included, carries the same id; the receipt's provider_id is
// that Message-ID ("<…@domain>"). SMTP reports nothing after the server takes
// a message, so the receipt says "delivered" once it has, and the plugin
// declares no webhook.
//
// Errors (notify.hpp's contract): kInvalidArgument for a notification that
// can never go as given (another channel, no idempotency key, a recipient
// that is no mailbox, a header value with a line break, an empty body, a
// message over max_message_bytes, a recipient or message the server
// refuses with 5xx); the transport's others (smtp_exchange.hpp). No message
// holds the recipient, subject or body; log lines name the Message-ID only.
// Thread-safe.
#pragma once

#include <memory>

#include "plugins/smtp/mail_transport.hpp"
#include "plugins/smtp/settings.hpp"
#include "wasl/sdk/host.hpp"
#include "wasl/sdk/notify.hpp"

namespace wasl::plugins::smtp {

class SmtpNotifier final : public sdk::Notifier {
 public:
  // `host` outlives the notifier.
  SmtpNotifier(sdk::Host& host, SmtpSettings settings, std::unique_ptr<MailTransport> transport);

  sdk::Result<sdk::NotificationReceipt> send(const sdk::Notification& notification) override;

 private:
  sdk::Host& host_;
  const SmtpSettings settings_;
  const std::unique_ptr<MailTransport> transport_;
};

}  // namespace wasl::plugins::smtp
