// webhook.hpp: verifies and parses a provider's webhook (Twilio status
// callbacks, Chime EventBridge relays, FHIR Subscription notifications).
// Any plugin may add this capability beside its main one.
//
// Error contract:
// - success: the events the request carries (possibly none), normalized, each
//   with a dedupe_key that is identical when the provider redelivers it;
// - permanent failure: kUnauthenticated for a missing or wrong signature or a
//   stale timestamp, kInvalidArgument for a body it cannot parse,
//   kResourceExhausted for a request carrying more than kMaxWebhookEvents
//   events (refused whole: the hub stores none of them and answers 413).
//   Never retryable: the request is what it is.
// Pure computation over the request and settings/secrets; no outside effect.
// Thread-safe.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "wasl/sdk/host.hpp"
#include "wasl/sdk/result.hpp"
#include "wasl/sdk/types.hpp"

namespace wasl::sdk {

// The most events one webhook request may carry (a topic-based FHIR
// notification's events, a Chime EventBridge array). Each event becomes an
// inbox row and, often, a read at the provider: a verifier refuses a request
// with more before it builds them, and the hub refuses it whatever the
// verifier did.
inline constexpr std::size_t kMaxWebhookEvents = 100;

class WebhookVerifier {
 public:
  virtual ~WebhookVerifier() = default;

  static constexpr std::string_view kVerify = "webhook.verify";

  // Checks the signature over (method, full public URL, headers, raw body)
  // and returns the normalized events.
  virtual Result<std::vector<Event>> verify(const WebhookRequest& request) = 0;
};

}  // namespace wasl::sdk
