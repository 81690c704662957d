// notify.hpp: messages to a person, by e-mail or SMS (SDK 1.6).
// The hub renders the text (a facility's template in the patient's
// language), decides whether and when it may go (opt-out, quiet hours) and
// records it before calling send(); the plugin only delivers it.
//
// Idempotency: `idempotency_key` is the same for every attempt of one
// message (a retry, a resend after a hub crash). A plugin passes it on so the
// far end can recognise a resend: an SMS gateway's client reference, an
// e-mail's Message-ID (derived from the key, so a resent e-mail carries the
// same Message-ID).
//
// Error contract of send():
// - success: the provider took the message; `provider_id` names it there.
//   Delivery is reported later, when the provider supports it, as webhook
//   events on the instance's webhook ("notification.delivered" or
//   "notification.failed", Event::resource_id = provider_id);
// - kInvalidArgument: the message can never go as given (a recipient the
//   provider refuses, an empty body); the hub does not retry it;
// - kUnavailable, kDeadlineExceeded, kResourceExhausted: try again later with
//   the same key;
// - anything else: the hub's retry policy decides.
// Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::sdk {

// One rendered message for one recipient.
struct Notification {
  std::string idempotency_key;  // stable across every attempt of this message
  std::string channel;          // "sms" or "email"
  std::string recipient;        // E.164 phone number ("+9665…") or e-mail address
  std::string subject;          // e-mail only; UTF-8
  std::string body;             // UTF-8 plain text
  std::string language;         // BCP 47 of the text: "ar" or "en"
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Notification, idempotency_key, channel, recipient,
                                                subject, body, language)

// What the provider answered.
struct NotificationReceipt {
  std::string provider_id;  // the provider's id for the message (gateway id, Message-ID)
  // "accepted": taken, a delivery receipt may follow; "delivered": the
  // provider reports it delivered already (an SMTP server that took it for
  // the mailbox).
  std::string status = "accepted";
  int segments = 0;  // SMS: the parts billed (UCS-2: 70 per single part, 67 per part of several)
  std::int64_t accepted_at_ms = 0;
  nlohmann::json raw;  // the provider's answer, parsed, when it has one
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(NotificationReceipt, provider_id, status, segments,
                                                accepted_at_ms, raw)

class Notifier {
 public:
  virtual ~Notifier() = default;
  static constexpr std::string_view kSend = "notify.send";
  virtual Result<NotificationReceipt> send(const Notification& notification) = 0;
};

}  // namespace wasl::sdk
