// DeliveryReceiptVerifier: the webhook capability. The gateway POSTs a
// delivery receipt (DLR) for each message to the hub's
// /v1/webhooks/<instance>, signed with receipt_secret
// (receipt_signature.hpp):
//
//   {"messageId": "...", "clientReference": "...", "recipient": "9665...",
//    "status": "DELIVERED", "statusAt": "2026-03-01T09:30:05.120Z",
//    "errorCode": "..."}   (errorCode on failures only)
//
// Each verified receipt is one event: status DELIVERED →
// "notification.delivered"; FAILED, UNDELIVERABLE or EXPIRED →
// "notification.failed". resource_id = messageId (the notify receipt's
// provider_id), occurred_at_ms = statusAt, dedupe_key
// "sms:<messageId>/<status>" (a redelivered receipt is a duplicate; a
// failure after a delivery report is another event). The payload keeps
// messageId, clientReference, status, statusAt and errorCode, and never the
// recipient's number.
//
// Errors (webhook.hpp): a missing, forged or stale signature
// kUnauthenticated; a body that is not such a receipt (not JSON, no
// messageId, no statusAt as ISO 8601, any other status: an intermediate
// state such as SENT is not a delivery report) kInvalidArgument. Nothing is
// stored for a refused receipt. A clock read, otherwise pure; thread-safe.
#pragma once

#include <vector>

#include "plugins/sms/settings.hpp"
#include "wasl/sdk/host.hpp"
#include "wasl/sdk/webhook.hpp"

namespace wasl::plugins::sms {

class DeliveryReceiptVerifier final : public sdk::WebhookVerifier {
 public:
  // `host` (its clock) outlives the verifier; settings.receipt_secret is set.
  DeliveryReceiptVerifier(sdk::Host& host, SmsSettings settings);

  sdk::Result<std::vector<sdk::Event>> verify(const sdk::WebhookRequest& request) override;

 private:
  sdk::Host& host_;
  const SmsSettings settings_;
};

}  // namespace wasl::plugins::sms
