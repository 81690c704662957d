#include "plugins/smtp/smtp_notifier.hpp"

#include <chrono>

#include "plugins/smtp/mail_address.hpp"
#include "plugins/smtp/mime_message.hpp"

namespace wasl::plugins::smtp {
namespace {

using sdk::Error;
using sdk::ErrorCode;

Error invalid_notifier(std::string message) {
  return Error(ErrorCode::kInvalidArgument, "e-mail: " + std::move(message), false);
}

}  // namespace

SmtpNotifier::SmtpNotifier(sdk::Host& host, SmtpSettings settings,
                           std::unique_ptr<MailTransport> transport)
    : host_(host), settings_(std::move(settings)), transport_(std::move(transport)) {}

sdk::Result<sdk::NotificationReceipt> SmtpNotifier::send(const sdk::Notification& notification) {
  if (notification.channel != "email") {
    return invalid_notifier("this instance sends channel \"email\" only" +
                            std::string(notification.channel == "sms"
                                            ? "; bind the facility's sms channel to an SMS instance"
                                            : ""));
  }
  if (notification.idempotency_key.empty()) {
    return invalid_notifier(
        "the notification has no idempotency key (the Message-ID is derived from it)");
  }
  MailMessage message;
  message.from_address = settings_.from;
  message.from_name = settings_.from_name;
  message.to_address = notification.recipient;
  message.subject = notification.subject;
  message.body = notification.body;
  message.language = notification.language;
  message.message_id = message_id_for(notification.idempotency_key, domain_of(settings_.from));
  message.date = host_.now();
  WASL_ASSIGN_OR_RETURN(const std::string bytes, write_message(message));
  if (bytes.size() > settings_.max_message_bytes) {
    return invalid_notifier("the encoded message is " + std::to_string(bytes.size()) +
                            " bytes, over max_message_bytes (" +
                            std::to_string(settings_.max_message_bytes) + ")");
  }

  auto accepted = transport_->submit(settings_.from, notification.recipient, bytes);
  if (!accepted.ok()) {
    host_.log(sdk::LogLevel::kWarn,
              "e-mail " + message.message_id + " not sent: " + accepted.error().message);
    return accepted.error();
  }
  host_.log(sdk::LogLevel::kInfo, "e-mail " + message.message_id + " taken by the SMTP server (" +
                                      std::to_string(accepted->reply_code) + ")");
  sdk::NotificationReceipt receipt;
  receipt.provider_id = message.message_id;
  receipt.status = "delivered";
  receipt.accepted_at_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(message.date.time_since_epoch())
          .count();
  receipt.raw = {{"message_id", message.message_id},
                 {"reply_code", accepted->reply_code},
                 {"enhanced_status", accepted->enhanced_status},
                 {"bytes", bytes.size()}};
  return receipt;
}

}  // namespace wasl::plugins::smtp
