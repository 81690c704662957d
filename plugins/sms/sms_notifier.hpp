// SmsNotifier: the notify capability over an HTTP SMS gateway shaped like
// the Saudi gateways' REST APIs (Taqnyat, Unifonic), through Host::http.
//
//   POST <base_url>/v1/messages
//   Authorization: Bearer <api_key>
//   {"recipients": ["966501234567"], "body": "<text>", "sender": "<sender>",
//    "clientReference": "<client_reference(idempotency key)>"}
//   → 201 {"messageId", "statusCode", "segments", "cost", "currency", …}
//
// The gateway keeps each clientReference: a resend (a retry after a lost
// answer, a resend after a hub crash) answers the message already taken,
// with its messageId, and sends nothing again. So a send is safe to repeat
// with the same idempotency key; the plugin keeps no state of its own.
//
// Before anything is sent the notification is checked: channel "sms" only
// (an e-mail is kInvalidArgument), an idempotency key and a body, a
// recipient in E.164 (recipient_number.hpp), a text that is UTF-8 and needs
// at most max_segments parts (sms_segments.hpp). Each refusal is
// kInvalidArgument: the message can never go as given.
//
// Answers: 2xx with a messageId is success (receipt: provider_id =
// messageId, segments as the gateway billed them, else as counted here);
// a 2xx without a readable messageId is kUnavailable (retried; the gateway
// answers the resend from its store); other statuses gateway_errors.hpp;
// no answer at all is the host's kUnavailable or kDeadlineExceeded, retried
// with the same clientReference. No message, log line or receipt carries
// the text or the number: both are PHI.
//
// Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "plugins/sms/settings.hpp"
#include "wasl/sdk/host.hpp"
#include "wasl/sdk/notify.hpp"

namespace wasl::plugins::sms {

// The gateway's clientReference for an idempotency key: the key itself when
// it is 1 to 64 characters of [A-Za-z0-9._:/-] (what the gateway takes),
// else the lower-case hex SHA-256 of the key (64 characters). The same key
// always gives the same reference.
std::string client_reference(std::string_view idempotency_key);

class SmsNotifier final : public sdk::Notifier {
 public:
  // `host` outlives the notifier.
  SmsNotifier(sdk::Host& host, SmsSettings settings);

  sdk::Result<sdk::NotificationReceipt> send(const sdk::Notification& notification) override;

 private:
  sdk::Host& host_;
  const SmsSettings settings_;
};

}  // namespace wasl::plugins::sms
