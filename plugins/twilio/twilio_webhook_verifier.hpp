// TwilioWebhookVerifier: sdk::WebhookVerifier for Twilio Video status
// callbacks (room, participant, recording and composition events).
//
// verify(): the request must be a form-encoded POST carrying
// X-Twilio-Signature (header name compared case-insensitively). The
// signature is checked with the account auth token over request.url — the
// public URL the hub passes, which is what Twilio called when the hub sits
// behind a proxy — and the POST parameters (request_signature.hpp: sorted,
// default port added or removed, constant-time compare). Only then is the
// body parsed into events (status_callback.hpp): zero or one event, with a
// dedupe key that is identical on redelivery and occurred_at_ms from
// Timestamp (order by it, never by SequenceNumber).
//
// Errors (never retryable): kUnauthenticated for a missing or wrong
// signature; kInvalidArgument for a method other than POST, a body that is
// not a form, or a callback without the fields its event needs. Messages name
// no secret and no parameter value. No outside effect; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "wasl/sdk/host.hpp"
#include "wasl/sdk/webhook.hpp"

namespace wasl::plugins::twilio {

class TwilioWebhookVerifier final : public sdk::WebhookVerifier {
 public:
  // The token is copied and kept for the object's lifetime; never logged.
  explicit TwilioWebhookVerifier(std::string auth_token) : auth_token_(std::move(auth_token)) {}

  sdk::Result<std::vector<sdk::Event>> verify(const sdk::WebhookRequest& request) override;

 private:
  const std::string auth_token_;
};

}  // namespace wasl::plugins::twilio
